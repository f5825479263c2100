"""Shared state of one home's simulation: its occupancy, sun, weather, planted routines and
the event buffer every mechanism writes to."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.clock import MS_PER_MINUTE, Window
from homeiq_assets.sim.environment import outdoor_temperature_minutes, region_weather
from homeiq_assets.sim.events import EventBuffer, Vocab
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
        self.n_home = self.occ.count_home()
        self.n_awake = self.occ.count_awake_home()
        self.planted, self.synergies = plant_routines(home, seed)
        self.by_template: dict[str, list[Planted]] = {}
        for p in self.planted:
            self.by_template.setdefault(p.template, []).append(p)
        self.cause_of = {p.routine_id: vocabs.causes.code(p.routine_id) for p in self.planted}
        self._active: dict[int, np.ndarray] = {}
        # handed from one mechanism to a later one (run() calls them in causal order)
        self.motion_runs: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.bedtime_routine: tuple[Planted, np.ndarray, np.ndarray] | None = None
        self.window_auto: tuple[Planted, np.ndarray, np.ndarray, np.ndarray] | None = None
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
