"""Thermostat, temperature and humidity sensors, bathroom fans."""

from __future__ import annotations

import numpy as np

from homeiq_assets.sim.clock import MS_PER_MINUTE
from homeiq_assets.sim.filters import ar1_filter
from homeiq_assets.sim.intervals import expand_intervals, mask_from_intervals
from homeiq_assets.sim.mechanisms.context import HomeContext
from homeiq_assets.sim.mechanisms.thermal import (
    COOL_BAND_C,
    STEP_MIN,
    building_temperature,
    hold,
)
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.sim.routines import Planted


def _union(starts: list[np.ndarray], ends: list[np.ndarray]):
    """A test `f(t) -> bool array`: is each time inside any [start, end) interval."""
    if not starts:
        return lambda t: np.zeros(len(t), dtype=bool)
    s = np.concatenate(starts)
    e = np.concatenate(ends)
    order = np.argsort(s, kind="stable")
    s, e = s[order], np.maximum.accumulate(e[order])

    def inside(t: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(s, t, side="right") - 1
        return (pos >= 0) & (t < e[np.maximum(pos, 0)]) if len(s) else np.zeros(len(t), bool)

    return inside


class ClimateMechanisms(HomeContext):
    """Climate, sensor and fan events."""

    # ----------------------------------------------------------------- climate
    def climate(self) -> None:
        rng = derive_rng(self.seed, self.home.home_id, "thermal")
        T = self.T
        comfort = float(rng.uniform(19.5, 22.0))
        night = comfort - float(rng.uniform(1.5, 4.0))
        warm_region = self.home.region.annual_mean_c >= 14
        has_ac = warm_region and rng.random() < 0.7
        regime = np.where(self.n_awake > 0, 0, np.where(self.n_home > 0, 1, 0))
        setpoint = np.where(hold(regime, 30) == 0, comfort, night)
        setpoint_cause = np.full(T, self.c_occupant, dtype=np.int32)
        setpoint_occ = np.full(T, -1, dtype=np.int32)
        # (minute, exact time) of each setpoint change an automation made
        exact_ms: list[tuple[np.ndarray, np.ndarray]] = []
        thermostat = self.entities("climate")
        eco = self.by_template.get("away_eco", [])
        if eco and thermostat:
            self._away_eco(eco[0], setpoint, setpoint_cause, setpoint_occ, exact_ms)

        # airing in the morning, more often when it is mild outside: someone walks round and
        # opens several windows within a few minutes, and closes them together
        window_open = np.zeros(T, dtype=bool)
        hvac_enabled = np.ones(T, dtype=bool)
        mode_commands: list[tuple[np.ndarray, bool, np.ndarray, np.ndarray]] = []
        wake = np.stack([o.wake for o in self.occ.occupants]).min(axis=0)
        wake = wake[(wake > 0) & (wake < T - 120)]
        items = self.by_template.get("window_climate_off", []) + self.by_template.get(
            "window_heating_habit", []
        )
        mild = np.clip((self.t_out[wake] - 5) / 15, 0, 1)
        airing = self.rng.random(len(wake)) < 0.15 + 0.5 * mild
        air_start = wake[airing] + self.rng.integers(20, 60, int(airing.sum()))
        air_len = self.rng.integers(10, 40, len(air_start)) + (mild[airing] * 60).astype(int)
        for e in self.entities("window"):
            this = self.rng.random(len(air_start)) < 0.7
            o_start = air_start[this]
            o_len = np.maximum(air_len[this] + self.rng.integers(-3, 4, int(this.sum())), 5)
            someone = self.n_awake[np.clip(o_start, 0, T - 1)] > 0
            o_start, o_len = o_start[someone], o_len[someone]
            # one walk round the rooms: each window a few tens of seconds after the last
            t_open = o_start * MS_PER_MINUTE + self.rng.integers(0, 90_000, len(o_start))
            t_close = (o_start + o_len) * MS_PER_MINUTE + self.rng.integers(0, 90_000, len(o_start))
            self.buf.add(t_open, e, self.s_on, self.c_occupant)
            self.buf.add(t_close, e, self.s_off, self.c_occupant)
            window_open |= mask_from_intervals(o_start, o_start + o_len, T)
            for p in items:
                if p.trigger_entity != e or not thermostat:
                    continue
                off_t, on_t, off_c, on_c, off_o, on_o = self._window_heating(p, t_open, t_close)
                hvac_enabled &= ~mask_from_intervals(
                    off_t // MS_PER_MINUTE + 1, on_t // MS_PER_MINUTE + 1, T
                )
                mode_commands.append((off_t, False, off_c, off_o))
                mode_commands.append((on_t, True, on_c, on_o))
        if thermostat and not items and len(air_start):
            # households without the habit still switch the heating off now and then when
            # they air the home (the same reaction, but not a consistent one)
            sometimes = self.rng.random(len(air_start)) < float(self.rng.uniform(0.0, 0.6))
            first_open = air_start[sometimes] * MS_PER_MINUTE + self.jitter_ms(int(sometimes.sum()))
            lag = self.lognormal_ms(
                float(self.rng.uniform(8, 45)), 0.6, len(first_open), 2_000, 600_000
            )
            off_t = first_open + lag
            on_t = (air_start[sometimes] + air_len[sometimes]) * MS_PER_MINUTE + self.rng.integers(
                20_000, 300_000, len(off_t)
            )
            keep = on_t > off_t
            off_t, on_t = off_t[keep], on_t[keep]
            hvac_enabled &= ~mask_from_intervals(
                off_t // MS_PER_MINUTE + 1, on_t // MS_PER_MINUTE + 1, T
            )
            c = np.full(len(off_t), self.c_occupant, np.int32)
            none = np.full(len(off_t), -1, np.int32)
            mode_commands.append((off_t, False, c, none))
            mode_commands.append((on_t, True, c, none))
        presence = self.by_template.get("away_heating_habit", [])
        if thermostat and (presence or not eco):
            off_t, on_t, off_c, on_c, off_o, on_o = self._away_heating(
                presence[0] if presence else None
            )
            hvac_enabled &= ~mask_from_intervals(
                off_t // MS_PER_MINUTE + 1, on_t // MS_PER_MINUTE + 1, T
            )
            mode_commands.append((off_t, False, off_c, off_o))
            mode_commands.append((on_t, True, on_c, on_o))

        indoor, lift = self._thermal(setpoint, window_open, hvac_enabled, has_ac, rng)
        self.indoor_temp = indoor
        self.setpoint = setpoint
        heating = lift > 0.05
        cooling = lift < -0.05
        self.hvac_state = np.where(heating, 1, np.where(cooling, 2, 0)).astype(np.int8)
        # heating or cooling power: the lift (°C of equilibrium) times the home's heat loss
        self.hvac_power_w = np.abs(lift) * self.home.facts.heat_loss_w_per_k
        if not thermostat:
            return
        e = thermostat[0]
        mode = "heat_cool" if has_ac else "heat"
        s_mode = self.v.states.code(mode)
        s_offmode = self.v.states.code("off")
        action = np.where(heating, 1, np.where(cooling, 2, 0))
        action = np.where(hvac_enabled, action, 3)
        # attributes change with the reading (0.5 °C steps), setpoint and action
        step_idx = np.arange(0, T, STEP_MIN)
        change_idx = np.flatnonzero(np.diff(setpoint) != 0) + 1
        idx = np.unique(np.concatenate((step_idx, change_idx)))
        cur = np.round(indoor[idx] * 2) / 2
        key = (
            (np.round(cur * 2).astype(np.int64) + 200) * 100_000
            + np.round(setpoint[idx] * 10).astype(np.int64) * 10
            + action[idx]
        )
        uniq, inv = np.unique(key, return_inverse=True)
        names = ("idle", "heating", "cooling", "off")
        if has_ac:  # heat_cool mode reports a comfort band, as Home Assistant does
            fmt = (
                '{"current_temperature": %.1f, "target_temp_low": %.1f, '
                '"target_temp_high": %.1f, "hvac_action": "%s"}'
            )
            attr_table = self.v.attrs.codes(
                [
                    fmt
                    % (
                        (k // 100_000 - 200) / 2,
                        (k % 100_000) // 10 / 10,
                        (k % 100_000) // 10 / 10 + COOL_BAND_C,
                        names[k % 10],
                    )
                    for k in uniq
                ]
            )
        else:
            fmt = '{"current_temperature": %.1f, "temperature": %.1f, "hvac_action": "%s"}'
            attr_table = self.v.attrs.codes(
                [
                    fmt % ((k // 100_000 - 200) / 2, (k % 100_000) // 10 / 10, names[k % 10])
                    for k in uniq
                ]
            )
        is_change = np.isin(idx, change_idx)
        t = idx * MS_PER_MINUTE + np.where(
            is_change,
            self.rng.integers(1000, 30_000, len(idx)),
            self.rng.integers(30_000, 59_000, len(idx)),
        )
        minutes = np.concatenate([m for m, _ in exact_ms]) if exact_ms else np.zeros(0, np.int64)
        if minutes.size:  # an automation's change lands when its device reports it
            times = np.concatenate([t for _, t in exact_ms])
            order = np.argsort(minutes, kind="stable")
            minutes, times = minutes[order], times[order]
            pos = np.minimum(np.searchsorted(minutes, idx), len(minutes) - 1)
            hit = is_change & (minutes[pos] == idx)
            t = np.where(hit, times[pos], t)
        cause = np.where(is_change, setpoint_cause[idx], self.c_physics)
        occ = np.where(is_change, setpoint_occ[idx], -1)
        offs = [c[0] for c in mode_commands if not c[1]]
        ons = [c[0] for c in mode_commands if c[1]]
        off_at = _union(offs, ons)
        state = np.where(off_at(t), s_offmode, s_mode)  # to the millisecond, not the minute
        attrs = attr_table[inv]
        self.buf.add(t, e, state, cause, attrs, occ)
        for times, on, causes, occs in mode_commands:
            # the command carries the attributes of the reading in force at that minute
            at = attrs[np.clip(np.searchsorted(idx, times // MS_PER_MINUTE), 0, len(idx) - 1)]
            if on:  # back on only where nothing else keeps the heating off
                back = ~off_at(times + 1)
                times, causes, occs, at = times[back], causes[back], occs[back], at[back]
            self.buf.add(times, e, s_mode if on else s_offmode, causes, at, occs)

    def _away_eco(
        self,
        p: Planted,
        setpoint: np.ndarray,
        cause: np.ndarray,
        occ: np.ndarray,
        exact_ms: list[tuple[np.ndarray, np.ndarray]],
    ) -> None:
        """Locking up an empty home sets eco (after the `for:` delay, if the home is still
        empty); unlocking on the way back in restores comfort. Two triggers, two runs."""
        T = self.T
        dep, arr = self.lock_departures, self.lock_arrivals
        fire = dep + int(p.lag.for_s * 1000)
        still_empty = self.n_home[np.clip(fire // MS_PER_MINUTE, 0, T - 1)] == 0
        p.opportunities += len(dep)
        ok = still_empty & self.executed(p, len(dep)) & (fire < T * MS_PER_MINUTE)
        eco_occ = p.record_runs(dep[ok])
        eco_at = fire[ok] + p.lag.draw_ms(self.rng, int(ok.sum()), with_for=False)
        nxt = np.searchsorted(arr, eco_at)
        has = nxt < len(arr)
        back = np.unique(nxt[has])  # one restore run per return, however many eco runs
        restore_occ = p.record_runs(arr[back], arr[back], step=1)
        restore_at = arr[back] + p.lag.draw_ms(self.rng, len(back), with_for=False)
        end_at = np.full(len(eco_at), T * MS_PER_MINUTE, np.int64)
        end_at[has] = restore_at[np.searchsorted(back, nxt[has])]
        s_min, e_min = eco_at // MS_PER_MINUTE, end_at // MS_PER_MINUTE
        keep = e_min > s_min
        eco_idx = expand_intervals(s_min[keep], e_min[keep], T)
        occ_ids = np.repeat(eco_occ[keep], np.clip(e_min[keep], 0, T) - np.clip(s_min[keep], 0, T))
        setpoint[eco_idx] = p.params["eco_c"]
        cause[eco_idx] = self.cause_of[p.routine_id]
        occ[eco_idx] = occ_ids
        restore = restore_at // MS_PER_MINUTE
        inside = restore < T
        cause[restore[inside]] = self.cause_of[p.routine_id]
        occ[restore[inside]] = restore_occ[inside]
        exact_ms.append(
            (
                np.concatenate((s_min[keep], restore[inside])).astype(np.int64),
                np.concatenate((eco_at[keep], restore_at[inside])).astype(np.int64),
            )
        )

    def _window_heating(self, p: Planted, t_open: np.ndarray, t_close: np.ndarray):
        """Heating off when a window opens (automation: after its `for:` delay, if the window
        is still open; habit: someone walks to the thermostat), back on when it closes
        (automation: a second run; habit: by hand a little later)."""
        p.opportunities += len(t_open)
        c = self.cause_of[p.routine_id]
        if p.is_automation:
            fire = t_open + int(p.lag.for_s * 1000)
            ok = self.executed(p, len(t_open)) & (t_close > fire)
            off_occ = p.record_runs(t_open[ok])
            off_t = fire[ok] + p.lag.draw_ms(self.rng, int(ok.sum()), with_for=False)
            on_occ = p.record_runs(t_close[ok], t_close[ok], step=1)
            on_t = t_close[ok] + p.lag.draw_ms(self.rng, int(ok.sum()), with_for=False)
            n = len(off_t)
            return off_t, on_t, np.full(n, c), np.full(n, c), off_occ, on_occ
        lag = p.lags_ms(self.rng, len(t_open))
        ok = self.executed(p, len(t_open)) & (t_open + lag < t_close)
        off_occ = p.record_runs(t_open[ok])
        off_t = t_open[ok] + lag[ok]
        on_t = t_close[ok] + self.rng.integers(20_000, 300_000, int(ok.sum()))
        n = len(off_t)
        return (
            off_t,
            on_t,
            np.full(n, c),
            np.full(n, self.c_occupant),
            off_occ,
            np.full(n, -1, np.int32),
        )

    def _away_heating(self, p: Planted | None):
        """The last one out switches the heating off from the phone after locking up; it goes
        back on by hand a few minutes after someone is home again. With the habit (`p`) this
        happens on most departures; without it, some households do it now and then."""
        dep = self.lock_departures
        arrivals = self.door_open_times[self.door_is_arrival]
        if p is None:
            lag = self.lognormal_ms(float(self.rng.uniform(15, 90)), 0.7, len(dep), 2_000, 900_000)
            ok = self.rng.random(len(dep)) < float(self.rng.uniform(0.0, 0.6))
            off_occ = np.full(int(ok.sum()), -1, np.int32)
        else:
            p.opportunities += len(dep)
            lag = p.lags_ms(self.rng, len(dep))
            ok = self.executed(p, len(dep))
            off_occ = p.record_runs(dep[ok])
        off_t = dep[ok] + lag[ok]
        nxt = np.searchsorted(arrivals, off_t)
        back = np.where(
            nxt < len(arrivals),
            arrivals[np.minimum(nxt, max(len(arrivals) - 1, 0))] if len(arrivals) else 0,
            self.T * MS_PER_MINUTE,
        )
        on_t = back + self.rng.integers(30_000, 600_000, len(off_t))
        n = len(off_t)
        c = self.cause_of[p.routine_id] if p is not None else self.c_occupant
        return (
            off_t,
            on_t,
            np.full(n, c),
            np.full(n, self.c_occupant),
            off_occ,
            np.full(n, -1, np.int32),
        )

    def _thermal(
        self,
        setpoint: np.ndarray,
        window_open: np.ndarray,
        enabled: np.ndarray,
        has_ac: bool,
        rng: np.random.Generator,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indoor temperature of the conditioned zone and HVAC lift (°C of equilibrium) per
        minute, from the home's weather, occupants, sun and windows (see `thermal`)."""
        T = self.T
        n = T // STEP_MIN
        tau_h = self.home.facts.thermal_tau_h
        capacity = float(rng.uniform(40, 60))  # 1.5–2.5 °C/h heat-up
        t_out = self.t_out[: n * STEP_MIN].reshape(n, STEP_MIN).mean(axis=1)
        people = self.n_home[: n * STEP_MIN].reshape(n, STEP_MIN).mean(axis=1)
        sun = np.clip(self.sun[: n * STEP_MIN].reshape(n, STEP_MIN).mean(axis=1), 0, None)
        cloud = np.repeat(self.weather.cloud_cover, 60 // STEP_MIN)[:n]
        gains = 1.2 + 0.5 * people + 3.0 * np.sin(np.deg2rad(sun)) * (1 - 0.7 * cloud)
        open_ = window_open[: n * STEP_MIN].reshape(n, STEP_MIN).any(axis=1)
        tau = np.where(open_, 2.0, tau_h)
        a = np.exp(-(STEP_MIN / 60.0) / tau)
        sp = setpoint[: n * STEP_MIN : STEP_MIN]
        on = enabled[: n * STEP_MIN : STEP_MIN]
        temp, lift = building_temperature(
            t_out + gains, a, sp, on, capacity, capacity * 0.7 if has_ac else 0.0
        )
        minutes = np.arange(T) / STEP_MIN
        indoor = np.interp(minutes, np.arange(n) + 1.0, temp)
        lift_min = np.repeat(lift, STEP_MIN)
        lift_min = np.concatenate((lift_min, np.full(T - len(lift_min), lift[-1])))
        return indoor, lift_min

    # ----------------------------------------------------------------- sensors
    def area_temperature(self, area: int) -> np.ndarray:
        kind = self.home.areas[area].kind
        indoor = self.indoor_temp
        if not self.home.areas[area].indoor:
            return self.t_out
        if kind == "garage":
            return 0.35 * indoor + 0.65 * self.t_out + 1.0
        if kind == "basement":
            return 0.55 * indoor + 0.15 * self.t_out + 4.0
        if kind == "attic":
            return 0.4 * indoor + 0.6 * self.t_out + 4.0 * np.clip(self.sun, 0, None) / 60
        offset = {
            "bedroom": -0.6,
            "bathroom": 0.4,
            "kitchen": 0.5,
            "hallway": -0.4,
            "entrance": -0.8,
        }.get(kind, 0.0)
        return indoor + offset

    def area_humidity(self, area: int, idx: np.ndarray) -> np.ndarray:
        """Relative humidity at minutes `idx`: outdoor air, people, and showers (which decay
        with a 14-minute time constant)."""
        hourly = self.weather.humidity_pct
        outdoor = hourly[np.minimum(idx // 60, len(hourly) - 1)]
        if not self.home.areas[area].indoor:
            return outdoor
        base = 38 + 0.25 * (outdoor - 60) + 1.5 * self.n_home[idx]
        showers = [o.shower_starts for o in self.occ.occupants if o.shower_bathroom == area]
        if showers:
            impulse = np.zeros(self.T)
            starts = np.concatenate(showers)
            np.add.at(impulse, expand_intervals(starts, starts + 8, self.T), 4.5)
            base = base + ar1_filter(impulse, float(np.exp(-1 / 14.0)))[idx]
        return np.clip(base, 15, 99)

    def sensors(self) -> None:
        for e in self.entities("temperature"):
            area = self.area_of(e)
            series = self.area_temperature(area)
            idx = np.arange(int(self.rng.integers(0, 15)), self.T, 15)
            noise = ar1_filter(self.rng.normal(0, 0.03, len(idx)), 0.9)
            codes = self.v.states.numeric_codes(series[idx] + noise, 1)
            self.buf.add(idx * MS_PER_MINUTE + self.jitter_ms(len(idx)), e, codes, self.c_physics)
        self.fan_humidity: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for e in self.entities("humidity"):
            area = self.area_of(e)
            step = 2 if self.home.areas[area].kind == "bathroom" else 15
            idx = np.arange(0, self.T, step)
            noise = ar1_filter(self.rng.normal(0, 0.12, len(idx)), 0.9)
            values = np.round(self.area_humidity(area, idx) + noise)
            t = idx * MS_PER_MINUTE + 500
            self.buf.add(t, e, self.v.states.numeric_codes(values, 0), self.c_physics)
            self.fan_humidity[e] = (t, values)

    def fans(self) -> None:
        items = self.by_template.get("humidity_fan", []) + self.by_template.get(
            "humidity_fan_habit", []
        )
        for e in self.entities("fan"):
            area = self.area_of(e)
            p = next((p for p in items if e in p.action_entities), None)
            if p is not None and p.trigger_entity in self.fan_humidity:
                t, h = self.fan_humidity[p.trigger_entity]
                if p.is_automation:
                    self._fan_automation(p, e, t, h)
                else:
                    self._fan_habit(p, e, t, h)
                continue
            starts = np.concatenate(
                [o.shower_starts for o in self.occ.occupants if o.shower_bathroom == area]
                or [np.zeros(0, int)]
            )
            # some households run the fan when the shower starts, some once it is steamy
            use = self.rng.random(len(starts)) < float(self.rng.uniform(0.1, 0.6))
            after = self.rng.random() < 0.5
            delay = (
                self.rng.integers(6, 20, int(use.sum()))
                if after
                else self.rng.integers(0, 3, int(use.sum()))
            )
            s = starts[use] + delay
            t_on = s * MS_PER_MINUTE + self.jitter_ms(len(s))
            self.buf.add(t_on, e, self.s_on, self.c_occupant)
            self.buf.add(
                t_on + self.rng.integers(15, 40, len(s)) * MS_PER_MINUTE,
                e,
                self.s_off,
                self.c_occupant,
            )

    def _fan_automation(self, p: Planted, e: int, t: np.ndarray, h: np.ndarray) -> None:
        """Humidity rising above `on_above` (and staying there for the `for:` delay) runs the
        fan; falling below `off_below` stops it: two triggers, two runs."""
        hi, lo = p.params["on_above"], p.params["off_below"]
        up = np.flatnonzero((h[1:] >= hi) & (h[:-1] < hi)) + 1
        down = np.flatnonzero((h[1:] <= lo) & (h[:-1] > lo)) + 1
        nxt = np.searchsorted(down, up)
        has = nxt < len(down)
        up, off = up[has], down[nxt[has]]
        # one run per rise: a rise while the fan is already running fails its condition
        first = np.concatenate(([True], up[1:] > off[:-1])) if len(up) else up.astype(bool)
        up, off = up[first], off[first]
        fire = t[up] + int(p.lag.for_s * 1000)
        fell = np.flatnonzero(h < hi)
        k = np.searchsorted(fell, up)
        next_below = np.where(
            k < len(fell), t[fell[np.minimum(k, max(len(fell) - 1, 0))]] if len(fell) else 0, 2**62
        )
        p.opportunities += len(up)
        ok = self.executed(p, len(up)) & (next_below > fire)
        cause = self.cause_of[p.routine_id]
        on_occ = p.record_runs(t[up[ok]])
        on_t = fire[ok] + p.lag.draw_ms(self.rng, int(ok.sum()), with_for=False)
        off_occ = p.record_runs(t[off[ok]], t[off[ok]], step=1)
        off_t = t[off[ok]] + p.lag.draw_ms(self.rng, int(ok.sum()), with_for=False)
        self.buf.add(on_t, e, self.s_on, cause, occurrence=on_occ)
        self.buf.add(off_t, e, self.s_off, cause, occurrence=off_occ)

    def _fan_habit(self, p: Planted, e: int, t: np.ndarray, h: np.ndarray) -> None:
        """When the bathroom gets steamy after a shower someone switches the fan on, and off
        again by hand a quarter of an hour or so later."""
        hi = p.params["on_above"]
        up = np.flatnonzero((h[1:] >= hi) & (h[:-1] < hi)) + 1
        p.opportunities += len(up)
        ok = self.executed(p, len(up))
        occ = p.record_runs(t[up[ok]])
        on_t = t[up[ok]] + p.lags_ms(self.rng, int(ok.sum()))
        off_t = on_t + self.rng.integers(12, 40, len(on_t)) * MS_PER_MINUTE
        self.buf.add(on_t, e, self.s_on, self.cause_of[p.routine_id], occurrence=occ)
        self.buf.add(off_t, e, self.s_off, self.c_occupant)
