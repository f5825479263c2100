"""Labelling Ask-AI answers: the only Ask-AI code that reads ground truth.

An answer is approved when it implements the intended automation within tolerances (times
±5 min, numbers ±1); otherwise the first failed check names the reason. Each record also says
whether its intent matches a planted routine, automation or linked synergy of the home.
"""

from __future__ import annotations

import math

from homeiq_assets.collect.automation.validate import load_yaml
from homeiq_assets.collect.observations import HomeTruth

TIME_TOLERANCE_MIN = 5
VALUE_TOLERANCE = 1.0


def _seconds(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    sign = -1 if str(value).startswith("-") else 1
    parts = [int(float(p)) for p in str(value).lstrip("+-").split(":")]
    parts += [0] * (3 - len(parts))
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def _targets(action: dict) -> frozenset[str]:
    ids = (action.get("target") or {}).get("entity_id") or []
    return frozenset([ids] if isinstance(ids, str) else ids)


def _conditions(cfg: dict) -> set[tuple]:
    out = set()
    for c in cfg.get("conditions") or []:
        weekday = c.get("weekday")
        weekday = tuple(sorted([weekday] if isinstance(weekday, str) else weekday or []))
        out.add((c.get("condition"), c.get("after"), c.get("before"), weekday))
    return out


def _gap(a: float | None, b: float | None, period: float | None = None) -> float:
    """Distance of two optional numbers (0 when both absent, infinite when one is)."""
    if a is None or b is None:
        return 0.0 if a is None and b is None else math.inf
    d = abs(float(a) - float(b))
    return min(d % period, period - d % period) if period else d


def _reject_reason(intended: dict, answer: dict) -> str | None:
    """Why the answer does not implement the intended automation (None when it does).

    Checked in order: trigger kind, entities, services, times (±5 min), numbers (±1), then
    conditions; the first failure names the reason.
    """
    ti, ta = intended["triggers"][0], answer["triggers"][0]
    ai, aa = intended["actions"], answer["actions"]

    def shape(t: dict) -> tuple:
        return t["trigger"], t.get("event"), t.get("to"), "above" in t, "below" in t

    def service(a: dict) -> tuple:
        return a.get("action"), (a.get("data") or {}).get("hvac_mode")

    def temperature(a: dict) -> float | None:
        return (a.get("data") or {}).get("temperature")

    tol_s = TIME_TOLERANCE_MIN * 60
    checks = (
        ("wrong trigger", lambda: shape(ti) != shape(ta)),
        ("wrong entity", lambda: ti.get("entity_id") != ta.get("entity_id")),
        ("wrong entity", lambda: [_targets(a) for a in ai] != [_targets(a) for a in aa]),
        ("wrong action", lambda: [service(a) for a in ai] != [service(a) for a in aa]),
        (
            "wrong time",
            lambda: _gap(_seconds(ti.get("at")), _seconds(ta.get("at")), 86_400) > tol_s,
        ),
        (
            "wrong time",
            lambda: _gap(_seconds(ti.get("offset")), _seconds(ta.get("offset"))) > tol_s,
        ),
        ("wrong value", lambda: _gap(ti.get("above"), ta.get("above")) > VALUE_TOLERANCE),
        ("wrong value", lambda: _gap(ti.get("below"), ta.get("below")) > VALUE_TOLERANCE),
        ("wrong value", lambda: _gap(_seconds(ti.get("for")), _seconds(ta.get("for"))) > 30),
        (
            "wrong value",
            lambda: any(
                _gap(temperature(x), temperature(y)) > VALUE_TOLERANCE / 2
                for x, y in zip(ai, aa, strict=True)
            ),
        ),
        ("wrong condition", lambda: _conditions(intended) != _conditions(answer)),
    )
    return next((reason for reason, failed in checks if failed()), None)


def _planted(truth: HomeTruth) -> tuple[list[tuple[str, str | None, list]], object]:
    """The home's routines as (id, state trigger entity or None, action entities), and its
    habit-linked synergies: read once per home, not once per request."""
    routines = truth.routines
    rows = [
        (str(rid), trig if isinstance(trig, str) else None, list(acts))
        for rid, trig, acts in zip(
            routines["routine_id"],
            routines["trigger_entity_id"],
            routines["action_entity_ids"],
            strict=True,
        )
    ]
    syn = truth.synergies
    linked = syn[syn["gt_linked"].astype(bool)] if len(syn) else syn
    return rows, linked


def _planted_match(intended: dict, truth: HomeTruth, planted=None) -> str | None:
    """The planted habit or automation (or habit-linked synergy) the intended automation is."""
    rows, linked = planted or _planted(truth)
    trig = intended["triggers"][0].get("entity_id")
    acts = [t for a in intended["actions"] for t in sorted(_targets(a))]
    wanted = set(acts)
    for routine_id, planted_trig, actions in rows:
        if planted_trig is not None:
            if planted_trig == trig and wanted.intersection(actions):
                return routine_id
        elif trig is None and actions and acts and actions[0] == acts[0]:
            return routine_id
    if len(linked) and trig is not None:
        hit = linked[linked["trigger_entity_id"] == trig]
        hit = hit[hit["action_entity_id"].isin(acts)]
        if len(hit):
            gid = hit["gt_habit_id"].iloc[0]
            return str(gid) if isinstance(gid, str) else f"{truth.home_id}.synergy"
    return None


def label_ask_ai(records: list[dict], truth: HomeTruth) -> list[dict]:
    """Set `approved`, `reject_reason`, `matches_planted_routine` (and the routine id)."""
    planted = _planted(truth) if records else None
    for rec in records:
        intended = load_yaml(rec["gt_intended_yaml"])
        if not rec["answer_yaml"]:
            reason = "unparsed request"
        elif not rec["yaml_valid"]:
            reason = "invalid yaml"
        else:
            reason = _reject_reason(intended, load_yaml(rec["answer_yaml"]))
        match = _planted_match(intended, truth, planted)
        rec["approved"] = reason is None
        rec["reject_reason"] = reason
        rec["matches_planted_routine"] = match is not None
        rec["gt_matched_routine_id"] = match
    return records
