"""Event buffer: mechanisms add state *commands*; the buffer turns them into Home Assistant
state-change events.

A command says "entity E is in state S from time t, because of C". Commands from every mechanism
are merged per entity and a command that does not change the state (or attributes) is dropped,
exactly as Home Assistant records only changes. Routine events are therefore counted after this
step, so ground truth only ever claims events that are really in the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

SHIFT = np.int64(1) << np.int64(40)  # entity index in the high bits of a sort key


class Vocab:
    """A growing string vocabulary shared by the homes of one shard (Arrow dictionary)."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self.values: list[str] = []
        # per decimals: sorted integer ticks already formatted, and their codes
        self._numeric: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def code(self, value: str) -> int:
        idx = self._index.get(value)
        if idx is None:
            idx = len(self.values)
            self._index[value] = idx
            self.values.append(value)
        return idx

    def find(self, value: str) -> int:
        """The code of `value`, or −1 when it is not in the vocabulary (nothing is added)."""
        return self._index.get(value, -1)

    def codes(self, values: list[str]) -> np.ndarray:
        return np.fromiter((self.code(v) for v in values), dtype=np.int32, count=len(values))

    def numeric_codes(self, values: np.ndarray, decimals: int) -> np.ndarray:
        """Codes of numbers formatted with `decimals` places; formats only the unique values."""
        scale = 10**decimals
        ticks = np.round(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
        uniq, inverse = np.unique(ticks, return_inverse=True)
        known, known_codes = self._numeric.get(
            decimals, (np.zeros(0, np.int64), np.zeros(0, np.int32))
        )
        pos = np.minimum(np.searchsorted(known, uniq), max(len(known) - 1, 0))
        found = (known[pos] == uniq) if len(known) else np.zeros(len(uniq), bool)
        table = np.empty(len(uniq), dtype=np.int32)
        table[found] = known_codes[pos[found]]
        if not found.all():  # format each new value once per shard
            fresh = uniq[~found]
            fmt = f"{{:.{decimals}f}}"
            # numbers of one precision format to distinct strings that no categorical state
            # shares, so new ones are appended without a dictionary lookup each
            first = len(self.values)
            self.values.extend(fmt.format(v / scale + 0.0) for v in fresh.tolist())
            table[~found] = np.arange(first, len(self.values), dtype=np.int32)
            merged = np.concatenate((known, fresh))
            order = np.argsort(merged, kind="stable")
            self._numeric[decimals] = (
                merged[order],
                np.concatenate((known_codes, table[~found]))[order],
            )
        return table[inverse]


def _column(value: int | np.ndarray, n: int) -> np.ndarray:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value.astype(np.int32, copy=False)
    return np.full(n, int(value), dtype=np.int32)


@dataclass
class EventBuffer:
    """Commands of one home, in flat arrays appended per mechanism (never per event)."""

    states: Vocab
    attrs: Vocab
    causes: Vocab
    t: list[np.ndarray] = field(default_factory=list)
    entity: list[np.ndarray] = field(default_factory=list)
    state: list[np.ndarray] = field(default_factory=list)
    attr: list[np.ndarray] = field(default_factory=list)
    cause: list[np.ndarray] = field(default_factory=list)
    occurrence: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        t_ms: np.ndarray,
        entity: int | np.ndarray,
        state: int | np.ndarray,
        cause: int | np.ndarray,
        attr: int | np.ndarray | None = None,
        occurrence: np.ndarray | None = None,
    ) -> None:
        t_ms = np.asarray(t_ms, dtype=np.int64)
        n = len(t_ms)
        if n == 0:
            return
        empty = self.attrs.code("{}")
        self.t.append(t_ms)
        self.entity.append(_column(entity, n))
        self.state.append(_column(state, n))
        self.cause.append(_column(cause, n))
        self.attr.append(_column(empty if attr is None else attr, n))
        occ = np.full(n, -1, dtype=np.int32) if occurrence is None else occurrence
        self.occurrence.append(np.asarray(occ, dtype=np.int32))

    def merged(self) -> HomeEvents:
        """Sorted per entity, with no-op commands removed (Home Assistant records changes)."""
        if not self.t:
            z64, z32 = np.zeros(0, np.int64), np.zeros(0, np.int32)
            return HomeEvents(z64, z32, z32, z32, z32, z32)
        t = np.concatenate(self.t)
        ent = np.concatenate(self.entity)
        st = np.concatenate(self.state)
        at = np.concatenate(self.attr)
        ca = np.concatenate(self.cause)
        oc = np.concatenate(self.occurrence)
        order = np.argsort(ent.astype(np.int64) * SHIFT + t, kind="stable")
        t, ent, st, at, ca, oc = t[order], ent[order], st[order], at[order], ca[order], oc[order]
        changed = np.ones(len(t), dtype=bool)
        changed[1:] = (ent[1:] != ent[:-1]) | (st[1:] != st[:-1]) | (at[1:] != at[:-1])
        return HomeEvents(
            t[changed], ent[changed], st[changed], at[changed], ca[changed], oc[changed]
        )


@dataclass
class HomeEvents:
    """A home's events, sorted by (entity, time) until `by_time` is called."""

    t: np.ndarray
    entity: np.ndarray
    state: np.ndarray
    attr: np.ndarray
    cause: np.ndarray
    occurrence: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def take(self, idx: np.ndarray) -> HomeEvents:
        return HomeEvents(
            self.t[idx],
            self.entity[idx],
            self.state[idx],
            self.attr[idx],
            self.cause[idx],
            self.occurrence[idx],
        )

    @staticmethod
    def concat(parts: list[HomeEvents]) -> HomeEvents:
        return HomeEvents(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(HomeEvents))
        )

    def by_time(self) -> HomeEvents:
        return self.take(np.argsort(self.t * 4096 + self.entity, kind="stable"))


def apply_unavailable_gaps(
    ev: HomeEvents,
    gap_entity: np.ndarray,
    gap_start: np.ndarray,
    gap_end: np.ndarray,
    unavailable: int,
    noise_cause: int,
) -> HomeEvents:
    """Sensor dropouts: `unavailable` at the gap start, events inside dropped, and the state
    current at the gap end reported again when the sensor comes back."""
    if len(gap_entity) == 0 or len(ev) == 0:
        return ev
    key = ev.entity.astype(np.int64) * SHIFT + ev.t
    k0 = gap_entity.astype(np.int64) * SHIFT + gap_start
    k1 = gap_entity.astype(np.int64) * SHIFT + gap_end
    i0 = np.searchsorted(key, k0, side="left")
    i1 = np.searchsorted(key, k1, side="left")
    # a gap needs a known state before it (else there is nothing to restore)
    prior = i0 - 1
    ok = (prior >= 0) & (ev.entity[np.clip(prior, 0, None)] == gap_entity)
    i0, i1, gap_entity, gap_start, gap_end = (
        i0[ok],
        i1[ok],
        gap_entity[ok],
        gap_start[ok],
        gap_end[ok],
    )
    drop = np.zeros(len(ev) + 1, dtype=np.int32)
    np.add.at(drop, i0, 1)
    np.add.at(drop, i1, -1)
    keep = np.cumsum(drop)[:-1] <= 0
    last = i1 - 1  # the state at the gap end: the last event of the entity before it
    n = len(gap_entity)
    down = HomeEvents(
        gap_start,
        gap_entity.astype(np.int32),
        np.full(n, unavailable, np.int32),
        ev.attr[last],
        np.full(n, noise_cause, np.int32),
        np.full(n, -1, np.int32),
    )
    back = HomeEvents(
        gap_end,
        gap_entity.astype(np.int32),
        ev.state[last],
        ev.attr[last],
        np.full(n, noise_cause, np.int32),
        np.full(n, -1, np.int32),
    )
    merged = HomeEvents.concat([ev.take(np.flatnonzero(keep)), down, back])
    return merged.take(np.argsort(merged.entity.astype(np.int64) * SHIFT + merged.t, kind="stable"))


STATE_CHANGED, AUTOMATION_TRIGGERED = 0, 1
EVENT_TYPES = ("state_changed", "automation_triggered")


@dataclass
class RecordedEvents:
    """A home's events as Home Assistant records them, sorted by time: state changes and
    `automation_triggered` events (`kind`), each with its context.

    Contexts are references into the home's context table: `ctx` (every row has one) and
    `parent` (−1 when none). Reference r < n_states is the own context of the r-th state
    change (created at `ctx_ms[r]`); the others are automation runs, created when the run
    fired. `homeiq_assets.sim.ha_context` turns references into ULIDs.
    """

    t: np.ndarray
    entity: np.ndarray
    state: np.ndarray  # −1 (null) on automation_triggered rows
    attr: np.ndarray  # on automation_triggered rows: the event data
    cause: np.ndarray
    occurrence: np.ndarray
    kind: np.ndarray  # int8: STATE_CHANGED | AUTOMATION_TRIGGERED
    ctx: np.ndarray  # int64 context reference
    parent: np.ndarray  # int64 parent context reference, −1 for none
    ctx_ms: np.ndarray  # int64 creation time (window ms) of every context reference

    def __len__(self) -> int:
        return len(self.t)
