"""Synergy detection: which device pairs of a home could be linked by an automation.

Candidates are the trigger→action pairs of compatible device types (the catalog's
relationship table: motion→light, door→light, humidity→fan, window→thermostat,
lock→thermostat), found from the registry, that no automation links yet: Home Assistant
records which automation caused a state change and what triggered it (the contexts), so "which
pairs are already automated" is a lookup, not something to learn. Each candidate gets
event-derived features from the changes people made (automation-caused changes of the action
device are left out: they say nothing about what the household does by hand) — how often the
action follows the trigger within 5 s … 10 min, the lag's median and spread, the lift over
chance — plus the rule-based baseline's verdict (same area and the action usually follows the
trigger within two minutes). Labels come later, from the labeller.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from homeiq_assets.collect.observations import HomeObservations
from homeiq_assets.sim.routines import RELATIONSHIPS, plausible_pair

DETECTOR_VERSION = "synergies-2"
WINDOWS_S = (5, 30, 120, 600)
RULE_WINDOW_S = 120
RULE_MIN_COVERAGE = 0.5

# relationship entity key -> (domain, device_class) of the entity that plays that role
ENTITY_ROLE = {
    "motion": ("binary_sensor", "motion"),
    "door": ("binary_sensor", "door"),
    "window": ("binary_sensor", "window"),
    "humidity": ("sensor", "humidity"),
    "lock": ("lock", None),
    "light": ("light", None),
    "fan": ("fan", None),
    "climate": ("climate", None),
}
TRIGGER_STATE = {"motion": "on", "door": "on", "window": "on", "lock": "locked"}
ACTION_STATES = {"light": ("on",), "fan": ("on",), "climate": None}  # None: any change


def _role_entities(info: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per role key, device_id -> entity_id of the (first) entity playing it on that device;
    one pass over the home's registry rows for every role."""
    out: dict[str, dict[str, str]] = {key: {} for key in ENTITY_ROLE}
    by_domain: dict[str, list[tuple[str, str | None]]] = {}
    for key, (domain, device_class) in ENTITY_ROLE.items():
        by_domain.setdefault(domain, []).append((key, device_class))
    rows = zip(info["domain"], info["device_class"], info["device_id"], info.index, strict=True)
    for domain, device_class, device_id, entity_id in rows:
        if not isinstance(device_id, str):
            continue
        for key, wanted in by_domain.get(domain, ()):
            if wanted is None or device_class == wanted:
                out[key].setdefault(device_id, entity_id)
    return out


def candidate_pairs(obs: HomeObservations) -> pd.DataFrame:
    """Every compatible trigger→action device pair, from the registry only."""
    info = obs.entity_info()
    devices = obs.devices
    areas = obs.areas
    level = dict(zip(obs.floors["floor_id"], obs.floors["level"].tolist(), strict=True))
    floor_of = dict(zip(areas["area_id"], areas["floor_id"], strict=True))
    # each area's place, looked up per pair (a plain dict: the pair loop stays cheap)
    place = {
        area_id: (area_id, str(kind), int(level.get(floor_id, 0)), bool(indoor))
        for area_id, kind, floor_id, indoor in zip(
            areas["area_id"], areas["kind"], areas["floor_id"], areas["indoor"], strict=True
        )
    }
    area_of = dict(zip(devices["device_id"], devices["area_id"], strict=True))
    roles = _role_entities(info)
    # the registry as plain lists: a pandas selection per relationship costs more than its pairs
    typed = list(zip(devices["device_id"].tolist(), devices["device_type"].tolist(), strict=True))
    rows = []
    for rel, (t_types, t_key, a_types, a_key) in RELATIONSHIPS.items():
        t_ent, a_ent = roles[t_key], roles[a_key]
        t_dev = [d for d, kind in typed if kind in t_types and d in t_ent]
        a_dev = [d for d, kind in typed if kind in a_types and d in a_ent]
        for td in t_dev:
            ta = area_of[td]
            for ad in a_dev:
                if td == ad:
                    continue
                aa = area_of[ad]
                if not plausible_pair(rel, place[ta], place[aa]):
                    continue
                rows.append(
                    {
                        "home_id": obs.home_id,
                        "trigger_device_id": td,
                        "trigger_entity_id": t_ent[td],
                        "action_device_id": ad,
                        "action_entity_id": a_ent[ad],
                        "relationship": rel,
                        "trigger_key": t_key,
                        "action_key": a_key,
                        "same_area": bool(ta == aa),
                        "same_floor": bool(floor_of.get(ta) == floor_of.get(aa)),
                    }
                )
    return pd.DataFrame(rows)


def _event_times(
    obs: HomeObservations, entity_id: str, states: tuple[str, ...] | None, by_hand: bool = False
) -> np.ndarray:
    """Times the entity reached one of `states` (any change when None); `by_hand` leaves out
    the changes an automation run caused."""
    code = obs.entity_code(entity_id)
    if code < 0:
        return np.zeros(0, np.int64)
    sel = obs.events_of(code)
    if states is not None:
        sel = sel[np.isin(obs.states, states)[obs.state[sel]]]
    if by_hand and obs.auto_run.size:
        sel = sel[obs.auto_run[sel] < 0]
    return obs.ts_ms[sel]


def _rising_crossings(obs: HomeObservations, entity_id: str) -> np.ndarray:
    """Times a numeric sensor rises through its own 80th percentile (humidity spikes)."""
    code = obs.entity_code(entity_id)
    if code < 0:
        return np.zeros(0, np.int64)
    sel = obs.events_of(code)
    values = pd.to_numeric(pd.Series(obs.states[obs.state[sel]]), errors="coerce").to_numpy()
    ok = ~np.isnan(values)
    values, times = values[ok], obs.ts_ms[sel][ok]
    if values.size < 3:
        return np.zeros(0, np.int64)
    theta = np.quantile(values, 0.8)
    up = (values[1:] >= theta) & (values[:-1] < theta)
    return times[1:][up]


def detect_synergies(obs: HomeObservations) -> list[dict]:
    """Candidate pairs (not already automated) with co-occurrence and lag features and the
    rule baseline's verdict."""
    pairs = candidate_pairs(obs)
    if pairs.empty:
        return []
    automated = obs.automated_pairs()
    if automated:
        linked = [
            (t, a) in automated
            for t, a in zip(pairs["trigger_entity_id"], pairs["action_entity_id"], strict=True)
        ]
        pairs = pairs[~np.asarray(linked, dtype=bool)].reset_index(drop=True)
    if pairs.empty:
        return []
    span_s = max(float(obs.ts_ms[-1] - obs.ts_ms[0]) / 1000 if obs.n_events else 1.0, 1.0)
    cache: dict[tuple[str, str], np.ndarray] = {}
    records = []
    for i, p in enumerate(pairs.to_dict("records")):
        tkey = (p["trigger_entity_id"], p["trigger_key"])
        if tkey not in cache:
            cache[tkey] = (
                _rising_crossings(obs, p["trigger_entity_id"])
                if p["trigger_key"] == "humidity"
                else _event_times(obs, p["trigger_entity_id"], (TRIGGER_STATE[p["trigger_key"]],))
            )
        akey = (p["action_entity_id"], p["action_key"])
        if akey not in cache:
            cache[akey] = _event_times(
                obs, p["action_entity_id"], ACTION_STATES[p["action_key"]], by_hand=True
            )
        t_trig, t_act = cache[tkey], cache[akey]
        features = lag_features(t_trig, t_act, span_s)
        rec = {**p, **features, "pair_id": f"{obs.home_id}.s{i:04d}"}
        rec["rule_linked"] = bool(
            p["same_area"] and rec[f"coverage_{RULE_WINDOW_S}s"] >= RULE_MIN_COVERAGE
        )
        records.append(rec)
    return records


def lag_features(t_trig: np.ndarray, t_act: np.ndarray, span_s: float) -> dict:
    """How action events sit after the latest trigger event: counts, coverage, lag spread."""
    out: dict = {"trigger_events": int(t_trig.size), "action_events": int(t_act.size)}
    if t_trig.size and t_act.size:
        last = np.searchsorted(t_trig, t_act, side="left") - 1
        lag = np.where(last >= 0, (t_act - t_trig[np.maximum(last, 0)]) / 1000.0, np.inf)
    else:
        lag = np.full(t_act.size, np.inf)
    rate = t_trig.size / span_s
    for w in WINDOWS_S:
        n = int((lag <= w).sum())
        expected = t_act.size * (1 - np.exp(-rate * w))
        out[f"cooccur_{w}s"] = n
        out[f"coverage_{w}s"] = round(n / t_act.size, 4) if t_act.size else 0.0
        out[f"lift_{w}s"] = round(n / expected, 3) if expected > 0 else 0.0
    near = lag[lag <= WINDOWS_S[-1]]
    out["lag_s_median"] = round(float(np.median(near)), 3) if near.size else None
    out["lag_s_iqr"] = (
        round(float(np.subtract(*np.percentile(near, [75, 25]))), 3) if near.size > 1 else None
    )
    out["lag_s_std"] = round(float(near.std()), 3) if near.size > 1 else None
    return out


def device_nodes(obs: HomeObservations) -> list[dict]:
    """Graph nodes for the GNN: every device with its place in the home and its activity."""
    areas = obs.areas
    # state changes per device: its entities' summed (entities without a device left out)
    counts = np.bincount(obs.entity, minlength=len(obs.entity_ids)).tolist()
    per_entity = dict(zip(obs.entity_ids.tolist(), counts, strict=True))
    entity_ids = obs.entities["entity_id"].tolist()
    device_of = obs.entities["device_id"].to_numpy(dtype=object)
    has_device = pd.notna(device_of)
    names, device = np.unique(device_of[has_device].astype(str), return_inverse=True)
    changes = np.array([per_entity.get(e, 0) for e in entity_ids], np.int64)[has_device]
    totals = np.bincount(device, changes, minlength=names.size).astype(np.int64)
    events_of = dict(zip(names.tolist(), totals.tolist(), strict=True))
    # each area's kind, floor and indoor flag as a plain dict: one lookup per device
    place = {
        area_id: (kind, floor_id, bool(indoor))
        for area_id, kind, floor_id, indoor in zip(
            areas["area_id"], areas["kind"], areas["floor_id"], areas["indoor"], strict=True
        )
    }
    devices = obs.devices
    nodes = []
    for device_id, device_type, category, power_source, area_id in zip(
        devices["device_id"],
        devices["device_type"],
        devices["category"],
        devices["power_source"],
        devices["area_id"],
        strict=True,
    ):
        area = place.get(area_id)
        nodes.append(
            {
                "home_id": obs.home_id,
                "device_id": device_id,
                "device_type": device_type,
                "category": category,
                "power_source": power_source,
                "area_id": area_id,
                "area_kind": None if area is None else area[0],
                "floor_id": None if area is None else area[1],
                "indoor": None if area is None else area[2],
                "events": int(events_of.get(device_id, 0)),
            }
        )
    return nodes
