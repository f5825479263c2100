"""Doors, garage doors and locks from arrivals and departures; the bedtime habit."""

from __future__ import annotations

import numpy as np

from homeiq_assets.sim.clock import MS_PER_MINUTE
from homeiq_assets.sim.mechanisms.context import HomeContext

# occupants who drive, and so use the garage door
CAR_ARCHETYPES = ("office_worker", "shift_worker", "retired")


def state_changes(t_ms: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Which commands of one entity change its state, as the event buffer will see them: sorted
    stably by time, a command repeating the state before it is no change (states are compared
    as given, attributes are assumed equal)."""
    order = np.argsort(t_ms, kind="stable")
    st = states[order]
    changed_sorted = np.ones(len(st), dtype=bool)
    changed_sorted[1:] = st[1:] != st[:-1]
    out = np.empty(len(st), dtype=bool)
    out[order] = changed_sorted
    return out


class AccessMechanisms(HomeContext):
    """Door, cover and lock events."""

    # ----------------------------------------------------------------- doors and locks
    def doors(self) -> None:
        starts = np.concatenate([o.away_starts for o in self.occ.occupants])
        ends = np.concatenate([o.away_ends for o in self.occ.occupants])
        cars = np.concatenate(
            [np.full(len(o.away_starts), o.archetype in CAR_ARCHETYPES) for o in self.occ.occupants]
        )
        t = np.concatenate((starts, ends))
        is_arrival = np.concatenate((np.zeros(len(starts), bool), np.ones(len(ends), bool)))
        car = np.concatenate((cars, cars))
        inside = (t >= 0) & (t < self.T)
        t, is_arrival, car = t[inside], is_arrival[inside], car[inside]
        order = np.argsort(t, kind="stable")
        t, is_arrival, car = t[order], is_arrival[order], car[order]
        open_ms = t * MS_PER_MINUTE + self.jitter_ms(len(t))
        order = np.argsort(open_ms, kind="stable")  # the jitter may swap two in one minute
        open_ms, is_arrival, car = open_ms[order], is_arrival[order], car[order]
        self.door_open_times = open_ms
        self.door_is_arrival = is_arrival
        for e in self.entities("door"):
            close_ms = open_ms + self.rng.integers(8_000, 60_000, len(t))
            extra_t = np.zeros(0, np.int64)
            if self.noise:  # deliveries and neighbours at the door
                n = self.rng.poisson(0.15 * self.window.days)
                extra_t = self.rng.integers(0, self.T, n)
                extra_t = extra_t[self.n_awake[extra_t] > 0] * MS_PER_MINUTE
            on_t = np.concatenate((open_ms, extra_t))
            off_t = np.concatenate((close_ms, extra_t + 30_000))
            causes = np.concatenate(
                (np.full(len(open_ms), self.c_occupant), np.full(len(extra_t), self.c_noise))
            )
            self.buf.add(on_t, e, self.s_on, causes)
            self.buf.add(off_t, e, self.s_off, causes)
            # an opening while the door is still open (two people in one minute) is no event
            changed = state_changes(
                np.concatenate((on_t, off_t)),
                np.concatenate((np.ones(len(on_t), np.int8), np.zeros(len(off_t), np.int8))),
            )[: len(open_ms)]
            self.door_opens[e] = (open_ms[changed], is_arrival[changed])
        for e in self.entities("cover"):
            # drivers reach the front door 30–90 s after the garage starts opening
            tc = open_ms[car] - self.rng.integers(30_000, 90_000, int(car.sum()))
            self._sequence(
                e,
                tc,
                ["opening", "open", "closing", "closed"],
                [0, 14_000, 75_000, 89_000],
                self.c_occupant,
            )
        self.locks()

    def _sequence(
        self,
        entity: int,
        t0: np.ndarray,
        states: list[str],
        offsets: list[int],
        cause: int | np.ndarray,
        occ: np.ndarray | None = None,
    ) -> None:
        for state, off in zip(states, offsets, strict=True):
            self.buf.add(t0 + off, entity, self.v.states.code(state), cause, occurrence=occ)

    def locks(self) -> None:
        locks = self.entities("lock")
        if not locks:
            return
        e = locks[0]
        s_locked = self.v.states.code("locked")
        s_unlocked = self.v.states.code("unlocked")
        t = self.door_open_times
        arrival = self.door_is_arrival
        minute = np.clip(t // MS_PER_MINUTE, 0, self.T - 1)
        after = np.clip(minute + 1, 0, self.T - 1)
        empty_after = (self.n_home[after] == 0) & ~arrival
        empty_before = arrival & (self.n_home[np.clip(minute - 1, 0, self.T - 1)] == 0)
        unlock_t = t - 25_000
        lock_t = t[empty_after] + self.rng.integers(20_000, 60_000, int(empty_after.sum()))
        self.buf.add(unlock_t, e, s_unlocked, self.c_occupant)
        self.buf.add(lock_t, e, s_locked, self.c_occupant)

        # bedtime: the last one to bed locks up (habit) or may do it by hand
        sleeps = np.stack([o.sleep for o in self.occ.occupants])
        bed = sleeps.max(axis=0)
        bed = bed[(bed > 0) & (bed < self.T - 1)]
        all_down = (self.n_awake[bed + 1] == 0) & (self.n_home[bed + 1] > 0)
        bed = bed[all_down]
        habits = self.by_template.get("bedtime_lock", [])
        done = np.zeros(len(bed), dtype=bool)
        t_r = np.zeros(0, np.int64)
        if habits:
            p = habits[0]
            p.opportunities = len(bed)
            done = self.executed(p, len(bed))
            occ_id = p.record_runs(bed[done] * MS_PER_MINUTE)
            t_r = bed[done] * MS_PER_MINUTE + p.lags_ms(self.rng, int(done.sum()))
            cause = self.cause_of[p.routine_id]
            self.buf.add(t_r, e, s_locked, cause, occurrence=occ_id)
            self.bedtime_routine = (p, t_r, occ_id)
        manual = ~done & (self.rng.random(len(bed)) < 0.5)
        manual_t = bed[manual] * MS_PER_MINUTE - self.rng.integers(
            60_000, 1_200_000, int(manual.sum())
        )
        self.buf.add(manual_t, e, s_locked, self.c_occupant)

        # what presence automations and habits react to: lock state changes on leaving an
        # empty home and on coming back to one
        times = np.concatenate((unlock_t, lock_t, t_r, manual_t))
        states = np.concatenate(
            (
                np.zeros(len(unlock_t), np.int8),
                np.ones(len(lock_t) + len(t_r) + len(manual_t), np.int8),
            )
        )
        changed = state_changes(times, states)
        n_u = len(unlock_t)
        self.lock_departures = lock_t[changed[n_u : n_u + len(lock_t)]]
        self.lock_arrivals = unlock_t[empty_before & changed[:n_u]]
        self.lock_entity = e

    def bedtime_lights_off(self) -> None:
        """The bedtime habit also switches off any light left on (forgotten lights)."""
        if self.bedtime_routine is None:
            return
        p, t_r, occ_id = self.bedtime_routine
        cause = self.cause_of[p.routine_id]
        off_attr = self.light_off_attr()
        for k, (e, iv) in enumerate(zip(self.entities("light"), self.light_intervals, strict=True)):
            if len(iv.start) == 0:
                continue
            # only lights that are on at that moment change state
            idx = np.searchsorted(iv.start, t_r, side="right") - 1
            on = (idx >= 0) & (iv.end[np.clip(idx, 0, None)] > t_r + 2000 + 1000 * k)
            self.buf.add(t_r[on] + 2000 + 1000 * k, e, self.s_off, cause, off_attr, occ_id[on])
