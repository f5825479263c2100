"""On/off intervals of an actuator with the causes of their edges, merged as a light or a
plug experiences them: overlapping reasons to be on make one longer on-period."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class OnIntervals:
    """On/off intervals (ms, window-relative) with the cause and occurrence of each edge."""

    start: np.ndarray
    end: np.ndarray
    on_cause: np.ndarray
    off_cause: np.ndarray
    on_occ: np.ndarray
    off_occ: np.ndarray

    @staticmethod
    def of(
        start: np.ndarray,
        end: np.ndarray,
        on_cause: int,
        off_cause: int | np.ndarray | None = None,
        occurrence: np.ndarray | None = None,
    ) -> OnIntervals:
        """Intervals switched on by `on_cause` and off by `off_cause` (default: the same),
        belonging to `occurrence` of a routine (default: none)."""
        n = len(start)
        on = np.full(n, on_cause, np.int32)
        off = on if off_cause is None else np.broadcast_to(off_cause, n).astype(np.int32)
        occ = np.full(n, -1, np.int32) if occurrence is None else occurrence.astype(np.int32)
        return OnIntervals(start, end, on, off, occ, occ)

    def with_off_occ(self, occurrence: int) -> OnIntervals:
        """The same intervals with every off edge outside any occurrence (a habit is the
        switch-on; switching off later is ordinary use)."""
        off = np.full(len(self.start), occurrence, np.int32)
        return OnIntervals(self.start, self.end, self.on_cause, self.off_cause, self.on_occ, off)

    @staticmethod
    def empty() -> OnIntervals:
        return OnIntervals.of(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)

    @staticmethod
    def concat(parts: list[OnIntervals]) -> OnIntervals:
        return OnIntervals(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(OnIntervals))
        )

    def merged(self) -> OnIntervals:
        """Union of overlapping intervals; the first on and the last off keep their causes."""
        if len(self.start) == 0:
            return self
        order = np.argsort(self.start, kind="stable")
        s, e = self.start[order], self.end[order]
        running = np.maximum.accumulate(e)
        new = np.concatenate(([True], s[1:] > running[:-1]))
        group = np.cumsum(new) - 1
        first = order[new]
        last_sorted = np.lexsort((e, group))  # within a group, the max end comes last
        is_last = np.concatenate((group[last_sorted][1:] != group[last_sorted][:-1], [True]))
        last = order[last_sorted[is_last]]
        return OnIntervals(
            self.start[first],
            self.end[last],
            self.on_cause[first],
            self.off_cause[last],
            self.on_occ[first],
            self.off_occ[last],
        )
