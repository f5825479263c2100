"""The labeller: the only collection code that reads ground truth.

Labels say what a pattern or a pair *is*, never how often a cause shows up in its events:

- **Patterns.** Pattern detection exists to find the household's manual habits (what the AI
  would suggest automating). A detected pattern is real (`gt_real`, `gt_habit_id`) when a
  planted habit is that pattern:
  - a *sequence* when a habit has the same trigger (entity and state; for a numeric trigger
    the same sensor, direction and a threshold within ±`NUMERIC_TOLERANCE`) and the same
    action (entity and state), and the pattern's median lag lies in the habit's lag band
    (`lag_s_lo`…`lag_s_hi`);
  - a *time of day* when a habit acts on that entity (switching the coffee maker on, and off
    when it has brewed) at a typical local time within ±`TIME_TOLERANCE_H` of the pattern's
    time (the detector's window is an hour wide; a habit tied to waking drifts with it);
  - a *daily rhythm* when a habit tied to the same moment of the household's day (bedtime for
    `house_asleep`, waking for `house_awake`) acts on that entity.
  Patterns an existing automation produces are reported apart: the detector flags them from
  the recorded contexts (`automated`), and `gt_automation_id` names the automation that caused
  most of their occurrences.
- **Synergies.** A candidate is a compatible pair no automation links yet; it is positive
  (`gt_linked`, `gt_habit_id`) when a manual habit links the two devices — an automation
  opportunity. A candidate ground truth knows to be automated (an automation that never ran in
  the window, so the detector could not see it) is negative and marked `gt_automated`.

Detector precision and recall are computed here against the habits the events can show (a
habit done fewer times than the detector's minimum support is counted apart, not hidden).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeiq_assets.collect.observations import HomeObservations, HomeTruth
from homeiq_assets.collect.patterns import DetectedPatterns, occurrence_shares
from homeiq_assets.sim.realism import _ms, occurrence_agreement

TIME_TOLERANCE_H = 1.0
NUMERIC_TOLERANCE = 5.0  # percentage points of humidity (or units of the sensor)
RHYTHM_ANCHOR = {"house_asleep": "house_asleep", "house_awake": "house_awake"}


def _numeric(state: object) -> tuple[str, float] | None:
    """('above', 72.0) from 'above 72'; None when not a numeric trigger state."""
    if not isinstance(state, str) or " " not in state:
        return None
    direction, value = state.split(" ", 1)
    try:
        return direction, float(value)
    except ValueError:
        return None


def _circular_gap_h(a: float, b: float) -> float:
    d = abs(a - b) % 24.0
    return min(d, 24.0 - d)


def habit_index(habits: pd.DataFrame) -> dict[tuple[str, str | None], list[dict]]:
    """Habits by (action entity, action state) for sequences and by (action entity, None)
    for time-of-day and daily-rhythm patterns, which only ask what a habit acts on."""
    index: dict[tuple[str, str | None], list[dict]] = {}
    for h in habits.to_dict("records"):
        for entity in list(h["action_entity_ids"]):
            index.setdefault((entity, h["action_state"]), []).append(h)
            index.setdefault((entity, None), []).append(h)
    return index


def matching_habit(rec: dict, index: dict[tuple[str, str], list[dict]]) -> str | None:
    """The habit a detected pattern is, by the rules in the module docstring (None if none)."""
    kind = rec["pattern_type"]
    state = rec["action_state"] if kind == "sequence" else None
    for h in index.get((rec["action_entity_id"], state), ()):
        if kind == "sequence" and h["trigger_entity_id"] == rec["trigger_entity_id"]:
            if rec["trigger_kind"] == "state":
                same_trigger = (
                    h["trigger_kind"] == "state" and h["trigger_state"] == rec["trigger_state"]
                )
            else:
                mine, theirs = _numeric(rec["trigger_state"]), _numeric(h["trigger_state"])
                same_trigger = (
                    mine is not None
                    and theirs is not None
                    and mine[0] == theirs[0]
                    and abs(mine[1] - theirs[1]) <= NUMERIC_TOLERANCE
                )
            lag = rec["lag_s_median"]
            if same_trigger and lag is not None and h["lag_s_lo"] <= lag <= h["lag_s_hi"]:
                return str(h["routine_id"])
        elif kind == "time_of_day":
            t = h["time_local_h"]
            near = t is not None and np.isfinite(t)
            if near and _circular_gap_h(float(t), float(rec["time_local_h"])) <= TIME_TOLERANCE_H:
                return str(h["routine_id"])
        elif kind == "daily_rhythm" and h["trigger_kind"] == RHYTHM_ANCHOR.get(rec["trigger_kind"]):
            return str(h["routine_id"])
    return None


def label_patterns(detected: DetectedPatterns, truth: HomeTruth) -> None:
    """Add `gt_real`, `gt_habit_id` and `gt_automation_id` to every pattern record."""
    index = habit_index(truth.habits)
    automation_of = _causing_automation(detected, truth)
    for rec, aid in zip(detected.records, automation_of, strict=True):
        hid = matching_habit(rec, index)
        rec["gt_real"] = hid is not None
        rec["gt_habit_id"] = hid
        rec["gt_automation_id"] = aid


def _causing_automation(detected: DetectedPatterns, truth: HomeTruth) -> list[str | None]:
    """Per pattern, the automation that caused most of its occurrences, when automations
    caused at least half of them (the first id in sorted order among equals), else None."""
    out: list[str | None] = [None] * len(detected.records)
    automations = list(truth.automations["routine_id"])
    if not automations or not detected.records:
        return out
    # which state changes an automation caused, looked up once for every pattern
    by_automation = np.isin(truth.gt_cause, automations)
    share, count, (record, events) = occurrence_shares(detected.occurrences, by_automation)
    keep = ((count > 0) & (share >= 0.5))[record]
    record, events = record[keep], events[keep]
    if not record.size:
        return out
    names, cause = np.unique(truth.gt_cause[events], return_inverse=True)
    pairs, n = np.unique(np.stack([record, cause.reshape(-1)]), axis=1, return_counts=True)
    order = np.lexsort((pairs[1], -n, pairs[0]))  # by record, most frequent first
    first = order[np.r_[True, pairs[0][order][1:] != pairs[0][order][:-1]]]
    for r, c in zip(pairs[0][first].tolist(), pairs[1][first].tolist(), strict=True):
        out[r] = str(names[c])
    return out


def pattern_scores(records: list[dict], routines: pd.DataFrame, min_occurrences: int) -> dict:
    """Precision of strong patterns that are not already automated, recall of the detectable
    habits, and the automated patterns reported apart."""
    strong = [r for r in records if r["strong"] and not r["automated"]]
    tp = sum(r["gt_real"] for r in strong)
    found = {r["gt_habit_id"] for r in strong if r["gt_real"]}
    habits = routines[routines["kind"] == "habit"] if len(routines) else routines
    detectable = habits[habits["occurrences"] >= min_occurrences] if len(habits) else habits
    hit = detectable["routine_id"].isin(found) if len(detectable) else pd.Series(dtype=bool)
    by_template = (
        {
            str(t): {"habits": int(len(g)), "found": int(hit[g.index].sum())}
            for t, g in detectable.groupby("template")
        }
        if len(detectable)
        else {}
    )
    automated = [r for r in records if r["strong"] and r["automated"]]
    autos = routines[routines["kind"] == "automation"] if len(routines) else routines
    live = autos[autos["occurrences"] >= min_occurrences] if len(autos) else autos
    covered = {r["gt_automation_id"] for r in automated if r["gt_automation_id"]}
    return {
        "strong_patterns": len(strong),
        "true_positives": int(tp),
        "precision": round(tp / len(strong), 4) if strong else 0.0,
        "habits_detectable": int(len(detectable)),
        "habits_found": int(hit.sum()),
        "habits_below_min_support": int(len(habits) - len(detectable)),
        "recall": round(float(hit.mean()), 4) if len(detectable) else 0.0,
        "by_template": by_template,
        "automated_patterns": {
            "strong": len(automated),
            "automations_running": int(len(live)),
            "automations_seen": int(live["routine_id"].isin(covered).sum()) if len(live) else 0,
        },
    }


def routine_agreement(obs: HomeObservations, truth: HomeTruth) -> dict:
    """Ground truth against what the AI sees of one home's events, occurrence by occurrence
    (`sim.realism.occurrence_agreement`), with the contexts as the observations link them:
    each automation-caused change to its run, each run to the change that triggered it."""
    return routine_agreement_of([(obs, truth)])


def routine_agreement_of(homes: list[tuple[HomeObservations, HomeTruth]]) -> dict:
    """`routine_agreement` of several homes in one pass (the counts are sums over occurrences,
    each checked within its own home: one pandas pass per batch rather than per home)."""
    routines = _concat_frames([truth.routines for _, truth in homes]) if homes else None
    occurrences = _concat_frames([truth.occurrences for _, truth in homes]) if homes else None
    return agreement_of([agreement_events_of(homes)], routines, occurrences)


@dataclass
class AgreementEvents:
    """What the routine check reads of some homes' events (`_agreement_events`): a small
    frame, so the homes' check can be made later, with other homes', in one pandas pass.
    Context keys are numbered from 0 and stay below `keys`."""

    homes: list[str]
    events: pd.DataFrame | None
    keys: int


def agreement_events_of(homes: list[tuple[HomeObservations, HomeTruth]]) -> AgreementEvents:
    if not homes:
        return AgreementEvents([], None, 0)
    routines = _concat_frames([truth.routines for _, truth in homes])
    occurrences = _concat_frames([truth.occurrences for _, truth in homes])
    routine_ids = routines["routine_id"].unique() if len(routines) else np.zeros(0, object)
    trigger_ms = (
        _ms(occurrences["trigger_ts"]).dropna().to_numpy(np.int64)
        if len(occurrences)
        else np.zeros(0, np.int64)
    )
    frames, base = [], 0
    for obs, truth in homes:
        frames.append(_agreement_events(obs, truth, base, routine_ids, trigger_ms))
        base += obs.n_events + len(obs.runs)  # context keys stay unique across the batch
    events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return AgreementEvents([obs.home_id for obs, _ in homes], events, base)


def agreement_of(
    parts: list[AgreementEvents], routines: pd.DataFrame | None, occurrences: pd.DataFrame | None
) -> dict:
    """The routine check of the homes of `parts` (`routines` and `occurrences`: their ground
    truth, in any order): occurrences checked and agreeing."""
    frames, base = [], 0
    for part in parts:
        if part.events is not None:
            # each part's context keys moved past the previous parts' (no change collides)
            frames.append(
                part.events.assign(
                    ctx=part.events["ctx"] + base, parent=part.events["parent"] + base
                )
            )
            base += part.keys
    if not frames or routines is None or occurrences is None:
        return {"occurrences": 0, "agreeing": 0}
    events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out = occurrence_agreement(events, routines, occurrences)
    return {k: out[k] for k in ("occurrences", "agreeing")}


def _concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if not kept:
        return frames[0]
    return pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0]


def _agreement_events(
    obs: HomeObservations,
    truth: HomeTruth,
    base: int,
    routine_ids: np.ndarray,
    trigger_ms: np.ndarray,
) -> pd.DataFrame:
    """One home's state changes and runs as `occurrence_agreement` reads them; context keys
    are numbered from `base`.

    Only the rows the occurrence counts read are kept: those a planted routine caused (its
    changes and its runs) and the state changes at a trigger's time (the trigger lookup).
    The across-rows checks (orphan contexts) read the others, but collection keeps only
    `occurrences` and `agreeing`, which never depend on them; dropping the rest before the
    frame is built spares a pandas pass over every event of the home."""
    n = obs.n_events
    m = len(obs.runs)
    state_ctx = base + np.where(obs.auto_run >= 0, n + obs.auto_run, np.arange(n)).astype(np.int64)
    run_parent_row = obs.runs.parent_row
    run_parent = np.where(run_parent_row >= 0, state_ctx[np.maximum(run_parent_row, 0)], 0)
    run_has_parent = run_parent_row >= 0
    caused = obs.auto_run >= 0
    run_of = np.maximum(obs.auto_run, 0)
    ts = np.concatenate((obs.ts_ms, obs.runs.ts_ms))
    run = np.concatenate((np.zeros(n, bool), np.ones(m, bool)))
    cause = np.concatenate((truth.gt_cause, truth.run_cause)).astype(object)
    occurrence = np.concatenate((truth.gt_occurrence, truth.run_occurrence))
    planted = occurrence >= 0
    planted[planted] = pd.Index(routine_ids).get_indexer(cause[planted]) >= 0
    keep = np.flatnonzero(planted | (~run & np.isin(ts, trigger_ms)))
    kept_state, kept_run = keep[keep < n], keep[keep >= n] - n
    entity_id = np.concatenate(
        (obs.entity_ids[obs.entity[kept_state]], np.asarray(obs.runs.automation)[kept_run])
    ).astype(object)
    return pd.DataFrame(
        {
            "home_id": obs.home_id,
            "ts": ts[keep],
            "run": run[keep],
            "entity_id": entity_id,
            "cause": cause[keep],
            "occurrence": occurrence[keep],
            "ctx": np.concatenate((state_ctx, base + n + np.arange(m, dtype=np.int64)))[keep],
            "parent": np.concatenate(
                (np.where(caused, run_parent[run_of] if m else 0, 0), run_parent)
            )[keep],
            "has_parent": np.concatenate(
                (caused & (run_has_parent[run_of] if m else False), run_has_parent)
            )[keep],
        }
    )


def label_synergies(records: list[dict], truth: HomeTruth) -> None:
    """Add `gt_linked` (a habit links the pair), `gt_habit_id` and `gt_automated`."""
    gt = truth.synergies
    pairs = list(
        zip(*(gt[c].tolist() for c in ("trigger_entity_id", "action_entity_id")), strict=True)
    )
    linked = dict(zip(pairs, gt["gt_linked"].tolist(), strict=True))
    habit = dict(zip(pairs, gt["gt_habit_id"].tolist(), strict=True))
    candidate = dict(zip(pairs, gt["candidate"].tolist(), strict=True))
    for rec in records:
        key = (rec["trigger_entity_id"], rec["action_entity_id"])
        automated = not bool(candidate.get(key, True))
        rec["gt_linked"] = bool(linked.get(key, False)) and not automated
        hid = habit.get(key)
        rec["gt_habit_id"] = hid if isinstance(hid, str) and rec["gt_linked"] else None
        rec["gt_automated"] = automated


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
