"""Motion sensors and lights: room visits, darkness, how each light is used by hand, the
lighting habits and automations, sunset schedules, forgotten lights.

Timing follows the people, not the minute grid: a visit starts when someone walks in (a moment
inside the minute, or a second or two after the front door opens), a PIR sensor reports within a
second, and a person who switches the light on when entering does so a second or a few later
(lognormal around 1–4 s: a step to the switch plus a ~0.2 s reaction). Automations react to
the sensor's report after 0.3–3 s. So a person and an automation overlap in timing; what tells a
habit from incidental use is consistency, not speed: each light has its own way of being used
(switched on at entry on some visits, minutes later when an activity starts on others, not at
all on short passes), while a habit switches it on at nearly every dark entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.catalog import AREA_KINDS
from homeiq_assets.sim.clock import MS_PER_MINUTE
from homeiq_assets.sim.intervals import mask_from_intervals, rolling_any, runs
from homeiq_assets.sim.mechanisms.context import HomeContext
from homeiq_assets.sim.mechanisms.switching import OnIntervals
from homeiq_assets.sim.routines import Planted

# chance a motion sensor sees an occupant in a given minute (people sitting still are missed)
MOTION_DETECT_P = {"living_room": 0.6, "bedroom": 0.5, "office": 0.55, "dining_room": 0.7}
ENTRY_DETECT_P = 0.97  # a person walking in is nearly always seen
PIR_LATENCY_MS = (100, 900)


@dataclass
class MotionRuns:
    """A motion sensor's on-periods and, per visit of its area, the `on` a walk-in caused."""

    start_min: np.ndarray
    end_min: np.ndarray
    t_on: np.ndarray
    t_off: np.ndarray
    entry_on: np.ndarray  # per visit of the area: window ms of the `on` at entry, −1 if none


class LightingMechanisms(HomeContext):
    """Motion and light events."""

    # ----------------------------------------------------------------- motion
    def motion(self) -> None:
        door = self.door_minutes()
        self.motion_runs: dict[int, MotionRuns] = {}
        for e in self.entities("motion"):
            area = self.area_of(e)
            kind = self.home.areas[area].kind
            indoor = self.home.areas[area].indoor
            present = self.active(area)
            if not indoor:
                present = present | door
            v_s, _, entry_ms = self.visits(area) if indoor else self.visits_of(present)
            p = MOTION_DETECT_P.get(kind, 0.9)
            here = np.flatnonzero(present)
            detect = np.zeros(self.T, dtype=bool)
            detect[here[self.rng.random(len(here)) < p]] = True  # PIR misses still people
            seen = self.rng.random(len(v_s)) < ENTRY_DETECT_P
            detect[v_s[seen]] = True
            false = np.zeros(self.T, dtype=bool)
            if self.noise:  # pets, curtains, passers-by outdoors
                rate = 0.0015 if not indoor else 0.0003
                false[self.rng.integers(0, self.T, self.rng.binomial(self.T, rate))] = True
            state = rolling_any(detect | false, 2)
            starts, ends = runs(state)
            cause_on = np.where(detect[starts], self.c_occupant, self.c_noise)
            t_on = starts * MS_PER_MINUTE + self.jitter_ms(len(starts), 20_000)
            # a run that begins with someone walking in reports a moment after the entry
            k = np.minimum(np.searchsorted(v_s, starts), max(len(v_s) - 1, 0))
            at_entry = (v_s[k] == starts) & seen[k] if len(v_s) else np.zeros(len(starts), bool)
            t_on[at_entry] = entry_ms[k[at_entry]] + self.rng.integers(
                *PIR_LATENCY_MS, int(at_entry.sum())
            )
            t_off = ends * MS_PER_MINUTE + self.jitter_ms(len(ends), 20_000)
            self.buf.add(t_on, e, self.s_on, cause_on)
            self.buf.add(t_off, e, self.s_off, cause_on)
            entry_on = np.full(len(v_s), -1, np.int64)
            entry_on[k[at_entry]] = t_on[at_entry]
            self.motion_runs[e] = MotionRuns(starts, ends, t_on, t_off, entry_on)

    def door_minutes(self) -> np.ndarray:
        """Minutes around every arrival and departure (someone at the door or on the porch)."""
        starts = np.concatenate([o.away_starts for o in self.occ.occupants])
        ends = np.concatenate([o.away_ends for o in self.occ.occupants])
        return mask_from_intervals(
            np.concatenate((starts - 1, ends)), np.concatenate((starts + 1, ends + 2)), self.T
        )

    # ----------------------------------------------------------------- lights
    def lights(self) -> None:
        motion_auto = {p.action_entities[0]: p for p in self.by_template.get("motion_light", [])}
        motion_habit = {
            p.action_entities[0]: p for p in self.by_template.get("motion_light_habit", [])
        }
        door_items = self.by_template.get("arrival_light", []) + self.by_template.get(
            "arrival_light_habit", []
        )
        sunset = self.by_template.get("outdoor_lights_sunset", [])
        evening_lamp = self.by_template.get("evening_lamp", [])
        evening = (self.local_hour >= 17) | (self.local_hour < 1)
        for e in self.entities("light"):
            area_i = self.area_of(e)
            area = self.home.areas[area_i]
            device_type = self.home.devices[self.home.entities[e].device_index].device_type
            dark = self.sun < AREA_KINDS[area.kind].dark_elevation_deg
            wanted = self.active(area_i) & dark
            if device_type == "lamp":
                wanted &= evening
            parts: list[OnIntervals] = []
            habit = motion_habit.get(e)
            same_room = (
                habit
                if habit is not None and self.area_of(habit.trigger_entity) == area_i
                else None
            )
            if area.indoor or device_type == "outdoor_light":
                parts.append(
                    self._room_light(e, area_i, wanted, device_type, motion_auto.get(e), same_room)
                )
            if habit is not None and same_room is None:
                parts.append(self._cross_room_habit(habit, dark))
            mine = [p for p in door_items if e in p.action_entities]
            for p in mine:
                parts.append(self._arrival_light(p, dark))
            if not mine and area.kind == "porch":
                parts.append(self._porch_on_arrival(dark))
            for p in sunset:
                if e in p.action_entities:
                    parts.append(self._sunset_light(p))
            for p in evening_lamp:
                if e in p.action_entities:
                    parts.append(self._evening_lamp(p, dark))
            if self.noise and area.indoor:  # a stray manual switch-on now and then
                n = self.rng.poisson(0.04 * self.window.days)
                st = self.rng.integers(0, self.T, n)
                st = st[self.n_awake[st] > 0]
                dur = self.rng.integers(1, 20, len(st))
                parts.append(
                    OnIntervals.of(
                        st * MS_PER_MINUTE + self.jitter_ms(len(st)),
                        (st + dur) * MS_PER_MINUTE + self.jitter_ms(len(st)),
                        self.c_noise,
                    )
                )
            iv = OnIntervals.concat(parts).merged() if parts else OnIntervals.empty()
            self.light_intervals.append(iv)
            hour = self.local_hour[np.clip(iv.start // MS_PER_MINUTE, 0, self.T - 1)]
            level = np.where((hour >= 21) | (hour < 6), np.where(hour < 6, 0, 1), 2)
            level = np.where((level == 2) & (self.rng.random(len(level)) < 0.3), 3, level)
            bright = self.brightness_attr_codes()[level]
            self.buf.add(iv.start, e, self.s_on, iv.on_cause, bright, iv.on_occ)
            self.buf.add(iv.end, e, self.s_off, iv.off_cause, self.light_off_attr(), iv.off_occ)

    def brightness_attr_codes(self) -> np.ndarray:
        return self.v.attrs.codes(
            [f'{{"brightness": {b}, "color_mode": "brightness"}}' for b in (38, 128, 204, 255)]
        )

    def light_off_attr(self) -> int:
        return self.v.attrs.code('{"brightness": null, "color_mode": null}')

    def _use_of(self, device_type: str) -> tuple[float, float, float, float]:
        """How this household uses one light by hand on a dark visit: the chance it is switched
        on at entry, else the chance it is switched on later (an activity starts), and the
        median lags of both (seconds)."""
        lamp = device_type == "lamp"
        p_entry = float(self.rng.uniform(0.05, 0.5) if lamp else self.rng.uniform(0.1, 0.8))
        p_later = float(self.rng.uniform(0.2, 0.6) if lamp else self.rng.uniform(0.3, 0.85))
        return p_entry, p_later, float(self.rng.uniform(1.2, 4.0)), float(self.rng.uniform(40, 240))

    def _room_light(
        self,
        e: int,
        area: int,
        wanted: np.ndarray,
        device_type: str,
        auto: Planted | None,
        habit: Planted | None,
    ) -> OnIntervals:
        """A light used by the people in its room, plus the automation or habit that drives it
        from the room's motion sensor."""
        s, en = runs(wanted)
        n = len(s)
        v_s, _, entry_ms = self.visits(area)
        k = np.minimum(np.searchsorted(v_s, s), max(len(v_s) - 1, 0))
        is_entry = (v_s[k] == s) if len(v_s) else np.zeros(n, bool)
        # darkness falling during a visit is noticed a little later, not at a walk-in
        ref = np.where(is_entry, entry_ms[k] if len(v_s) else 0, s * MS_PER_MINUTE)
        ref = ref + np.where(is_entry, 0, self.rng.integers(10_000, 600_000, n))
        p_entry, p_later, entry_med, later_med = self._use_of(device_type)
        on_entry = is_entry & (self.rng.random(n) < p_entry)
        u_later = self.rng.random(n)
        lag_entry = self.lognormal_ms(entry_med, 0.5, n, 400, 20_000)
        lag_later = self.lognormal_ms(later_med, 0.9, n, 10_000, 1_800_000)
        cause = np.full(n, self.c_occupant, np.int32)
        occ = np.full(n, -1, np.int32)
        ok = np.zeros(n, bool)
        if habit is not None:  # a walk-in the room's sensor reports: the habit reacts to it
            trig = (
                self.motion_runs[habit.trigger_entity].entry_on[k]
                if len(v_s)
                else np.full(n, -1, np.int64)
            )
            opportunity = is_entry & (trig >= 0)
            habit.opportunities += int(opportunity.sum())
            ok = opportunity & self.executed(habit, n)
            on_entry &= ~opportunity  # the habit is how this light is used at a walk-in
        later = ~on_entry & ~ok & (u_later < p_later)
        start = ref + np.where(on_entry, lag_entry, lag_later)
        use = on_entry | later | ok
        if habit is not None:
            occ[ok] = habit.record_runs(trig[ok])
            start[ok] = trig[ok] + habit.lags_ms(self.rng, int(ok.sum()))
            cause[ok] = self.cause_of[habit.routine_id]
        end = en * MS_PER_MINUTE + self.rng.integers(5_000, 120_000, n)
        parts: list[OnIntervals] = []

        if auto is not None and auto.trigger_entity in self.motion_runs:
            auto_iv = self._motion_automation(auto, area)
            parts.append(auto_iv)
            # visits the automation already lit need no hand on the switch
            lit = mask_from_intervals(
                auto_iv.start // MS_PER_MINUTE, auto_iv.end // MS_PER_MINUTE + 1, self.T
            )
            use &= ~lit[np.clip(s + 1, 0, self.T - 1)]

        off_cause = np.full(n, self.c_occupant, np.int32)
        if self.noise and n:
            forgot = self.rng.random(n) < (0.05 if self.home.areas[area].indoor else 0.02)
            end = end + np.where(forgot, self.rng.integers(30, 240, n) * MS_PER_MINUTE, 0)
            off_cause = np.where(forgot, self.c_noise, off_cause).astype(np.int32)
        keep = use & (end > start) & (start < en * MS_PER_MINUTE)
        parts.append(
            OnIntervals(
                start[keep],
                end[keep],
                cause[keep],
                off_cause[keep],
                occ[keep],
                np.full(int(keep.sum()), -1, np.int32),
            )
        )
        return OnIntervals.concat(parts)

    def _motion_automation(self, p: Planted, area: int) -> OnIntervals:
        """Motion when dark turns the light on (one run per trigger); the sensor staying off for
        `off_after_min` turns it off again (another run of the same automation)."""
        m = self.motion_runs[p.trigger_entity]
        dark = self.sun < AREA_KINDS[self.home.areas[area].kind].dark_elevation_deg
        in_dark = dark[np.clip(m.start_min, 0, self.T - 1)]
        p.opportunities += int(in_dark.sum())
        ok = in_dark & self.executed(p, len(m.t_on))
        idx = np.flatnonzero(ok)
        on_occ = p.record_runs(m.t_on[idx])
        start = m.t_on[idx] + p.lags_ms(self.rng, len(idx))
        # the `for:` clause restarts whenever motion returns before it elapses
        hold = int(p.params["off_after_min"] * MS_PER_MINUTE)
        next_on = np.append(m.t_on[1:], np.iinfo(np.int64).max)
        valid = next_on > m.t_off + hold
        nxt = np.where(valid, np.arange(len(valid)), len(valid))
        first_valid = np.minimum.accumulate(nxt[::-1])[::-1]  # next run whose off holds
        closing = first_valid[idx]
        has_off = closing < len(valid)
        off_runs = np.unique(closing[has_off])
        off_fire = m.t_off[off_runs] + hold
        off_occ_ids = p.record_runs(m.t_off[off_runs], off_fire, step=1)
        off_at = off_fire + p.lag.draw_ms(self.rng, len(off_runs), with_for=False)
        pos = np.searchsorted(off_runs, closing[has_off])
        end = np.full(len(idx), self.T * MS_PER_MINUTE + MS_PER_MINUTE, np.int64)
        off_occ = np.full(len(idx), -1, np.int32)
        end[has_off] = off_at[pos]
        off_occ[has_off] = off_occ_ids[pos]
        cause = self.cause_of[p.routine_id]
        n = len(idx)
        return OnIntervals(
            start, end, np.full(n, cause, np.int32), np.full(n, cause, np.int32), on_occ, off_occ
        )

    def _cross_room_habit(self, p: Planted, dark: np.ndarray) -> OnIntervals:
        """Coming through the entrance or hallway after dark, someone switches on the light of
        the next room (it stays on a few minutes, or longer if the room is used)."""
        m = self.motion_runs.get(p.trigger_entity)
        if m is None:
            return OnIntervals.empty()
        trig = m.entry_on[m.entry_on >= 0]
        minute = np.clip(trig // MS_PER_MINUTE, 0, self.T - 1)
        awake = self.n_awake[np.clip(minute + 1, 0, self.T - 1)] > 0
        if self.home.areas[self.area_of(p.trigger_entity)].kind == "entrance":
            awake &= self._arrival_within(trig, 180_000)  # coming in, not going out
        trig = trig[dark[minute] & awake]
        p.opportunities += len(trig)
        ok = self.executed(p, len(trig))
        occ = p.record_runs(trig[ok])
        start = trig[ok] + p.lags_ms(self.rng, int(ok.sum()))
        end = start + self.rng.integers(2, 12, len(start)) * MS_PER_MINUTE
        cause = self.cause_of[p.routine_id]
        return OnIntervals.of(start, end, cause, self.c_occupant, occ).with_off_occ(-1)

    def _arrival_within(self, t_ms: np.ndarray, within_ms: int) -> np.ndarray:
        """Whether a front-door arrival happened in the `within_ms` before each time."""
        arrivals = self.door_open_times[self.door_is_arrival]
        pos = np.searchsorted(arrivals, t_ms, side="right") - 1
        last = arrivals[np.maximum(pos, 0)] if len(arrivals) else np.zeros(len(t_ms), np.int64)
        return (pos >= 0) & (t_ms - last <= within_ms)

    def _arrival_light(self, p: Planted, dark: np.ndarray) -> OnIntervals:
        """Front door opening on arrival after dark: the automation runs (on, a few minutes'
        delay, off, all in one run), or the person switches the light on by hand."""
        opens, arrival = self.door_opens.get(p.trigger_entity, (np.zeros(0, np.int64),) * 2)
        trig = opens[arrival.astype(bool)]
        minute = np.clip(trig // MS_PER_MINUTE, 0, self.T - 1)
        trig = trig[dark[minute] & (self.sun[minute] < 0)]
        p.opportunities += len(trig)
        ok = self.executed(p, len(trig))
        occ = p.record_runs(trig[ok])
        start = trig[ok] + p.lags_ms(self.rng, int(ok.sum()))
        cause = self.cause_of[p.routine_id]
        if p.is_automation:
            end = start + self.rng.integers(3, 8, len(start)) * MS_PER_MINUTE
            return OnIntervals.of(start, end, cause, occurrence=occ)
        end = start + self.rng.integers(2, 15, len(start)) * MS_PER_MINUTE
        return OnIntervals.of(start, end, cause, self.c_occupant, occ).with_off_occ(-1)

    def _porch_on_arrival(self, dark: np.ndarray) -> OnIntervals:
        """Some households switch the porch light on when they come home after dark, on some
        evenings (the reaction a habit makes consistent)."""
        opens = self.door_open_times[self.door_is_arrival]
        minute = np.clip(opens // MS_PER_MINUTE, 0, self.T - 1)
        trig = opens[dark[minute] & (self.sun[minute] < 0)]
        use = self.rng.random(len(trig)) < float(self.rng.uniform(0.0, 0.6))
        start = trig[use] + self.lognormal_ms(
            float(self.rng.uniform(1.2, 4.0)), 0.5, int(use.sum()), 400, 20_000
        )
        end = start + self.rng.integers(2, 15, len(start)) * MS_PER_MINUTE
        return OnIntervals.of(start, end, self.c_occupant)

    def _sunset_light(self, p: Planted) -> OnIntervals:
        """On at sunset (a sun trigger) and off at a fixed time (a time trigger): two runs."""
        below = self.sun < -0.5
        sunset = np.flatnonzero(below[1:] & ~below[:-1]) + 1
        local_off = int((p.time_local_h or 23.0) * 60) % 1440
        off_min = np.flatnonzero(self.local_min == local_off)
        n = len(sunset)
        p.opportunities += n
        ok = self.executed(p, n)
        idx = np.searchsorted(off_min, sunset)
        ok &= idx < len(off_min)
        on_t = sunset[ok] * MS_PER_MINUTE
        off_t = off_min[idx[ok]] * MS_PER_MINUTE
        keep = off_t > on_t
        on_t, off_t = on_t[keep], off_t[keep]
        on_occ = p.record_runs(on_t)
        off_occ = p.record_runs(off_t, step=1)
        start = on_t + p.lags_ms(self.rng, len(on_t))
        end = off_t + p.lags_ms(self.rng, len(off_t))
        cause = self.cause_of[p.routine_id]
        c = np.full(len(start), cause, np.int32)
        return OnIntervals(start, end, c, c, on_occ, off_occ)

    def _evening_lamp(self, p: Planted, dark: np.ndarray) -> OnIntervals:
        """A lamp switched on by hand at about the same time every evening someone is in."""
        target = self.local_day_starts + int(round((p.time_local_h or 19.0) * 60))
        target = target[(target >= 0) & (target < self.T - 1)]
        t_ms = target * MS_PER_MINUTE
        lag = p.lags_ms(self.rng, len(target))
        at = np.clip((t_ms + lag) // MS_PER_MINUTE, 0, self.T - 1)
        home = (self.n_awake[at] > 0) & dark[at]
        p.opportunities += int(home.sum())
        ok = home & self.executed(p, len(target))
        occ = p.record_runs(t_ms[ok])
        start = t_ms[ok] + lag[ok]
        empty = np.flatnonzero(self.n_awake == 0)
        nxt = np.searchsorted(empty, at[ok])
        quiet = np.where(nxt < len(empty), empty[np.minimum(nxt, len(empty) - 1)], self.T)
        end = np.minimum(
            start + self.rng.integers(60, 200, len(start)) * MS_PER_MINUTE,
            quiet * MS_PER_MINUTE + self.rng.integers(10_000, 120_000, len(start)),
        )
        cause = self.cause_of[p.routine_id]
        return OnIntervals.of(start, end, cause, self.c_occupant, occ).with_off_occ(-1)
