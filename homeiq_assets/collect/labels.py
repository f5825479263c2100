"""The labeller: the only collection code that reads ground truth.

A detected pattern is *real* when most of its occurrence events were caused by one planted
routine or automation (the simulator tags every event with its cause); that routine is the
pattern's match. A synergy candidate is planted when an automation links the pair. Detector
precision and recall are computed here, against the routines the events can show (a routine
that fired fewer times than the detector's minimum support is counted separately, not hidden).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from homeiq_assets.collect.observations import HomeObservations, HomeTruth
from homeiq_assets.collect.patterns import DetectedPatterns

REAL_SHARE = 0.5


def label_patterns(detected: DetectedPatterns, truth: HomeTruth) -> None:
    """Add `gt_real`, `gt_routine_id` and `gt_cause_share` to every pattern record."""
    planted = set(truth.routines["routine_id"])
    for rec, idx in zip(detected.records, detected.occurrences, strict=True):
        causes = truth.gt_cause[idx]
        is_planted = np.isin(causes, list(planted)) if planted else np.zeros(idx.size, bool)
        rid, share = None, 0.0
        if is_planted.any():
            values, counts = np.unique(causes[is_planted], return_counts=True)
            best = int(counts.argmax())
            rid, share = str(values[best]), float(counts[best]) / max(idx.size, 1)
        rec["gt_real"] = bool(share >= REAL_SHARE)
        rec["gt_routine_id"] = rid if share >= REAL_SHARE else None
        rec["gt_cause_share"] = round(share, 4)


def pattern_scores(records: list[dict], routines: pd.DataFrame, min_occurrences: int) -> dict:
    """Precision of strong patterns and recall of detectable planted routines."""
    strong = [r for r in records if r["strong"]]
    tp = sum(r["gt_real"] for r in strong)
    found = {r["gt_routine_id"] for r in strong if r["gt_real"]}
    detectable = routines[routines["occurrences"] >= min_occurrences]
    hit = detectable["routine_id"].isin(found)
    by_template = {
        str(t): {"routines": int(len(g)), "found": int(hit[g.index].sum())}
        for t, g in detectable.groupby("template")
    }
    return {
        "strong_patterns": len(strong),
        "true_positives": int(tp),
        "precision": round(tp / len(strong), 4) if strong else 0.0,
        "routines_detectable": int(len(detectable)),
        "routines_found": int(hit.sum()),
        "routines_below_min_support": int(len(routines) - len(detectable)),
        "recall": round(float(hit.mean()), 4) if len(detectable) else 0.0,
        "by_template": by_template,
    }


def routine_agreement(obs: HomeObservations, truth: HomeTruth) -> dict:
    """Does ground truth agree with what the events show, per routine occurrence?

    An occurrence agrees when its events exist, change an action entity of the routine, and —
    for automations with a trigger entity — follow an event of that trigger entity within the
    routine's lag (mean + 6 std + 5 s). Counts are returned so callers can aggregate fleets.
    """
    occ_ok = occ_total = 0
    entity_of = obs.entity_ids[obs.entity]
    causes = truth.gt_cause
    for row in truth.routines.itertuples(index=False):
        mine = np.flatnonzero(causes == row.routine_id)
        if mine.size == 0:
            continue
        occ = truth.gt_occurrence[mine]
        uniq, first = np.unique(occ, return_index=True)
        occ_total += uniq.size
        actions = set(row.action_entity_ids)
        on_action = np.isin(entity_of[mine], list(actions))
        # every occurrence must touch one of the routine's action entities
        touched = np.zeros(uniq.size, bool)
        np.logical_or.at(touched, np.searchsorted(uniq, occ), on_action)
        ok = touched
        if isinstance(row.trigger_entity_id, str):
            code = obs.entity_code(row.trigger_entity_id)
            t_trig = obs.ts_ms[obs.entity == code] if code >= 0 else np.zeros(0, np.int64)
            t_first = obs.ts_ms[mine[first]]
            last = np.searchsorted(t_trig, t_first, side="right") - 1
            t_last = np.where(last >= 0, t_trig[np.maximum(last, 0)], -(10**15))
            window_ms = (row.lag_s_mean + 6 * row.lag_s_std + 5) * 1000
            reacted = (last >= 0) & (t_first - t_last <= window_ms)
            # when the action entity was already in the target state, the trigger changes
            # nothing (only changes are recorded): the occurrence shows as the later revert,
            # and the trigger must have fired while the entity held that state
            prev = _previous_event_ms(obs, mine[first])
            while_held = (last >= 0) & (t_last > prev)
            ok = ok & (reacted | while_held)
        if row.time_local_h is not None and np.isfinite(row.time_local_h):
            # scheduled items: some event of the occurrence lands at the scheduled local time
            minute = (obs.local_ms()[mine] % 86_400_000) / 60_000
            late = (minute - row.time_local_h * 60) % 1440
            tol = (row.lag_s_mean + 6 * row.lag_s_std) / 60 + 5
            on_time = np.zeros(uniq.size, bool)
            np.logical_or.at(on_time, np.searchsorted(uniq, occ), late <= tol)
            ok = ok & on_time
        occ_ok += int(ok.sum())
    return {"occurrences": occ_total, "agreeing": occ_ok}


def _previous_event_ms(obs: HomeObservations, events: np.ndarray) -> np.ndarray:
    """Time of the previous event of the same entity for each given event (−inf if none)."""
    out = np.full(events.size, -(10**15), dtype=np.int64)
    for code in np.unique(obs.entity[events]):
        times = obs.ts_ms[obs.entity == code]
        sel = obs.entity[events] == code
        pos = np.searchsorted(times, obs.ts_ms[events[sel]], side="left") - 1
        out[sel] = np.where(pos >= 0, times[np.maximum(pos, 0)], -(10**15))
    return out


def label_synergies(records: list[dict], truth: HomeTruth) -> None:
    """Add `gt_linked` and `gt_automation_id` from the planted synergies."""
    gt = truth.synergies.set_index(["trigger_entity_id", "action_entity_id"])
    linked = gt["gt_linked"].to_dict()
    automation = gt["gt_automation_id"].to_dict()
    for rec in records:
        key = (rec["trigger_entity_id"], rec["action_entity_id"])
        rec["gt_linked"] = bool(linked.get(key, False))
        aid = automation.get(key)
        rec["gt_automation_id"] = aid if isinstance(aid, str) else None


def binary_scores(predicted: np.ndarray, actual: np.ndarray) -> dict:
    """Precision, recall and F1 with their counts."""
    predicted, actual = np.asarray(predicted, bool), np.asarray(actual, bool)
    tp = int((predicted & actual).sum())
    fp = int((predicted & ~actual).sum())
    fn = int((~predicted & actual).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "n": int(actual.size),
        "positives": int(actual.sum()),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
    }
