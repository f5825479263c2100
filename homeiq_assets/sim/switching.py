"""On/off intervals of an actuator with the causes of their edges, merged as a light or a
plug experiences them: overlapping reasons to be on make one longer on-period."""

from __future__ import annotations

from dataclasses import dataclass

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
    def empty() -> OnIntervals:
        z = np.zeros(0, np.int64)
        zi = np.zeros(0, np.int32)
        return OnIntervals(z, z, zi, zi, zi, zi)

    @staticmethod
    def concat(parts: list[OnIntervals]) -> OnIntervals:
        return OnIntervals(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("start", "end", "on_cause", "off_cause", "on_occ", "off_occ")
            )
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
