"""Motion sensors and lights: presence, darkness, motion-light and arrival automations,
sunset schedules, forgotten lights."""

from __future__ import annotations

import numpy as np

from homeiq_assets.sim.catalog import AREA_KINDS
from homeiq_assets.sim.clock import MS_PER_MINUTE
from homeiq_assets.sim.intervals import mask_from_intervals, rolling_any, runs
from homeiq_assets.sim.mechanisms.context import HomeContext
from homeiq_assets.sim.mechanisms.switching import OnIntervals
from homeiq_assets.sim.routines import Planted

# chance a motion sensor sees an occupant in a given minute (people sitting still are missed)
MOTION_DETECT_P = {"living_room": 0.6, "bedroom": 0.5, "office": 0.55, "dining_room": 0.7}


class LightingMechanisms(HomeContext):
    """Motion and light events."""

    # ----------------------------------------------------------------- motion
    def motion(self) -> None:
        door = self.door_minutes()
        for e in self.entities("motion"):
            area = self.area_of(e)
            kind = self.home.areas[area].kind
            present = self.active(area)
            if not self.home.areas[area].indoor:
                present = present | door
            p = MOTION_DETECT_P.get(kind, 0.9)
            here = np.flatnonzero(present)
            detect = np.zeros(self.T, dtype=bool)
            detect[here[self.rng.random(len(here)) < p]] = True  # PIR misses still people
            false = np.zeros(self.T, dtype=bool)
            if self.noise:  # pets, curtains, passers-by outdoors
                rate = 0.0015 if not self.home.areas[area].indoor else 0.0003
                false[self.rng.integers(0, self.T, self.rng.binomial(self.T, rate))] = True
            state = rolling_any(detect | false, 2)
            starts, ends = runs(state)
            cause_on = np.where(detect[starts], self.c_occupant, self.c_noise)
            # motion sensor events land at the start of the minute (+ up to 20 s)
            t_on = starts * MS_PER_MINUTE + self.jitter_ms(len(starts), 20_000)
            t_off = ends * MS_PER_MINUTE + self.jitter_ms(len(ends), 20_000)
            self.buf.add(t_on, e, self.s_on, cause_on)
            self.buf.add(t_off, e, self.s_off, cause_on)
            self.motion_runs[area] = (starts, ends, t_on)  # motion-light automations follow it

    def door_minutes(self) -> np.ndarray:
        """Minutes around every arrival and departure (someone at the door or on the porch)."""
        starts = np.concatenate([o.away_starts for o in self.occ.occupants])
        ends = np.concatenate([o.away_ends for o in self.occ.occupants])
        return mask_from_intervals(
            np.concatenate((starts - 1, ends)), np.concatenate((starts + 1, ends + 2)), self.T
        )

    # ----------------------------------------------------------------- lights
    def _manual_light(self, area: int, mask: np.ndarray, forget_p: float) -> OnIntervals:
        s, e = runs(mask)
        n = len(s)
        start = s * MS_PER_MINUTE + self.rng.integers(15_000, 90_000, n)
        end = e * MS_PER_MINUTE + self.rng.integers(5_000, 120_000, n)
        off_cause = np.full(n, self.c_occupant, np.int32)
        if self.noise and n:
            forgot = self.rng.random(n) < forget_p
            end = end + np.where(forgot, self.rng.integers(30, 240, n) * MS_PER_MINUTE, 0)
            off_cause = np.where(forgot, self.c_noise, off_cause).astype(np.int32)
        keep = end > start
        return OnIntervals.of(start[keep], end[keep], self.c_occupant, off_cause[keep])

    def lights(self) -> None:
        motion_auto = {p.area_index: p for p in self.by_template.get("motion_light", [])}
        arrival = self.by_template.get("arrival_light", [])
        sunset = self.by_template.get("outdoor_lights_sunset", [])
        evening = (self.local_hour >= 17) | (self.local_hour < 1)
        for e in self.entities("light"):
            area_i = self.area_of(e)
            area = self.home.areas[area_i]
            device_type = self.home.devices[self.home.entities[e].device_index].device_type
            dark = self.sun < AREA_KINDS[area.kind].dark_elevation_deg
            parts: list[OnIntervals] = []
            wanted = self.active(area_i) & dark
            if device_type == "lamp":
                wanted &= evening
            auto = motion_auto.get(area_i)
            if auto is not None and e in auto.action_entities:
                parts.append(self._motion_light(auto, area_i, dark, wanted))
            elif area.indoor or device_type == "outdoor_light":
                forget = 0.05 if area.indoor else 0.02
                if device_type == "lamp":
                    # a lamp is switched on for some evening visits only
                    s, en = runs(wanted)
                    use = self.rng.random(len(s)) < 0.5
                    wanted = mask_from_intervals(s[use], en[use], self.T)
                parts.append(self._manual_light(area_i, wanted, forget))
            for p in arrival:
                if e in p.action_entities:
                    parts.append(self._arrival_light(p))
            for p in sunset:
                if e in p.action_entities:
                    parts.append(self._sunset_light(p))
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

    def _motion_light(
        self, p: Planted, area: int, dark: np.ndarray, manual_mask: np.ndarray
    ) -> OnIntervals:
        p.opportunities = 0
        if area not in self.motion_runs:
            return self._manual_light(area, manual_mask, 0.05)
        s, e, t_on = self.motion_runs[area]
        in_dark = dark[np.clip(s, 0, self.T - 1)]
        trig, trig_e = s[in_dark], e[in_dark]
        p.opportunities = len(trig)
        ok = self.executed(p, len(trig))
        occ_id = np.arange(len(trig), dtype=np.int32)
        # the light follows the motion sensor's own event time plus the automation's lag
        start = t_on[in_dark] + p.lags_ms(self.rng, len(trig))
        end = (
            trig_e * MS_PER_MINUTE
            + int(p.params["off_after_min"] * MS_PER_MINUTE)
            + p.lags_ms(self.rng, len(trig))
        )
        auto = OnIntervals.of(
            start[ok], end[ok], self.cause_of[p.routine_id], occurrence=occ_id[ok]
        )
        # when the automation does not fire, the occupant switches the light by hand
        missed = mask_from_intervals(trig[~ok], trig_e[~ok], self.T) & manual_mask
        return OnIntervals.concat([auto, self._manual_light(area, missed, 0.05)])

    def _arrival_light(self, p: Planted) -> OnIntervals:
        times = self.door_open_times
        arrivals = times[self.door_is_arrival]
        minute = np.clip(arrivals // MS_PER_MINUTE, 0, self.T - 1)
        trig = arrivals[self.sun[minute] < 0]
        p.opportunities = len(trig)
        ok = self.executed(p, len(trig))
        occ_id = np.arange(len(trig), dtype=np.int32)[ok]
        start = trig[ok] + p.lags_ms(self.rng, int(ok.sum()))
        end = start + self.rng.integers(3, 8, len(start)) * MS_PER_MINUTE
        return OnIntervals.of(start, end, self.cause_of[p.routine_id], occurrence=occ_id)

    def _sunset_light(self, p: Planted) -> OnIntervals:
        below = self.sun < -0.5
        sunset = np.flatnonzero(below[1:] & ~below[:-1]) + 1
        local_off = int((p.time_local_h or 23.0) * 60) % 1440
        off_min = np.flatnonzero(self.local_min == local_off)
        n = len(sunset)
        p.opportunities = n
        ok = self.executed(p, n)
        idx = np.searchsorted(off_min, sunset)
        has_off = idx < len(off_min)
        ok &= has_off
        occ_id = np.arange(n, dtype=np.int32)[ok]
        start = sunset[ok] * MS_PER_MINUTE + p.lags_ms(self.rng, int(ok.sum()))
        end = off_min[idx[ok]] * MS_PER_MINUTE + p.lags_ms(self.rng, int(ok.sum()))
        keep = end > start
        cause = self.cause_of[p.routine_id]
        return OnIntervals.of(start[keep], end[keep], cause, occurrence=occ_id[keep])
