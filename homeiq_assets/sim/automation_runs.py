"""What Home Assistant records of a home's planted items, and the ground truth of every
occurrence.

An automation run is recorded the way Home Assistant 2026.2 records it (issue-10 research §3):
the run gets a new context whose parent is the context of the state change that triggered it
(no parent for time, sun and time-pattern triggers); an `automation_triggered` event carries
the run's context and `{"name", "entity_id", "source"}`; every state change the run causes
carries the run's context too. A run fires even when its action changes nothing (the light was
already on): its event is recorded, no state row is. Habits leave no such trace: their state
changes have contexts of their own, like every other change.

Ground truth then only claims what the events show: an occurrence whose trigger left no state
change (rare: a door already open) is re-labelled as done by hand, so ground truth and events
agree for every occurrence by construction, and the checks in `sim.validate` prove it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.events import (
    AUTOMATION_TRIGGERED,
    STATE_CHANGED,
    HomeEvents,
    RecordedEvents,
    Vocab,
)
from homeiq_assets.sim.layout import Home
from homeiq_assets.sim.routines import Planted

STATE_TRIGGERS = ("state", "numeric_above")  # triggers that are a recorded state change
SOURCES = {  # `source` of automation_triggered, as Home Assistant describes each trigger
    "state": "state of {entity}",
    "numeric_above": "numeric state of {entity}",
    "time": "time",
    "sun": "sunset",
    "presence": "time pattern",
}


@dataclass
class OccurrenceTruth:
    """Occurrences of one planted item that the events show, in occurrence-id order."""

    planted: Planted
    occurrence: np.ndarray  # int32 ids (the events' gt_occurrence)
    trigger_ms: np.ndarray  # what it reacted to (window ms): a state change, a time, a wake-up
    first_ms: np.ndarray  # its first state change (−1: a run that changed nothing)
    react_ms: np.ndarray  # its first change to the item's action state (−1: none)
    events: np.ndarray  # state changes it caused
    step: np.ndarray  # 0: the item's reaction; 1: the reverse run of an automation


def _event_data(p: Planted, home: Home, attrs: Vocab, ids: np.ndarray) -> np.ndarray:
    """Attribute codes of each run's automation_triggered data (name, entity id, source)."""
    entity = home.entities[p.trigger_entity].entity_id if p.trigger_entity is not None else ""
    kinds = [p.trigger_kind, "time" if p.trigger_kind == "sun" else p.trigger_kind]
    codes = [
        attrs.code(
            json.dumps(
                {
                    "name": p.alias,
                    "entity_id": home.entities[p.automation_entity].entity_id,
                    "source": SOURCES.get(k, "time").format(entity=entity),
                }
            )
        )
        for k in kinds
    ]
    # a sunset automation's reverse runs are its fixed-time off runs
    return np.where(p.step[ids] == 1, codes[1], codes[0]).astype(np.int32)


def record_runs(
    ev: HomeEvents,
    planted: list[Planted],
    home: Home,
    cause_of: dict[str, int],
    vocabs: tuple[Vocab, Vocab],
    occupant: int,
    window_ms: int,
) -> tuple[RecordedEvents, list[OccurrenceTruth]]:
    """Add the automation runs to a home's time-sorted state changes and give every row its
    context; return the recorded events and the ground truth of every occurrence."""
    states, attrs = vocabs
    n = len(ev)
    rows_of: dict[int, np.ndarray] = {}  # trigger entity -> its rows (time-sorted)
    cause, occ = ev.cause.copy(), ev.occurrence.copy()
    ctx = np.arange(n, dtype=np.int64)
    run_t: list[np.ndarray] = []
    run_parent_row: list[np.ndarray] = []
    run_rows: list[tuple[Planted, np.ndarray, np.ndarray]] = []  # (item, occurrences, run ids)
    truth: list[OccurrenceTruth] = []
    n_runs = 0
    for p in planted:
        cid = cause_of[p.routine_id]
        n_occ = len(p.trigger_ms)
        parent_row = np.full(n_occ, -1, np.int64)
        valid = np.ones(n_occ, dtype=bool)
        if p.trigger_kind in STATE_TRIGGERS and n_occ:
            te = int(p.trigger_entity)
            if te not in rows_of:
                rows_of[te] = np.flatnonzero(ev.entity == te)
            rows = rows_of[te]
            if len(rows):
                pos = np.minimum(np.searchsorted(ev.t[rows], p.trigger_ms), len(rows) - 1)
                valid = ev.t[rows[pos]] == p.trigger_ms
                parent_row = np.where(valid, rows[pos], -1)
            else:
                valid = np.zeros(n_occ, bool)
        if p.is_automation:
            valid &= (p.fire_ms >= 0) & (p.fire_ms < window_ms)
        mine = np.flatnonzero(cause == cid)
        tagged = occ[mine] >= 0
        bad = tagged & ~valid[np.where(tagged, occ[mine], 0)] if n_occ else tagged
        # a reaction to something that left no record: done by hand, as far as anyone knows
        cause[mine[bad]] = occupant
        occ[mine[bad]] = -1
        mine = mine[~bad & tagged]
        counts = np.bincount(occ[mine], minlength=n_occ)[:n_occ]
        first = np.full(n_occ, -1, np.int64)
        ids, first_row = np.unique(occ[mine], return_index=True)  # rows are time-sorted
        first[ids] = ev.t[mine[first_row]]
        react = np.full(n_occ, -1, np.int64)
        code = states.find(p.action_state) if p.action_state is not None else -1
        to_state = mine[ev.state[mine] == code] if p.action_state is not None else mine
        ids_r, react_row = np.unique(occ[to_state], return_index=True)
        react[ids_r] = ev.t[to_state[react_row]]
        shown = valid if p.is_automation else counts > 0
        ids = np.flatnonzero(shown).astype(np.int32)
        truth.append(
            OccurrenceTruth(
                p, ids, p.trigger_ms[ids], first[ids], react[ids], counts[ids], p.step[ids]
            )
        )
        if p.is_automation and len(ids):
            run_of = np.full(n_occ, -1, np.int64)
            run_of[ids] = n + n_runs + np.arange(len(ids))
            ctx[mine] = run_of[occ[mine]]
            run_t.append(p.fire_ms[ids])
            run_parent_row.append(parent_row[ids])
            run_rows.append((p, ids, run_of[ids]))
            n_runs += len(ids)
    # parents are resolved last: a trigger row may itself belong to a run
    parent = np.full(n, -1, np.int64)
    run_parent = np.concatenate(run_parent_row) if run_parent_row else np.zeros(0, np.int64)
    run_parent = np.where(run_parent >= 0, ctx[np.maximum(run_parent, 0)], -1)
    caused = ctx >= n
    parent[caused] = run_parent[ctx[caused] - n]
    fired_t = np.concatenate(run_t) if run_t else np.zeros(0, np.int64)

    # the automation_triggered events
    trig_entity, trig_attr, trig_cause, trig_occ = [], [], [], []
    for p, ids, _ in run_rows:
        trig_attr.append(_event_data(p, home, attrs, ids))
        trig_entity.append(np.full(len(ids), p.automation_entity, np.int32))
        trig_cause.append(np.full(len(ids), cause_of[p.routine_id], np.int32))
        trig_occ.append(ids)
    m = n_runs

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    # the runs go in among the (time-sorted) changes: a run's event precedes any change at
    # the same millisecond, runs at one millisecond in entity order
    run_entity = cat(trig_entity, np.int32)
    order = np.lexsort((run_entity, fired_t))
    at = np.searchsorted(ev.t, fired_t[order], side="left")
    run_pos = at + np.arange(m)  # where each run lands in the merged order
    is_change = np.ones(n + m, dtype=bool)
    is_change[run_pos] = False

    def put(changes: np.ndarray, runs: np.ndarray) -> np.ndarray:
        out = np.empty(n + m, dtype=np.result_type(changes, runs))
        out[run_pos] = runs[order]
        out[is_change] = changes
        return out

    return (
        RecordedEvents(
            t=put(ev.t, fired_t),
            entity=put(ev.entity, run_entity),
            state=put(ev.state, np.full(m, -1, np.int32)),
            attr=put(ev.attr, cat(trig_attr, np.int32)),
            cause=put(cause, cat(trig_cause, np.int32)),
            occurrence=put(occ, cat(trig_occ, np.int32)),
            kind=put(np.full(n, STATE_CHANGED, np.int8), np.full(m, AUTOMATION_TRIGGERED, np.int8)),
            ctx=put(ctx, n + np.arange(m, dtype=np.int64)),
            parent=put(parent, run_parent),
            ctx_ms=np.concatenate((ev.t, fired_t)),
        ),
        truth,
    )
