"""Events of one home, each from a mechanism: occupants, planted routines and automations,
physics (thermal model, humidity, power) and seeded noise.

The mechanisms live in the `mech_*` modules; each works on whole minute-grid arrays and emits
*commands* into the home's EventBuffer — nothing loops per minute or per event. The only
sequential loop is the building's thermal model (`thermal`), stepped every 15 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.automation_runs import OccurrenceTruth, record_runs
from homeiq_assets.sim.clock import MS_PER_MINUTE, Window
from homeiq_assets.sim.events import HomeEvents, RecordedEvents, apply_unavailable_gaps
from homeiq_assets.sim.layout import Home
from homeiq_assets.sim.mechanisms.access import AccessMechanisms
from homeiq_assets.sim.mechanisms.appliances import ApplianceMechanisms
from homeiq_assets.sim.mechanisms.climate import ClimateMechanisms
from homeiq_assets.sim.mechanisms.context import Vocabs
from homeiq_assets.sim.mechanisms.lighting import LightingMechanisms
from homeiq_assets.sim.mechanisms.thermal import COOL_BAND_C
from homeiq_assets.sim.occupancy import Occupancy
from homeiq_assets.sim.presence import person_events
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.sim.routines import Planted, SynergyCandidate


@dataclass
class HomeSimulation:
    home: Home
    occupancy: Occupancy
    events: RecordedEvents  # sorted by time: state changes and automation runs, with contexts
    occurrences: list[OccurrenceTruth]  # per planted item, the occurrences the events show
    planted: list[Planted]
    synergies: list[SynergyCandidate]
    indoor_temp_min: np.ndarray  # per minute, the thermostat's zone
    setpoint_min: np.ndarray
    hvac_state_min: np.ndarray  # int8 per minute: 0 idle/off, 1 heating, 2 cooling
    cooling_offset_c: float  # cooling works towards setpoint + this
    area_temp_daily: np.ndarray  # (areas, days) mean temperature
    device_usage_daily: np.ndarray  # (devices, days) events per day


class _HomeSim(LightingMechanisms, AccessMechanisms, ClimateMechanisms, ApplianceMechanisms):
    """Runs every mechanism of one home, in causal order, and assembles its events."""

    # ----------------------------------------------------------------- assemble
    def run(self) -> HomeSimulation:
        self.doors()  # first: walk-ins into the entrance follow the front door
        self.motion()
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
        # every command is on a device's entity (automation entities only appear in runs)
        commands = np.concatenate(self.buf.entity) if self.buf.entity else np.zeros(0, np.int64)
        self.batteries(np.bincount(dev_of_entity[commands], minlength=n_dev))
        ev = self.buf.merged()
        ev = self._noise(ev)
        ev = ev.take(np.flatnonzero((ev.t >= 0) & (ev.t < self.T * MS_PER_MINUTE)))
        days = self.window.days
        # events per device and day (a count: one bincount, in any row order)
        cell = dev_of_entity[ev.entity] * days + ev.t // 86_400_000
        usage = np.bincount(cell, minlength=n_dev * days).reshape(n_dev, days).astype(np.float64)
        # people's presence (`person.*`, entity codes after the home's other entities), from
        # the occupancy timeline; each change is its own context, like a phone's report
        people = person_events(
            self.home,
            self.occ,
            self.window,
            self.seed,
            self.v.states,
            self.v.attrs,
            self.c_occupant,
        )
        # one stable sort by time for both: rows tied on (time, entity) are all devices' or
        # all people's, so they keep the order two sorts in turn would give them
        ev = (HomeEvents.concat([ev, people]) if len(people) else ev).by_time()
        recorded, occurrences = record_runs(
            ev,
            self.planted,
            self.home,
            self.cause_of,
            (self.v.states, self.v.attrs),
            self.c_occupant,
            self.T * MS_PER_MINUTE,
        )
        self._typical_times(occurrences)
        area_temp = np.stack(
            [
                self.area_temperature(a)[: days * 1440].reshape(days, 1440).mean(1)
                for a in range(len(self.home.areas))
            ]
        )
        return HomeSimulation(
            self.home,
            self.occ,
            recorded,
            occurrences,
            self.planted,
            self.synergies,
            self.indoor_temp,
            self.setpoint,
            self.hvac_state,
            COOL_BAND_C,
            area_temp,
            usage,
        )

    def _typical_times(self, occurrences: list[OccurrenceTruth]) -> None:
        """Habits tied to the household's day (coffee after waking, locking up at bedtime)
        have no clock time; ground truth gives the local time they typically happen at (the
        circular mean of their first changes), which time-of-day patterns are judged by."""
        for o in occurrences:
            p = o.planted
            if p.trigger_kind not in ("house_awake", "house_asleep") or not len(o.first_ms):
                continue
            minute = self.local_min[np.clip(o.first_ms // MS_PER_MINUTE, 0, self.T - 1)]
            angle = minute / 1440 * 2 * np.pi
            mean = np.arctan2(np.sin(angle).mean(), np.cos(angle).mean()) % (2 * np.pi)
            p.time_local_h = round(float(mean / (2 * np.pi) * 24), 3)

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


__all__ = ["HomeSimulation", "Vocabs", "simulate_home"]
