"""Shared state of one home's simulation: its occupancy, sun, weather, planted routines and
the event buffer every mechanism writes to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.clock import MS_PER_MINUTE, Window, local_day_starts
from homeiq_assets.sim.environment import outdoor_temperature_minutes, region_weather
from homeiq_assets.sim.events import EventBuffer, Vocab
from homeiq_assets.sim.intervals import runs
from homeiq_assets.sim.layout import Home
from homeiq_assets.sim.mechanisms.switching import OnIntervals
from homeiq_assets.sim.occupancy import simulate_occupancy
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.sim.routines import Planted, plant_routines
from homeiq_assets.sim.sun import solar_elevation_deg


@dataclass
class Vocabs:
    """String vocabularies shared by the homes of a shard."""

    states: Vocab
    attrs: Vocab
    causes: Vocab

    @classmethod
    def new(cls) -> Vocabs:
        return cls(Vocab(), Vocab(), Vocab())


class HomeContext:
    """What every mechanism of a home reads, and the buffer they write commands to."""

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
        self.local_day_starts = local_day_starts(window, home.region.timezone)
        self.n_home = self.occ.count_home()
        self.n_awake = self.occ.count_awake_home()
        self.planted, self.synergies = plant_routines(home, seed)
        self.by_template: dict[str, list[Planted]] = {}
        for p in self.planted:
            self.by_template.setdefault(p.template, []).append(p)
        self.cause_of = {p.routine_id: vocabs.causes.code(p.routine_id) for p in self.planted}
        self._active: dict[int, np.ndarray] = {}
        self._visits: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # handed from one mechanism to a later one (run() calls them in causal order)
        self.motion_runs: dict = {}  # motion entity -> its runs (motion())
        self.door_open_times = np.zeros(0, np.int64)  # every front-door opening (doors())
        self.door_is_arrival = np.zeros(0, bool)
        # per door sensor: openings that changed its state (a trigger a habit or an
        # automation can react to), and whether each was an arrival
        self.door_opens: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.lock_departures = np.zeros(0, np.int64)  # `locked` when the last one left
        self.lock_arrivals = np.zeros(0, np.int64)  # `unlocked` on coming back to an empty home
        self.bedtime_routine: tuple[Planted, np.ndarray, np.ndarray] | None = None
        self.vacuum_runs: tuple[np.ndarray, np.ndarray] | None = None
        self.power_diff = np.zeros(self.T + 1, dtype=np.float64)  # appliance watts
        self.light_intervals: list[OnIntervals] = []
        self.trigger_entities = {
            p.trigger_entity for p in self.planted if p.trigger_entity is not None
        }

    # ----------------------------------------------------------------- helpers
    def active(self, area: int) -> np.ndarray:
        if area not in self._active:
            self._active[area] = self.occ.active_in(area)
        return self._active[area]

    def visits(self, area: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Visits of an area: (first minute, end minute, the moment someone walks in, window
        ms). A walk-in into the entrance on arrival follows the front door by a second or
        two; other walk-ins fall anywhere in their first minute."""
        if area not in self._visits:
            v_s, v_e, entry = self.visits_of(self.active(area))
            if self.home.areas[area].kind == "entrance" and len(self.door_open_times):
                arrivals = self.door_open_times[self.door_is_arrival]
                minute = arrivals // MS_PER_MINUTE
                pos = np.minimum(np.searchsorted(minute, v_s), max(len(minute) - 1, 0))
                hit = (minute[pos] == v_s) if len(minute) else np.zeros(len(v_s), bool)
                entry[hit] = arrivals[pos[hit]] + self.rng.integers(800, 2_500, int(hit.sum()))
            self._visits[area] = (v_s, v_e, entry)
        return self._visits[area]

    def visits_of(self, present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        v_s, v_e = runs(present)
        return v_s, v_e, v_s * MS_PER_MINUTE + self.rng.integers(0, 55_000, len(v_s))

    def lognormal_ms(
        self, median_s: float, sigma: float, n: int, lo_ms: int, hi_ms: int
    ) -> np.ndarray:
        """Human lags: lognormal around `median_s`, clipped to [lo_ms, hi_ms]."""
        lag = median_s * 1000 * np.exp(sigma * self.rng.standard_normal(n))
        return np.clip(np.round(lag), lo_ms, hi_ms).astype(np.int64)

    def jitter_ms(self, n: int, hi: int = MS_PER_MINUTE) -> np.ndarray:
        return self.rng.integers(0, hi, n).astype(np.int64)

    def entities(self, key: str) -> list[int]:
        return [i for i, e in enumerate(self.home.entities) if e.key == key and e.device_index >= 0]

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
