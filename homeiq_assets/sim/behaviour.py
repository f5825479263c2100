"""Events of one home, each from a mechanism: occupants, planted routines and automations,
physics (thermal model, humidity, power) and seeded noise.

Every mechanism works on whole minute-grid arrays and emits *commands* into an EventBuffer;
nothing here loops per minute or per event. The only sequential loop is the building's thermal
model, stepped every 15 minutes (2,880 steps for 30 days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.catalog import AREA_KINDS
from homeiq_assets.sim.clock import MS_PER_MINUTE, Window
from homeiq_assets.sim.environment import outdoor_temperature_minutes, region_weather
from homeiq_assets.sim.events import EventBuffer, HomeEvents, Vocab, apply_unavailable_gaps
from homeiq_assets.sim.filters import ar1_filter
from homeiq_assets.sim.intervals import expand_intervals, mask_from_intervals, rolling_any, runs
from homeiq_assets.sim.layout import Home
from homeiq_assets.sim.occupancy import ASLEEP, AWAY, HOME, Occupancy, simulate_occupancy
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.sim.routines import Planted, SynergyCandidate, plant_routines
from homeiq_assets.sim.sun import solar_elevation_deg

MOTION_DETECT_P = {"living_room": 0.6, "bedroom": 0.5, "office": 0.55, "dining_room": 0.7}
THERMAL_TAU_H = {
    "apartment": 40.0,
    "condo": 36.0,
    "studio": 34.0,
    "townhouse": 30.0,
    "single_family_house": 24.0,
    "multi_story": 26.0,
    "ranch_house": 22.0,
    "cottage": 16.0,
}
STEP_MIN = 15
COOL_BAND_C = 3.0  # cooling starts this far above the heating setpoint
CAR_ARCHETYPES = ("office_worker", "shift_worker", "retired")


@dataclass
class Vocabs:
    """String vocabularies shared by the homes of a shard."""

    states: Vocab
    attrs: Vocab
    causes: Vocab

    @classmethod
    def new(cls) -> Vocabs:
        return cls(Vocab(), Vocab(), Vocab())


@dataclass
class HomeSimulation:
    home: Home
    occupancy: Occupancy
    events: HomeEvents  # sorted by time
    planted: list[Planted]
    synergies: list[SynergyCandidate]
    indoor_temp_min: np.ndarray  # per minute, the thermostat's zone
    setpoint_min: np.ndarray
    hvac_state_min: np.ndarray  # int8 per minute: 0 idle/off, 1 heating, 2 cooling
    cooling_offset_c: float  # cooling works towards setpoint + this
    area_temp_daily: np.ndarray  # (areas, days) mean temperature
    device_usage_daily: np.ndarray  # (devices, days) events per day


@dataclass
class _Interval:
    """On/off intervals of an actuator with the causes of their edges (ms, window-relative)."""

    start: np.ndarray
    end: np.ndarray
    on_cause: np.ndarray
    off_cause: np.ndarray
    on_occ: np.ndarray
    off_occ: np.ndarray

    @staticmethod
    def empty() -> _Interval:
        z = np.zeros(0, np.int64)
        zi = np.zeros(0, np.int32)
        return _Interval(z, z, zi, zi, zi, zi)

    @staticmethod
    def concat(parts: list[_Interval]) -> _Interval:
        return _Interval(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("start", "end", "on_cause", "off_cause", "on_occ", "off_occ")
            )
        )

    def merged(self) -> _Interval:
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
        return _Interval(
            self.start[first],
            self.end[last],
            self.on_cause[first],
            self.off_cause[last],
            self.on_occ[first],
            self.off_occ[last],
        )


def _hold(regime: np.ndarray, min_len: int) -> np.ndarray:
    """Ignore regime changes that last less than `min_len` minutes (a thermostat schedule
    does not react to a three-minute bathroom trip at night)."""
    change = np.flatnonzero(np.diff(regime)) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [len(regime)])))
    values = regime[starts].copy()
    keep = (lengths >= min_len) | (np.arange(len(starts)) == 0)
    kept_idx = np.maximum.accumulate(np.where(keep, np.arange(len(starts)), 0))
    return np.repeat(values[kept_idx], lengths)


class _HomeSim:
    """Runs every mechanism of one home into an EventBuffer."""

    def __init__(self, home: Home, window: Window, seed: int, noise: bool, vocabs: Vocabs):
        self.home = home
        self.window = window
        self.seed = seed
        self.noise = noise
        self.T = window.minutes
        self.rng = derive_rng(seed, home.home_id, "events")
        self.occ = simulate_occupancy(home, window, seed)
        self.buf = EventBuffer(vocabs.states, vocabs.attrs, vocabs.causes)
        self.v = vocabs
        self.c_occupant = vocabs.causes.code("occupant")
        self.c_physics = vocabs.causes.code("physics")
        self.c_noise = vocabs.causes.code("noise")
        self.s_on = vocabs.states.code("on")
        self.s_off = vocabs.states.code("off")
        # the sun moves < 1.3° in 5 minutes: evaluate every 5 minutes and interpolate
        coarse = np.arange(0, self.T + 5, 5)
        elevation = solar_elevation_deg(
            window.start_ms / 1000 + coarse * 60.0, home.latitude, home.longitude
        )
        self.sun = np.interp(np.arange(self.T), coarse, elevation)
        self.t_out = outdoor_temperature_minutes(home.region, window, seed)
        self.weather = region_weather(home.region.name, window, seed)
        self.local_min = self.occ.local_minute
        self.local_hour = self.local_min // 60
        self.n_home = self.occ.count_home()
        self.n_awake = self.occ.count_awake_home()
        self.planted, self.synergies = plant_routines(home, seed)
        self.by_template: dict[str, list[Planted]] = {}
        for p in self.planted:
            self.by_template.setdefault(p.template, []).append(p)
        self.cause_of = {p.routine_id: vocabs.causes.code(p.routine_id) for p in self.planted}
        self._active: dict[int, np.ndarray] = {}
        self.motion_on: dict[int, np.ndarray] = {}  # area -> per-minute motion state
        self.motion_entity: dict[int, int] = {}
        self.power_diff = np.zeros(self.T + 1, dtype=np.float64)  # appliance watts
        self.light_intervals: list[_Interval] = []
        self.trigger_entities = {
            p.trigger_entity for p in self.planted if p.trigger_entity is not None
        }

    # ----------------------------------------------------------------- helpers
    def active(self, area: int) -> np.ndarray:
        if area not in self._active:
            self._active[area] = self.occ.active_in(area)
        return self._active[area]

    def jitter_ms(self, n: int, hi: int = MS_PER_MINUTE) -> np.ndarray:
        return self.rng.integers(0, hi, n).astype(np.int64)

    def entities(self, key: str) -> list[int]:
        return [i for i, e in enumerate(self.home.entities) if e.key == key]

    def area_of(self, entity: int) -> int:
        return self.home.devices[self.home.entities[entity].device_index].area_index

    def device_entity(self, entity: int, key: str) -> int | None:
        return self.home.entity_of(self.home.entities[entity].device_index, key)

    def add_power(self, start_min: np.ndarray, end_min: np.ndarray, watts: np.ndarray) -> None:
        s = np.clip(start_min, 0, self.T)
        e = np.clip(end_min, 0, self.T)
        np.add.at(self.power_diff, s, watts)
        np.add.at(self.power_diff, e, -watts)

    def executed(self, p: Planted, n: int) -> np.ndarray:
        return self.rng.random(n) < p.adherence

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
            self.motion_on[area] = state
            self.motion_entity[area] = e
            starts, ends = runs(state)
            cause_on = np.where(detect[starts], self.c_occupant, self.c_noise)
            # motion sensor events land at the start of the minute (+ up to 20 s)
            t_on = starts * MS_PER_MINUTE + self.jitter_ms(len(starts), 20_000)
            t_off = ends * MS_PER_MINUTE + self.jitter_ms(len(ends), 20_000)
            self.buf.add(t_on, e, self.s_on, cause_on)
            self.buf.add(t_off, e, self.s_off, cause_on)

    def door_minutes(self) -> np.ndarray:
        if not hasattr(self, "_door"):
            starts = np.concatenate([o.away_starts for o in self.occ.occupants])
            ends = np.concatenate([o.away_ends for o in self.occ.occupants])
            self._door = mask_from_intervals(
                np.concatenate((starts - 1, ends)), np.concatenate((starts + 1, ends + 2)), self.T
            )
        return self._door

    # ----------------------------------------------------------------- lights
    def _manual_light(self, area: int, mask: np.ndarray, forget_p: float) -> _Interval:
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
        return _Interval(
            start[keep],
            end[keep],
            np.full(int(keep.sum()), self.c_occupant, np.int32),
            off_cause[keep],
            np.full(int(keep.sum()), -1, np.int32),
            np.full(int(keep.sum()), -1, np.int32),
        )

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
            parts: list[_Interval] = []
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
                    _Interval(
                        st * MS_PER_MINUTE + self.jitter_ms(len(st)),
                        (st + dur) * MS_PER_MINUTE + self.jitter_ms(len(st)),
                        np.full(len(st), self.c_noise, np.int32),
                        np.full(len(st), self.c_noise, np.int32),
                        np.full(len(st), -1, np.int32),
                        np.full(len(st), -1, np.int32),
                    )
                )
            iv = _Interval.concat(parts).merged() if parts else _Interval.empty()
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
    ) -> _Interval:
        p.opportunities = 0
        motion = self.motion_on.get(area)
        if motion is None:
            return self._manual_light(area, manual_mask, 0.05)
        s, e = runs(motion)
        trig = s[dark[np.clip(s, 0, self.T - 1)]]
        trig_e = e[dark[np.clip(s, 0, self.T - 1)]]
        p.opportunities = len(trig)
        ok = self.executed(p, len(trig))
        occ_id = np.arange(len(trig), dtype=np.int32)
        motion_e = self.motion_entity[area]
        # the light follows the motion sensor's own event time plus the automation's lag
        t_motion = self._motion_event_times(motion_e, trig)
        start = t_motion + p.lags_ms(self.rng, len(trig))
        end = (
            trig_e * MS_PER_MINUTE
            + int(p.params["off_after_min"] * MS_PER_MINUTE)
            + p.lags_ms(self.rng, len(trig))
        )
        cause = self.cause_of[p.routine_id]
        auto = _Interval(
            start[ok],
            end[ok],
            np.full(int(ok.sum()), cause, np.int32),
            np.full(int(ok.sum()), cause, np.int32),
            occ_id[ok],
            occ_id[ok],
        )
        # when the automation does not fire, the occupant switches the light by hand
        missed = mask_from_intervals(trig[~ok], trig_e[~ok], self.T) & manual_mask
        return _Interval.concat([auto, self._manual_light(area, missed, 0.05)])

    def _motion_event_times(self, motion_entity: int, minutes: np.ndarray) -> np.ndarray:
        """Times of the motion sensor's `on` events at the given minutes (already buffered)."""
        for t, ent, st in zip(self.buf.t, self.buf.entity, self.buf.state, strict=True):
            if len(ent) and ent[0] == motion_entity and st[0] == self.s_on:
                idx = np.searchsorted(t, minutes * MS_PER_MINUTE)
                return t[np.clip(idx, 0, len(t) - 1)]
        return minutes * MS_PER_MINUTE

    def _arrival_light(self, p: Planted) -> _Interval:
        door_e = p.trigger_entity
        times = self.door_open_times
        arrivals = times[self.door_is_arrival]
        minute = np.clip(arrivals // MS_PER_MINUTE, 0, self.T - 1)
        trig = arrivals[self.sun[minute] < 0]
        p.opportunities = len(trig)
        ok = self.executed(p, len(trig))
        occ_id = np.arange(len(trig), dtype=np.int32)[ok]
        start = trig[ok] + p.lags_ms(self.rng, int(ok.sum()))
        end = start + self.rng.integers(3, 8, len(start)) * MS_PER_MINUTE
        cause = self.cause_of[p.routine_id]
        assert door_e is not None
        return _Interval(
            start,
            end,
            np.full(len(start), cause, np.int32),
            np.full(len(start), cause, np.int32),
            occ_id,
            occ_id,
        )

    def _sunset_light(self, p: Planted) -> _Interval:
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
        return _Interval(
            start[keep],
            end[keep],
            np.full(int(keep.sum()), cause, np.int32),
            np.full(int(keep.sum()), cause, np.int32),
            occ_id[keep],
            occ_id[keep],
        )

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
        self.door_open_times = open_ms
        self.door_is_arrival = is_arrival
        for e in self.entities("door"):
            close_ms = open_ms + self.rng.integers(8_000, 60_000, len(t))
            extra_t = np.zeros(0, np.int64)
            if self.noise:  # deliveries and neighbours at the door
                n = self.rng.poisson(0.15 * self.window.days)
                extra_t = self.rng.integers(0, self.T, n)
                extra_t = extra_t[self.n_awake[extra_t] > 0] * MS_PER_MINUTE
            self.buf.add(
                np.concatenate((open_ms, extra_t)),
                e,
                self.s_on,
                np.concatenate(
                    (np.full(len(open_ms), self.c_occupant), np.full(len(extra_t), self.c_noise))
                ),
            )
            self.buf.add(
                np.concatenate((close_ms, extra_t + 30_000)),
                e,
                self.s_off,
                np.concatenate(
                    (np.full(len(open_ms), self.c_occupant), np.full(len(extra_t), self.c_noise))
                ),
            )
        for e in self.entities("cover"):
            tc = open_ms[car] - 45_000
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
        self.buf.add(t - 25_000, e, s_unlocked, self.c_occupant)
        self.buf.add(
            t[empty_after] + self.rng.integers(20_000, 60_000, int(empty_after.sum())),
            e,
            s_locked,
            self.c_occupant,
        )
        self.lock_departure_ms = t[empty_after] + 60_000
        self.lock_arrival_ms = t[arrival & (self.n_home[np.clip(minute - 1, 0, self.T - 1)] == 0)]

        # bedtime: the last one to bed locks up (routine) or may do it by hand
        sleeps = np.stack([o.sleep for o in self.occ.occupants])
        bed = sleeps.max(axis=0)
        bed = bed[(bed > 0) & (bed < self.T - 1)]
        all_down = (self.n_awake[bed + 1] == 0) & (self.n_home[bed + 1] > 0)
        bed = bed[all_down]
        routines = self.by_template.get("bedtime_lock", [])
        done = np.zeros(len(bed), dtype=bool)
        if routines:
            p = routines[0]
            p.opportunities = len(bed)
            done = self.executed(p, len(bed))
            t_r = bed[done] * MS_PER_MINUTE + p.lags_ms(self.rng, int(done.sum()))
            occ_id = np.flatnonzero(done).astype(np.int32)
            cause = self.cause_of[p.routine_id]
            self.buf.add(t_r, e, s_locked, cause, occurrence=occ_id)
            self.bedtime_routine = (p, t_r, occ_id)
        manual = ~done & (self.rng.random(len(bed)) < 0.5)
        self.buf.add(
            bed[manual] * MS_PER_MINUTE - self.rng.integers(60_000, 1_200_000, int(manual.sum())),
            e,
            s_locked,
            self.c_occupant,
        )

    def bedtime_lights_off(self) -> None:
        """The bedtime routine also switches off any light left on (forgotten lights)."""
        if not hasattr(self, "bedtime_routine"):
            return
        p, t_r, occ_id = self.bedtime_routine
        cause = self.cause_of[p.routine_id]
        off_attr = self.light_off_attr()
        lights = [e for e in p.action_entities if self.home.entities[e].key == "light"]
        for k, (e, iv) in enumerate(zip(self.entities("light"), self.light_intervals, strict=True)):
            if e not in lights or len(iv.start) == 0:
                continue
            # only lights that are on at that moment change state
            idx = np.searchsorted(iv.start, t_r, side="right") - 1
            on = (idx >= 0) & (iv.end[np.clip(idx, 0, None)] > t_r + 2000 + 1000 * k)
            self.buf.add(t_r[on] + 2000 + 1000 * k, e, self.s_off, cause, off_attr, occ_id[on])

    # ----------------------------------------------------------------- climate
    def climate(self) -> None:
        rng = derive_rng(self.seed, self.home.home_id, "thermal")
        T = self.T
        comfort = float(rng.uniform(19.5, 22.0))
        night = comfort - float(rng.uniform(1.5, 4.0))
        warm_region = self.home.region.annual_mean_c >= 14
        has_ac = warm_region and rng.random() < 0.7
        regime = np.where(self.n_awake > 0, 0, np.where(self.n_home > 0, 1, 0))
        setpoint = np.where(_hold(regime, 30) == 0, comfort, night)
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
        self.hvac_power_w = np.abs(lift) * float(rng.uniform(90, 160))
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
        if hasattr(self, "window_auto"):
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
        """Indoor temperature of the conditioned zone and HVAC lift (°C of equilibrium).

        First-order building: dT/dt = (T_eq − T)/τ with T_eq = T_out + gains + HVAC lift; the
        thermostat asks for the lift that reaches the setpoint within a step, limited by the
        system's capacity. Stepped every 15 minutes (the one sequential loop of the simulator).
        """
        T = self.T
        n = T // STEP_MIN
        tau_h = THERMAL_TAU_H[self.home.home_type] * float(rng.uniform(0.8, 1.25))
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
        eq0 = t_out + gains
        temp = [0.0] * n
        lift = [0.0] * n
        cur = float(sp[0])
        cool_cap = capacity * 0.7 if has_ac else 0.0
        # plain floats: numpy scalar indexing would cost more than the arithmetic
        steps = zip(eq0.tolist(), a.tolist(), sp.tolist(), on.tolist(), strict=True)
        for i, (eq, ai, spi, oni) in enumerate(steps):  # 96 steps a day; all else vectorised
            free = eq + (cur - eq) * ai
            need = 0.0
            if oni:
                if free < spi:
                    need = min((spi - free) / (1 - ai), capacity)
                elif free > spi + COOL_BAND_C and cool_cap:
                    need = -min((free - spi - COOL_BAND_C) / (1 - ai), cool_cap)
            cur = free + need * (1 - ai)
            temp[i] = cur
            lift[i] = need
        minutes = np.arange(T) / STEP_MIN
        indoor = np.interp(minutes, np.arange(n) + 1.0, np.asarray(temp))
        lift_min = np.repeat(np.asarray(lift), STEP_MIN)
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
        routines = [p for p in self.by_template.get("morning_coffee", []) if e in p.action_entities]
        manual = np.ones(len(wake), dtype=bool)
        if routines:
            p = routines[0]
            weekday = self._is_weekday(wake)
            eligible = weekday if p.params["weekdays_only"] else np.ones(len(wake), bool)
            p.opportunities = int(eligible.sum())
            ok = eligible & self.executed(p, len(wake))
            occ_id = np.flatnonzero(ok).astype(np.int32)
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
        occ_id = np.flatnonzero(ok).astype(np.int32)
        on = t[ok] * MS_PER_MINUTE + p.lags_ms(self.rng, int(ok.sum()))
        cause = self.cause_of[p.routine_id]
        self.buf.add(on, e, self.s_on, cause, occurrence=occ_id)
        self.buf.add(
            on + int(p.params["minutes"]) * MS_PER_MINUTE, e, self.s_off, cause, occurrence=occ_id
        )

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
                p = autos[0]
                p.opportunities = len(s)
                ok = self.executed(p, len(s))
                occ = np.flatnonzero(ok).astype(np.int32)
                t0 = s[ok] * MS_PER_MINUTE + p.lags_ms(self.rng, int(ok.sum()))
                cause: int | np.ndarray = self.cause_of[p.routine_id]
            else:
                t0 = s[self.rng.random(len(s)) < 0.2] * MS_PER_MINUTE + 300_000
                occ, cause = None, self.c_occupant
            clean = self.rng.integers(40, 80, len(t0)) * MS_PER_MINUTE
            for state, off in (("cleaning", 0), ("returning", clean), ("docked", clean + 180_000)):
                self.buf.add(t0 + off, e, self.v.states.code(state), cause, occurrence=occ)
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
        base = float(rng.uniform(110, 340))
        # whole-home load on a 5-minute grid: standby + fridge cycling + appliances + lights +
        # the heat pump's electrical share
        grid = np.arange(0, self.T, 5)
        lights_on = np.zeros(self.T + 1)
        for iv in self.light_intervals:
            lights_on += 9.0 * (
                np.bincount(np.clip(iv.start // MS_PER_MINUTE, 0, self.T), minlength=self.T + 1)
                - np.bincount(np.clip(iv.end // MS_PER_MINUTE, 0, self.T), minlength=self.T + 1)
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
            if self.home.devices[dev].device_type != "vacuum" or not hasattr(self, "vacuum_runs"):
                continue
            t0, clean = self.vacuum_runs
            drop = rng.uniform(35, 60, len(t0))
            t = np.concatenate((t0 + clean, t0 + clean + 90 * MS_PER_MINUTE))
            v = np.concatenate((100 - drop, np.full(len(t0), 100.0)))
            self.buf.add(t, e, self.v.states.numeric_codes(v, 0), self.c_physics)

    # ----------------------------------------------------------------- assemble
    def run(self) -> HomeSimulation:
        self.motion()
        self.doors()
        self.lights()
        self.bedtime_lights_off()
        self.climate()
        self.sensors()
        self.fans()
        self.media()
        self.appliances()
        self.vacuum()
        self.smoke()
        self.energy()
        n_dev = len(self.home.devices)
        dev_of_entity = np.array([e.device_index for e in self.home.entities], dtype=np.int64)
        commands = np.concatenate(self.buf.entity) if self.buf.entity else np.zeros(0, np.int64)
        self.batteries(np.bincount(dev_of_entity[commands], minlength=n_dev))
        ev = self.buf.merged()
        ev = self._noise(ev)
        ev = ev.take(np.flatnonzero((ev.t >= 0) & (ev.t < self.T * MS_PER_MINUTE)))
        ev = ev.by_time()
        days = self.window.days
        day = ev.t // 86_400_000
        usage = np.zeros((n_dev, days))
        np.add.at(usage, (dev_of_entity[ev.entity], day), 1)
        area_temp = np.stack(
            [
                self.area_temperature(a)[: days * 1440].reshape(days, 1440).mean(1)
                for a in range(len(self.home.areas))
            ]
        )
        return HomeSimulation(
            self.home,
            self.occ,
            ev,
            self.planted,
            self.synergies,
            self.indoor_temp,
            self.setpoint,
            self.hvac_state,
            COOL_BAND_C,
            area_temp,
            usage,
        )

    def _noise(self, ev: HomeEvents) -> HomeEvents:
        if not self.noise or len(ev) == 0:
            return ev
        rng = derive_rng(self.seed, self.home.home_id, "noise")
        eligible = [
            i
            for i, e in enumerate(self.home.entities)
            if e.domain in ("sensor", "binary_sensor")
            and i not in self.trigger_entities
            and e.device_class not in ("power", "energy")
        ]
        days = self.window.days
        gap_e, gap_s, gap_end = [], [], []
        if eligible:
            elig = np.array(eligible, dtype=np.int32)
            hit = rng.random((len(elig), days)) < 0.02
            ent_idx, day_idx = np.nonzero(hit)
            start = day_idx * 86_400_000 + rng.integers(0, 80_000_000, len(day_idx))
            length = rng.integers(5, 120, len(day_idx)) * MS_PER_MINUTE
            gap_e, gap_s, gap_end = elig[ent_idx], start, start + length
        ev = apply_unavailable_gaps(
            ev,
            np.asarray(gap_e, dtype=np.int32),
            np.asarray(gap_s, dtype=np.int64),
            np.asarray(gap_end, dtype=np.int64),
            self.v.states.code("unavailable"),
            self.c_noise,
        )
        dup = np.flatnonzero(rng.random(len(ev)) < 0.001)
        copy = ev.take(dup)
        copy.t = copy.t + rng.integers(1, 400, len(dup))
        copy.cause = np.full(len(dup), self.c_noise, np.int32)
        copy.occurrence = np.full(len(dup), -1, np.int32)
        return HomeEvents.concat([ev, copy])


def simulate_home(
    home: Home, window: Window, seed: int, noise: bool, vocabs: Vocabs
) -> HomeSimulation:
    """All events, ground truth and daily aggregates of one home."""
    return _HomeSim(home, window, seed, noise, vocabs).run()


__all__ = ["ASLEEP", "AWAY", "HOME", "HomeSimulation", "Vocabs", "simulate_home"]
