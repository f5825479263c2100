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
        thermostat = self.entities("climate")
        eco = self.by_template.get("away_eco", [])
        if eco and thermostat:
            p = eco[0]
            dep, arr = self.lock_departure_ms, self.lock_arrival_ms
            p.opportunities = len(dep)
            ok = self.executed(p, len(dep))
            s = dep[ok] + p.lags_ms(self.rng, int(ok.sum()))
            nxt = np.searchsorted(arr, s)
            has = nxt < len(arr)
            e_ms = (
                np.where(
                    has,
                    arr[np.clip(nxt, 0, max(len(arr) - 1, 0))] if len(arr) else 0,
                    T * MS_PER_MINUTE,
                )
                + p.lags_ms(self.rng, len(s)) // 10
            )
            s_min, e_min = s // MS_PER_MINUTE + 1, e_ms // MS_PER_MINUTE + 1
            keep = e_min > s_min
            eco_idx = expand_intervals(s_min[keep], e_min[keep], T)
            occ_ids = np.repeat(
                np.flatnonzero(ok)[keep].astype(np.int32),
                np.clip(e_min[keep], 0, T) - np.clip(s_min[keep], 0, T),
            )
            setpoint[eco_idx] = p.params["eco_c"]
            setpoint_cause[eco_idx] = self.cause_of[p.routine_id]
            setpoint_occ[eco_idx] = occ_ids
            # the comfort restore right after the eco period belongs to the automation too
            restore = np.clip(e_min[keep], 0, T - 1)
            setpoint_cause[restore] = self.cause_of[p.routine_id]
            setpoint_occ[restore] = np.flatnonzero(ok)[keep].astype(np.int32)

        # windows opened by occupants in the morning, more often when it is mild outside
        window_open = np.zeros(T, dtype=bool)
        hvac_enabled = np.ones(T, dtype=bool)
        wake = np.stack([o.wake for o in self.occ.occupants]).min(axis=0)
        wake = wake[(wake > 0) & (wake < T - 120)]
        auto = self.by_template.get("window_climate_off", [])
        for e in self.entities("window"):
            mild = np.clip((self.t_out[wake] - 5) / 15, 0, 1)
            opens = self.rng.random(len(wake)) < 0.15 + 0.5 * mild
            o_start = wake[opens] + self.rng.integers(20, 60, int(opens.sum()))
            o_len = self.rng.integers(10, 40, len(o_start)) + (mild[opens] * 60).astype(int)
            someone = self.n_awake[np.clip(o_start, 0, T - 1)] > 0
            o_start, o_len = o_start[someone], o_len[someone]
            t_open = o_start * MS_PER_MINUTE + self.jitter_ms(len(o_start))
            t_close = (o_start + o_len) * MS_PER_MINUTE + self.jitter_ms(len(o_start))
            self.buf.add(t_open, e, self.s_on, self.c_occupant)
            self.buf.add(t_close, e, self.s_off, self.c_occupant)
            window_open |= mask_from_intervals(o_start, o_start + o_len, T)
            for p in auto:
                if p.trigger_entity != e or not thermostat:
                    continue
                p.opportunities += len(t_open)
                ok = self.executed(p, len(t_open))
                occ_id = np.flatnonzero(ok).astype(np.int32)
                off_t = t_open[ok] + p.lags_ms(self.rng, int(ok.sum()))
                on_t = t_close[ok] + p.lags_ms(self.rng, int(ok.sum()))
                hvac_enabled &= ~mask_from_intervals(
                    off_t // MS_PER_MINUTE + 1, on_t // MS_PER_MINUTE + 1, T
                )
                self.window_auto = (p, off_t, on_t, occ_id)

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
        cause = np.where(is_change, setpoint_cause[idx], self.c_physics)
        occ = np.where(is_change, setpoint_occ[idx], -1)
        state = np.where(hvac_enabled[idx], s_mode, s_offmode)
        self.buf.add(t, e, state, cause, attr_table[inv], occ)
        if self.window_auto is not None:
            p, off_t, on_t, occ_id = self.window_auto
            cause_w = self.cause_of[p.routine_id]
            # the automation's own commands: mode off when opened, back when closed
            at_off = attr_table[inv][
                np.clip(np.searchsorted(idx, off_t // MS_PER_MINUTE), 0, len(idx) - 1)
            ]
            at_on = attr_table[inv][
                np.clip(np.searchsorted(idx, on_t // MS_PER_MINUTE), 0, len(idx) - 1)
            ]
            self.buf.add(off_t, e, s_offmode, cause_w, at_off, occ_id)
            self.buf.add(on_t, e, s_mode, cause_w, at_on, occ_id)

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
        autos = self.by_template.get("humidity_fan", [])
        for e in self.entities("fan"):
            area = self.area_of(e)
            auto = next((p for p in autos if e in p.action_entities), None)
            if auto is not None and auto.trigger_entity in self.fan_humidity:
                t, h = self.fan_humidity[auto.trigger_entity]
                hi, lo = auto.params["on_above"], auto.params["off_below"]
                up = np.flatnonzero((h[1:] >= hi) & (h[:-1] < hi)) + 1
                down = np.flatnonzero((h[1:] <= lo) & (h[:-1] > lo)) + 1
                nxt = np.searchsorted(down, up)
                has = nxt < len(down)
                up, off = up[has], down[nxt[has]]
                # one run per rise: skip rises that happen while the fan is already running
                first = np.concatenate(([True], up[1:] > off[:-1])) if len(up) else up.astype(bool)
                up, off = up[first], off[first]
                auto.opportunities = len(up)
                ok = self.executed(auto, len(up))
                occ_id = np.flatnonzero(ok).astype(np.int32)
                cause = self.cause_of[auto.routine_id]
                self.buf.add(
                    t[up[ok]] + auto.lags_ms(self.rng, int(ok.sum())),
                    e,
                    self.s_on,
                    cause,
                    occurrence=occ_id,
                )
                self.buf.add(
                    t[off[ok]] + auto.lags_ms(self.rng, int(ok.sum())),
                    e,
                    self.s_off,
                    cause,
                    occurrence=occ_id,
                )
            else:
                starts = np.concatenate(
                    [o.shower_starts for o in self.occ.occupants if o.shower_bathroom == area]
                    or [np.zeros(0, int)]
                )
                use = self.rng.random(len(starts)) < 0.35
                s = starts[use] + self.rng.integers(1, 4, int(use.sum()))
                t_on = s * MS_PER_MINUTE + self.jitter_ms(len(s))
                self.buf.add(t_on, e, self.s_on, self.c_occupant)
                self.buf.add(
                    t_on + self.rng.integers(15, 40, len(s)) * MS_PER_MINUTE,
                    e,
                    self.s_off,
                    self.c_occupant,
                )
