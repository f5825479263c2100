"""Media, appliances with metered plugs, irrigation, the vacuum, smoke alarms, the energy
meter and batteries."""

from __future__ import annotations

import numpy as np

from homeiq_assets.sim.clock import MS_PER_MINUTE
from homeiq_assets.sim.intervals import runs
from homeiq_assets.sim.mechanisms.context import HomeContext
from homeiq_assets.sim.rng import derive_rng


class ApplianceMechanisms(HomeContext):
    """Media, appliance, energy and battery events."""

    # ----------------------------------------------------------------- media and appliances
    def media(self) -> None:
        sources = self.v.attrs.codes(
            [f'{{"source": "{s}"}}' for s in ("Netflix", "Live TV", "YouTube", "Radio", "Spotify")]
        )
        s_playing = self.v.states.code("playing")
        for e in self.entities("media"):
            area = self.area_of(e)
            dtype = self.home.devices[self.home.entities[e].device_index].device_type
            if dtype == "tv":
                when = (self.local_hour >= 17) | (self.local_hour < 1)
                min_len, p, src = 15, 0.65, sources[self.rng.integers(0, 3, 1)][0]
            else:
                when = ((self.local_hour >= 6) & (self.local_hour < 9)) | (
                    (self.local_hour >= 17) & (self.local_hour < 20)
                )
                min_len, p, src = 6, 0.35, sources[3 + int(self.rng.integers(0, 2))]
            s, en = runs(self.active(area) & when)
            use = ((en - s) >= min_len) & (self.rng.random(len(s)) < p)
            s, en = s[use], en[use]
            t_on = (s + self.rng.integers(1, 4, len(s))) * MS_PER_MINUTE + self.jitter_ms(len(s))
            t_off = en * MS_PER_MINUTE + self.jitter_ms(len(s))
            self.buf.add(t_on, e, s_playing, self.c_occupant, src)
            self.buf.add(t_off, e, self.s_off, self.c_occupant)
            self.add_power(s, en, np.full(len(s), 110.0 if dtype == "tv" else 15.0))

    def _appliance(
        self,
        e: int,
        t_on_ms: np.ndarray,
        phases: list[tuple[int, float]],
        cause: int | np.ndarray,
        occ: np.ndarray | None = None,
    ) -> None:
        """Switch on, a power profile of (minutes, watts) phases, switch off."""
        power_e = self.device_entity(e, "power")
        n = len(t_on_ms)
        self.buf.add(t_on_ms, e, self.s_on, cause, occurrence=occ)
        t = t_on_ms.copy()
        for minutes, watts in phases:
            w = watts * self.rng.uniform(0.9, 1.1, n)
            if power_e is not None:
                # a metering plug reports about once a minute while the load fluctuates
                steps = np.arange(minutes)
                ts = (t[:, None] + 2000 + steps[None, :] * MS_PER_MINUTE).reshape(-1)
                load = w[:, None] * (1 + self.rng.normal(0, 0.015, (n, minutes)))
                codes = self.v.states.numeric_codes(load.reshape(-1), 1)
                self.buf.add(ts, power_e, codes, self.c_physics)
            start_min = t // MS_PER_MINUTE
            self.add_power(start_min, start_min + minutes, w)
            t = t + minutes * MS_PER_MINUTE
        self.buf.add(t, e, self.s_off, cause, occurrence=occ)
        if power_e is not None:
            self.buf.add(
                t + 2000,
                power_e,
                self.v.states.numeric_codes(self.rng.uniform(0.3, 1.2, n), 1),
                self.c_physics,
            )

    def appliances(self) -> None:
        wake = np.stack([o.wake for o in self.occ.occupants]).min(axis=0)
        for e in self.entities("switch"):
            dtype = self.home.devices[self.home.entities[e].device_index].device_type
            if dtype == "coffee_plug":
                self._coffee(e, wake)
            elif dtype in ("dishwasher_plug", "washer_plug"):
                p = 0.6 if dtype == "dishwasher_plug" else 0.25
                day_start = np.flatnonzero(self.local_min == 0)
                d0 = np.concatenate(([day_start[0] - 1440], day_start))
                hour = (
                    self.rng.uniform(20.5, 22.0, len(d0))
                    if dtype == "dishwasher_plug"
                    else self.rng.uniform(9.0, 19.0, len(d0))
                )
                t = d0 + (hour * 60).astype(np.int64)
                t = t[(t >= 0) & (t < self.T - 240)]
                use = (self.rng.random(len(t)) < p) & (self.n_awake[t] > 0)
                t = t[use]
                phases = (
                    [(20, 1900.0), (55, 140.0), (15, 1800.0), (25, 8.0)]
                    if dtype == "dishwasher_plug"
                    else [(12, 480.0), (50, 160.0), (10, 2100.0), (8, 40.0)]
                )
                self._appliance(
                    e, t * MS_PER_MINUTE + self.jitter_ms(len(t)), phases, self.c_occupant
                )
            elif dtype == "irrigation":
                self._irrigation(e)

    def _coffee(self, e: int, wake: np.ndarray) -> None:
        wake = wake[(wake >= 0) & (wake < self.T - 60)]
        wake = wake[self.n_awake[np.clip(wake + 5, 0, self.T - 1)] > 0]
        habits = [p for p in self.by_template.get("morning_coffee", []) if e in p.action_entities]
        manual = np.ones(len(wake), dtype=bool)
        if habits:
            p = habits[0]
            weekday = self._is_weekday(wake)
            eligible = weekday if p.params["weekdays_only"] else np.ones(len(wake), bool)
            p.opportunities = int(eligible.sum())
            ok = eligible & self.executed(p, len(wake))
            occ_id = p.record_runs(wake[ok] * MS_PER_MINUTE)
            t = wake[ok] * MS_PER_MINUTE + p.lags_ms(self.rng, int(ok.sum()))
            self._appliance(
                e, t, [(int(p.params["brew_min"]), 1250.0)], self.cause_of[p.routine_id], occ_id
            )
            manual = ~ok
        by_hand = manual & (self.rng.random(len(wake)) < 0.35)
        t = (wake[by_hand] + self.rng.integers(20, 120, int(by_hand.sum()))) * MS_PER_MINUTE
        self._appliance(e, t + self.jitter_ms(len(t)), [(6, 1200.0)], self.c_occupant)

    def _is_weekday(self, minutes: np.ndarray) -> np.ndarray:
        midnight = minutes - self.local_min[np.clip(minutes, 0, self.T - 1)]
        local_day = (midnight + 720) // 1440  # the local date of that midnight
        start_weekday = self.window.start.weekday()
        return ((start_weekday + local_day) % 7) < 5

    def _irrigation(self, e: int) -> None:
        autos = [
            p for p in self.by_template.get("irrigation_morning", []) if e in p.action_entities
        ]
        if not autos:
            return
        p = autos[0]
        target = int((p.time_local_h or 5.5) * 60)
        t = np.flatnonzero(self.local_min == target)
        t = t[t < self.T - 60]
        hourly_t = self.weather.temperature_c
        rain = self.weather.precipitation_mm
        h = t // 60
        prev = np.clip(h[:, None] - np.arange(1, 25)[None, :], 0, len(rain) - 1)
        dry = rain[prev].sum(axis=1) < 2.0
        warm = hourly_t[np.clip(h + 8, 0, len(hourly_t) - 1)] > 10.0
        t = t[dry & warm]
        p.opportunities = len(t)
        ok = self.executed(p, len(t))
        # one run: turn on, wait, turn off (the delay keeps the run's context)
        occ_id = p.record_runs(t[ok] * MS_PER_MINUTE)
        on = t[ok] * MS_PER_MINUTE + p.lags_ms(self.rng, int(ok.sum()))
        off = on + int(p.params["minutes"]) * MS_PER_MINUTE
        off = off + p.lags_ms(self.rng, len(on))
        cause = self.cause_of[p.routine_id]
        self.buf.add(on, e, self.s_on, cause, occurrence=occ_id)
        self.buf.add(off, e, self.s_off, cause, occurrence=occ_id)

    def vacuum(self) -> None:
        for e in self.entities("vacuum"):
            autos = [
                p for p in self.by_template.get("vacuum_when_away", []) if e in p.action_entities
            ]
            day_hours = (self.local_hour >= 9) & (self.local_hour < 17)
            s, en = runs((self.n_home == 0) & day_hours)
            long = (en - s) >= 60
            s = s[long]
            day = (s - self.local_min[s]) // 1440
            first = np.concatenate(([True], day[1:] != day[:-1])) if len(s) else s.astype(bool)
            s = s[first]
            if autos:
                # a time-pattern trigger checks every 5 minutes whether the home has been
                # empty for the `for:` delay; the vacuum reports `cleaning` a moment later
                p = autos[0]
                step = 5 * MS_PER_MINUTE
                empty_for = int(p.params["empty_for_min"] * MS_PER_MINUTE)
                fire = -(-(s * MS_PER_MINUTE + empty_for) // step) * step
                fire_min = np.clip(fire // MS_PER_MINUTE, 0, self.T - 1)
                empty = (self.n_home[fire_min] == 0) & (fire < self.T * MS_PER_MINUTE)
                p.opportunities = int(empty.sum())
                ok = empty & self.executed(p, len(s))
                occ = p.record_runs(fire[ok], fire[ok])
                t0 = fire[ok] + p.lag.draw_ms(self.rng, int(ok.sum()), with_for=False)
                cause: int | np.ndarray = self.cause_of[p.routine_id]
            else:
                t0 = s[self.rng.random(len(s)) < 0.2] * MS_PER_MINUTE + 300_000
                occ, cause = None, self.c_occupant
            clean = self.rng.integers(40, 80, len(t0)) * MS_PER_MINUTE
            self.buf.add(t0, e, self.v.states.code("cleaning"), cause, occurrence=occ)
            # returning and docking are the vacuum's own doing, not the automation's
            for state, off in (("returning", clean), ("docked", clean + 180_000)):
                self.buf.add(t0 + off, e, self.v.states.code(state), self.c_physics)
            self.vacuum_runs = (t0, clean)
            self.add_power(
                t0 // MS_PER_MINUTE + (clean // MS_PER_MINUTE) + 3,
                t0 // MS_PER_MINUTE + (clean // MS_PER_MINUTE) + 90,
                np.full(len(t0), 45.0),
            )

    def smoke(self) -> None:
        for e in self.entities("smoke"):
            area = self.area_of(e)
            if self.home.areas[area].kind != "kitchen":
                continue
            s, _ = runs(self.active(area) & (self.local_hour >= 17) & (self.local_hour < 20))
            burnt = s[self.rng.random(len(s)) < 0.01]
            t = (burnt + 5) * MS_PER_MINUTE + self.jitter_ms(len(burnt))
            self.buf.add(t, e, self.s_on, self.c_occupant)
            self.buf.add(
                t + self.rng.integers(40_000, 180_000, len(t)), e, self.s_off, self.c_occupant
            )

    # ----------------------------------------------------------------- energy and batteries
    def energy(self) -> None:
        meters = self.entities("energy")
        if not meters:
            return
        rng = derive_rng(self.seed, self.home.home_id, "energy")
        # standby and always-on load grows with the home (fridges, routers, ventilation)
        base = 50.0 + self.home.facts.floor_area_m2 * float(rng.uniform(0.7, 1.4))
        # whole-home load on a 5-minute grid: standby + fridge cycling + appliances + lights +
        # the heat pump's electrical share
        grid = np.arange(0, self.T, 5)
        # 9 W per light that is on: switch-ons minus switch-offs of all lights, per minute
        # (whole watts, so the sum is the same in any order)
        lights_on = np.zeros(self.T + 1)
        if self.light_intervals:
            on = np.concatenate([iv.start for iv in self.light_intervals]) // MS_PER_MINUTE
            off = np.concatenate([iv.end for iv in self.light_intervals]) // MS_PER_MINUTE
            lights_on = 9.0 * (
                np.bincount(np.clip(on, 0, self.T), minlength=self.T + 1)
                - np.bincount(np.clip(off, 0, self.T), minlength=self.T + 1)
            )
        fridge = 60.0 * (np.sin(grid * 2 * np.pi / 47.0) > 0.2)
        power = (
            base
            + fridge
            + np.cumsum(self.power_diff)[grid]
            + np.cumsum(lights_on)[grid]
            + 0.3 * self.hvac_power_w[grid]
            + rng.normal(0, 6, len(grid))
        )
        power = np.clip(power, 30, None)
        # kWh meter: integral of the load, read every 30 minutes
        total = float(rng.uniform(200, 9000)) + np.cumsum(power) * 5 / 60_000.0
        for e in meters:
            p_e = self.device_entity(e, "power")
            if p_e is not None:  # the meter's power reading every 5 minutes
                codes = self.v.states.numeric_codes(power, 0)
                self.buf.add(grid * MS_PER_MINUTE + 1000, p_e, codes, self.c_physics)
            every = slice(0, None, 6)
            codes = self.v.states.numeric_codes(total[every], 2)
            self.buf.add(grid[every] * MS_PER_MINUTE + 1500, e, codes, self.c_physics)

    def batteries(self, usage_per_device: np.ndarray) -> None:
        rng = derive_rng(self.seed, self.home.home_id, "battery")
        hours = self.window.days * 24
        t_hour = self.t_out[: hours * 60 : 60]
        for e in self.entities("battery"):
            dev = self.home.entities[e].device_index
            dtype = self.home.devices[dev].device_type
            if dtype == "vacuum":
                continue
            outdoor = not self.home.areas[self.home.devices[dev].area_index].indoor
            start = float(rng.uniform(25, 100))
            per_day = {"door_lock": 0.35, "motion_sensor": 0.12, "smoke_detector": 0.03}.get(
                dtype, 0.08
            )
            usage = usage_per_device[dev] / max(self.window.days, 1)
            cold = np.clip(8 - (t_hour if outdoor else np.full(hours, 18.0)), 0, None) * 0.02
            drain = (per_day + 0.002 * usage) / 24 * (1 + cold) * rng.uniform(0.7, 1.3)
            level = np.clip(start - np.cumsum(drain), 1, 100)
            shown = np.floor(level)
            idx = np.concatenate(([0], np.flatnonzero(np.diff(shown)) + 1))
            self.buf.add(
                idx * 3_600_000 + rng.integers(0, 3_600_000, len(idx)),
                e,
                self.v.states.numeric_codes(shown[idx], 0),
                self.c_physics,
            )
        for e in self.entities("battery"):
            dev = self.home.entities[e].device_index
            if self.home.devices[dev].device_type != "vacuum" or self.vacuum_runs is None:
                continue
            t0, clean = self.vacuum_runs
            drop = rng.uniform(35, 60, len(t0))
            t = np.concatenate((t0 + clean, t0 + clean + 90 * MS_PER_MINUTE))
            v = np.concatenate((100 - drop, np.full(len(t0), 100.0)))
            self.buf.add(t, e, self.v.states.numeric_codes(v, 0), self.c_physics)
