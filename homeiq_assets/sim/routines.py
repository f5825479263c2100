"""The library of routines and automations a household may have, and synergy ground truth.

A *routine* is a habit the occupants perform by hand (coffee after waking, locking up at
bedtime); an *automation* is a Home Assistant automation linking a trigger device to an action
device. Each planted item gets household-specific timing, lag, jitter and adherence (< 1). The
synergy candidates of a home are every compatible trigger→action device pair, linked or not;
an automation is only planted for a relationship type that also has unlinked candidates, so the
device types alone never give the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from homeiq_assets.sim.layout import Home
from homeiq_assets.sim.rng import derive_rng

# relationship type -> (trigger device types, trigger entity key, action device types,
#                       action entity key)
RELATIONSHIPS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], str]] = {
    "motion_light": (
        ("motion_sensor",),
        "motion",
        ("ceiling_light", "lamp", "outdoor_light"),
        "light",
    ),
    "door_light": (("door_sensor",), "door", ("ceiling_light", "outdoor_light"), "light"),
    "humidity_fan": (("climate_sensor",), "humidity", ("bathroom_fan",), "fan"),
    "window_climate": (("window_sensor",), "window", ("thermostat",), "climate"),
    "presence_climate": (("door_lock",), "lock", ("thermostat",), "climate"),
}


@dataclass
class Planted:
    """One planted routine or automation with its household-specific parameters."""

    routine_id: str
    kind: str  # "routine" | "automation"
    template: str
    description: str
    trigger_entity: int | None
    action_entities: list[int]
    relationship: str | None
    adherence: float
    lag_s_mean: float
    lag_s_std: float
    time_local_h: float | None = None
    params: dict[str, float] = field(default_factory=dict)
    area_index: int | None = None
    opportunities: int = 0

    def lags_ms(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Reaction lags: mean plus positive jitter, never zero."""
        lag = rng.normal(self.lag_s_mean, self.lag_s_std, n)
        return np.round(np.maximum(lag, 0.5) * 1000).astype(np.int64)


@dataclass
class SynergyCandidate:
    trigger_device: int
    trigger_entity: int
    action_device: int
    action_entity: int
    relationship: str
    same_area: bool
    linked_by: str | None = None


def synergy_candidates(home: Home) -> list[SynergyCandidate]:
    """Every compatible trigger→action pair of the home, in a stable order."""
    out = []
    for rel, (t_types, t_key, a_types, a_key) in RELATIONSHIPS.items():
        for ti, tdev in enumerate(home.devices):
            if tdev.device_type not in t_types:
                continue
            te = home.entity_of(ti, t_key)
            if te is None:
                continue
            for ai, adev in enumerate(home.devices):
                if adev.device_type not in a_types or ai == ti:
                    continue
                ae = home.entity_of(ai, a_key)
                if ae is None:
                    continue
                out.append(
                    SynergyCandidate(ti, te, ai, ae, rel, tdev.area_index == adev.area_index)
                )
    return out


def _rid(home: Home, template: str, suffix: str = "") -> str:
    return f"{home.home_id}.{template}{('_' + suffix) if suffix else ''}"


def plant_routines(home: Home, seed: int) -> tuple[list[Planted], list[SynergyCandidate]]:
    """Choose this household's routines and automations and mark the synergies they link."""
    rng = derive_rng(seed, home.home_id, "routines")
    candidates = synergy_candidates(home)
    by_rel: dict[str, list[SynergyCandidate]] = {}
    for c in candidates:
        by_rel.setdefault(c.relationship, []).append(c)
    planted: list[Planted] = []

    def adherence(lo: float = 0.78, hi: float = 0.97) -> float:
        return round(float(rng.uniform(lo, hi)), 3)

    def link(rel: str, pick: list[SynergyCandidate], p: Planted) -> None:
        # only plant when the relationship keeps unlinked candidates of the same type
        unlinked = [c for c in by_rel.get(rel, []) if c.linked_by is None and c not in pick]
        if not pick or not unlinked:
            return
        for c in pick:
            c.linked_by = p.routine_id
        planted.append(p)

    # --- automations (trigger device -> action device) ---
    motion_pairs = [c for c in by_rel.get("motion_light", []) if c.same_area]
    rng.shuffle(motion_pairs)
    areas_done: set[int] = set()
    n_motion = int(rng.integers(1, 4))
    for c in motion_pairs:
        area = home.devices[c.trigger_device].area_index
        if area in areas_done or len(areas_done) >= n_motion:
            continue
        if rng.random() < 0.75:
            areas_done.add(area)
            area_name = home.areas[area].area_id
            p = Planted(
                _rid(home, "motion_light", area_name),
                "automation",
                "motion_light",
                f"Motion in {home.areas[area].name} turns its light on when dark",
                c.trigger_entity,
                [c.action_entity],
                "motion_light",
                adherence(0.85, 0.98),
                float(rng.uniform(0.8, 3.0)),
                float(rng.uniform(0.3, 1.2)),
                params={"off_after_min": float(rng.integers(2, 6))},
                area_index=area,
            )
            link("motion_light", [c], p)

    door = [
        c
        for c in by_rel.get("door_light", [])
        if home.areas[home.devices[c.action_device].area_index].kind in ("entrance", "porch")
    ]
    if door and rng.random() < 0.55:
        c = door[int(rng.integers(len(door)))]
        p = Planted(
            _rid(home, "arrival_light"),
            "automation",
            "arrival_light",
            "Front door opening after dark turns the light on",
            c.trigger_entity,
            [c.action_entity],
            "door_light",
            adherence(0.85, 0.97),
            float(rng.uniform(1.0, 4.0)),
            float(rng.uniform(0.4, 1.5)),
        )
        link("door_light", [c], p)

    fan = [c for c in by_rel.get("humidity_fan", []) if c.same_area]
    if fan and rng.random() < 0.7:
        c = fan[0]
        p = Planted(
            _rid(home, "humidity_fan"),
            "automation",
            "humidity_fan",
            "Bathroom humidity above threshold runs the fan",
            c.trigger_entity,
            [c.action_entity],
            "humidity_fan",
            adherence(0.85, 0.97),
            float(rng.uniform(5.0, 40.0)),
            float(rng.uniform(2.0, 10.0)),
            params={
                "on_above": float(rng.uniform(68, 76)),
                "off_below": float(rng.uniform(58, 64)),
            },
            area_index=home.devices[c.action_device].area_index,
        )
        link("humidity_fan", [c], p)

    window = by_rel.get("window_climate", [])
    if window and rng.random() < 0.5:
        c = window[int(rng.integers(len(window)))]
        p = Planted(
            _rid(home, "window_climate_off"),
            "automation",
            "window_climate_off",
            "An open window switches the heating off until it closes",
            c.trigger_entity,
            [c.action_entity],
            "window_climate",
            adherence(0.85, 0.97),
            float(rng.uniform(20.0, 90.0)),
            float(rng.uniform(5.0, 20.0)),
        )
        link("window_climate", [c], p)

    presence = by_rel.get("presence_climate", [])
    if presence and rng.random() < 0.6:
        c = presence[0]
        p = Planted(
            _rid(home, "away_eco"),
            "automation",
            "away_eco",
            "Locking up an empty home sets the thermostat to eco; arrival restores it",
            c.trigger_entity,
            [c.action_entity],
            "presence_climate",
            adherence(0.85, 0.97),
            float(rng.uniform(30.0, 180.0)),
            float(rng.uniform(10.0, 40.0)),
            params={"eco_c": float(rng.choice([15.0, 15.5, 16.0, 16.5]))},
        )
        link("presence_climate", [c], p)

    # --- time- or state-triggered automations without a device synergy ---
    outdoor = [
        i
        for i, e in enumerate(home.entities)
        if e.key == "light" and not home.areas[home.devices[e.device_index].area_index].indoor
    ]
    if outdoor and rng.random() < 0.65:
        planted.append(
            Planted(
                _rid(home, "outdoor_lights_sunset"),
                "automation",
                "outdoor_lights_sunset",
                "Outdoor lights on after sunset, off at a fixed time",
                None,
                outdoor,
                None,
                adherence(0.88, 0.98),
                float(rng.uniform(60, 900)),
                float(rng.uniform(20, 240)),
                time_local_h=float(rng.choice([22.5, 23.0, 23.5, 24.0])),
            )
        )
    vacuum = [i for i, e in enumerate(home.entities) if e.key == "vacuum"]
    if vacuum and rng.random() < 0.8:
        planted.append(
            Planted(
                _rid(home, "vacuum_when_away"),
                "automation",
                "vacuum_when_away",
                "The robot vacuum cleans once the home has been empty for a while",
                None,
                vacuum,
                None,
                adherence(0.75, 0.95),
                float(rng.uniform(600, 1800)),
                float(rng.uniform(60, 300)),
            )
        )
    irrigation = [
        i
        for i, e in enumerate(home.entities)
        if home.devices[e.device_index].device_type == "irrigation"
    ]
    if irrigation:
        planted.append(
            Planted(
                _rid(home, "irrigation_morning"),
                "automation",
                "irrigation_morning",
                "Garden irrigation early in the morning unless it rained or is cold",
                None,
                irrigation,
                None,
                adherence(0.85, 0.97),
                float(rng.uniform(5, 60)),
                float(rng.uniform(2, 20)),
                time_local_h=float(rng.choice([5.0, 5.5, 6.0])),
                params={"minutes": float(rng.integers(10, 26))},
            )
        )

    # --- routines: occupants' habits ---
    coffee = [
        i
        for i, e in enumerate(home.entities)
        if home.devices[e.device_index].device_type == "coffee_plug" and e.key == "switch"
    ]
    if coffee and rng.random() < 0.8:
        planted.append(
            Planted(
                _rid(home, "morning_coffee"),
                "routine",
                "morning_coffee",
                "Coffee maker on shortly after the first person wakes up",
                None,
                coffee,
                None,
                adherence(0.7, 0.95),
                float(rng.uniform(180, 900)),
                float(rng.uniform(60, 300)),
                params={
                    "weekdays_only": float(rng.random() < 0.4),
                    "brew_min": float(rng.integers(4, 9)),
                },
            )
        )
    lock = [i for i, e in enumerate(home.entities) if e.key == "lock"]
    if lock and rng.random() < 0.75:
        lights = [i for i, e in enumerate(home.entities) if e.key == "light"]
        planted.append(
            Planted(
                _rid(home, "bedtime_lock"),
                "routine",
                "bedtime_lock",
                "Last one to bed locks the front door and switches off forgotten lights",
                None,
                lock + lights,
                None,
                adherence(0.7, 0.95),
                float(rng.uniform(60, 600)),
                float(rng.uniform(30, 180)),
            )
        )
    return planted, candidates
