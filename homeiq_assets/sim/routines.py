"""What a household has planted: Home Assistant automations and manual habits, and synergy
ground truth.

Two kinds of planted item, as a real home has them (see docs/tables.md, "gt_routines"):

- an **automation** is run by Home Assistant. It has an `automation.*` entity, fires whenever its
  trigger happens and its conditions hold (`adherence` is the share of triggers whose conditions
  pass), and the state changes it causes carry its context. It reacts after its `for:` delay (if
  any) plus a device latency of 0.3–3 s (issue-10 research §4: Hue under 1 s, Zigbee bulbs
  1–2 s, Caseta about 2 s);
- a **habit** is done by hand: a household member does B after A (the front door opens after
  dark → the hallway light goes on), or at a time of day, with adherence below 1 and a human
  lag of seconds to minutes. Nothing in Home Assistant records it: finding habits is what the
  pattern detector is for, and a habit linking two devices is an automation opportunity.

Human and automation timing overlap on purpose: a person switches a light on within seconds of
entering a dark room, an automation within a second or two, and automations with a `for:`
delay react after tens of seconds. The lag models live here so ground truth can state each
item's lag band.

The synergy candidates of a home are every compatible trigger→action device pair; a pair an
automation already links is not a candidate (Home Assistant knows it is automated), and a
candidate is positive when a habit links it. A habit is only planted for a relationship type
that keeps unlinked candidates, so device types alone never give the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from homeiq_assets.sim.layout import Entity, Home, slugify
from homeiq_assets.sim.occupancy import bathroom_for
from homeiq_assets.sim.rng import derive_rng

# relationship type -> (trigger device types, trigger entity key, action device types,
#                       action entity key)
RELATIONSHIPS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...], str]] = {
    "motion_light": (
        ("motion_sensor",),
        "motion",
        ("ceiling_light", "lamp", "outdoor_light"),
        "light",
    ),
    "door_light": (("door_sensor",), "door", ("ceiling_light", "outdoor_light"), "light"),
    "humidity_fan": (("climate_sensor",), "humidity", ("bathroom_fan",), "fan"),
    "window_climate": (("window_sensor",), "window", ("thermostat",), "climate"),
    "presence_climate": (("door_lock",), "lock", ("thermostat",), "climate"),
}

PASSAGES = ("entrance", "hallway")  # areas people walk through on the way to a room
DOOR_ROOMS = ("entrance", "porch")  # the lights either side of the front door


def plausible_pair(
    relationship: str,
    trigger: tuple[str, str, int, bool],
    action: tuple[str, str, int, bool],
) -> bool:
    """Whether an automation could sensibly link a trigger in area (id, kind, floor level,
    indoor) to an action in another: the same area; the entrance and a hallway on the same
    floor (a walk-in passes both); outdoors with outdoors or the entrance; the front door and
    the rooms it opens onto; any window or lock with the thermostat. Home Assistant knows areas
    and floors, so a detector applies the same rule: a bedroom motion sensor and the kitchen
    light are not a candidate."""
    (t_id, t_kind, t_floor, t_in), (a_id, a_kind, a_floor, a_in) = trigger, action
    if relationship in ("window_climate", "presence_climate"):
        return True
    if t_id == a_id:
        return True
    if relationship == "humidity_fan":
        return False
    if relationship == "door_light":
        return a_kind in DOOR_ROOMS and a_floor == t_floor
    if not t_in or not a_in:  # outdoors, with outdoors or the entrance
        return (not t_in or t_kind == "entrance") and (not a_in or a_kind == "entrance")
    return t_kind in PASSAGES and a_kind in PASSAGES and t_floor == a_floor


AUTOMATION_LATENCY_S = (0.3, 3.0)  # trigger (after any `for:`) to the device's new state
LAG_CLIP_SIGMAS = 2.5  # lognormal lags are clipped to median · exp(±2.5 σ)


@dataclass(frozen=True)
class LagModel:
    """Trigger-to-action lag: an optional fixed `for:` delay plus a lognormal reaction (median,
    sigma) clipped to [lo_s, hi_s]. Everything a run's timing depends on, so ground truth can
    state the band every occurrence lies in."""

    median_s: float
    sigma: float
    lo_s: float
    hi_s: float
    for_s: float = 0.0

    @staticmethod
    def human(median_s: float, sigma: float, floor_s: float = 0.4) -> LagModel:
        lo = max(floor_s, median_s * np.exp(-LAG_CLIP_SIGMAS * sigma))
        return LagModel(
            median_s, sigma, float(lo), float(median_s * np.exp(LAG_CLIP_SIGMAS * sigma))
        )

    @staticmethod
    def automation(rng: np.random.Generator, for_s: float = 0.0) -> LagModel:
        """Home Assistant reacts in the same event-loop pass; the device then reports its new
        state after its radio latency (median 0.6–1.6 s here, within 0.3–3 s)."""
        lo, hi = AUTOMATION_LATENCY_S
        median = float(rng.uniform(0.6, 1.6))
        return LagModel(median, float(rng.uniform(0.25, 0.45)), lo, hi, for_s)

    def draw_ms(self, rng: np.random.Generator, n: int, with_for: bool = True) -> np.ndarray:
        """Lags in ms; `with_for=False` gives the reaction alone (a run started by a trigger
        without the delay, or timed from the end of the delay)."""
        lag = self.median_s * np.exp(self.sigma * rng.standard_normal(n))
        lag = np.clip(lag, self.lo_s, self.hi_s) + (self.for_s if with_for else 0.0)
        return np.round(lag * 1000).astype(np.int64)

    @property
    def band_s(self) -> tuple[float, float]:
        return self.for_s + self.lo_s, self.for_s + self.hi_s

    @property
    def mean_s(self) -> float:
        return self.for_s + self.median_s * float(np.exp(self.sigma**2 / 2))

    @property
    def std_s(self) -> float:
        s2 = self.sigma**2
        return self.median_s * float(np.sqrt((np.exp(s2) - 1) * np.exp(s2)))


@dataclass
class Planted:
    """One planted automation or habit with its household-specific parameters.

    Mechanisms fill, indexed by occurrence id: `trigger_ms` (window ms of what each occurrence
    reacted to: a state change, a scheduled time, a wake-up), `fire_ms` (when an automation run
    starts: the trigger plus its `for:` delay) and `step` (0: the item's reaction, trigger_state
    → action_state, within the lag band; 1: the reverse run of a two-trigger automation, such
    as the light going off again once the room is empty).
    """

    routine_id: str
    kind: str  # "automation" | "habit"
    template: str
    description: str
    trigger_kind: str  # state | numeric_above | time | sun | presence | house_awake | house_asleep
    trigger_entity: int | None
    trigger_state: str | None
    action_entities: list[int]
    action_state: str | None  # None: the action changes attributes (a setpoint), not the state
    relationship: str | None
    adherence: float
    lag: LagModel
    time_local_h: float | None = None
    params: dict[str, float] = field(default_factory=dict)
    area_index: int | None = None
    alias: str | None = None  # automation name (friendly name of its entity)
    automation_entity: int | None = None
    opportunities: int = 0
    trigger_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    fire_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    step: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))

    @property
    def is_automation(self) -> bool:
        return self.kind == "automation"

    def lags_ms(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.lag.draw_ms(rng, n)

    def record_runs(
        self, trigger_ms: np.ndarray, fire_ms: np.ndarray | None = None, step: int = 0
    ) -> np.ndarray:
        """Register occurrences (their trigger times, when an automation run starts — by
        default the trigger plus its `for:` delay — and their step) and return their ids."""
        trigger_ms = np.asarray(trigger_ms, dtype=np.int64)
        first = len(self.trigger_ms)
        self.trigger_ms = np.concatenate((self.trigger_ms, trigger_ms))
        fire = trigger_ms + int(self.lag.for_s * 1000) if fire_ms is None else fire_ms
        self.fire_ms = np.concatenate((self.fire_ms, np.asarray(fire, dtype=np.int64)))
        self.step = np.concatenate((self.step, np.full(len(trigger_ms), step, np.int8)))
        return np.arange(first, len(self.trigger_ms), dtype=np.int32)


@dataclass
class SynergyCandidate:
    trigger_device: int
    trigger_entity: int
    action_device: int
    action_entity: int
    relationship: str
    same_area: bool
    automated_by: str | None = None  # an automation already links the pair: not a candidate
    linked_by: str | None = None  # a habit links the pair: an automation opportunity


def _place(home: Home, device: int) -> tuple[str, str, int, bool]:
    area = home.areas[home.devices[device].area_index]
    return area.area_id, area.kind, area.floor_level, area.indoor


def synergy_candidates(home: Home) -> list[SynergyCandidate]:
    """Every compatible trigger→action pair of the home (device types that fit the
    relationship, placed where a link makes sense: `plausible_pair`), in a stable order."""
    out = []
    for rel, (t_types, t_key, a_types, a_key) in RELATIONSHIPS.items():
        for ti, tdev in enumerate(home.devices):
            if tdev.device_type not in t_types:
                continue
            te = home.entity_of(ti, t_key)
            if te is None:
                continue
            for ai, adev in enumerate(home.devices):
                if adev.device_type not in a_types or ai == ti:
                    continue
                ae = home.entity_of(ai, a_key)
                if ae is None or not plausible_pair(rel, _place(home, ti), _place(home, ai)):
                    continue
                out.append(
                    SynergyCandidate(ti, te, ai, ae, rel, tdev.area_index == adev.area_index)
                )
    return out


def _rid(home: Home, template: str, suffix: str = "") -> str:
    return f"{home.home_id}.{template}{('_' + suffix) if suffix else ''}"


class _Planter:
    """Draws one household's automations and habits (one generator, a fixed order of draws)."""

    def __init__(self, home: Home, seed: int) -> None:
        self.home = home
        self.rng = derive_rng(seed, home.home_id, "routines")
        self.candidates = synergy_candidates(home)
        self.by_rel: dict[str, list[SynergyCandidate]] = {}
        for c in self.candidates:
            self.by_rel.setdefault(c.relationship, []).append(c)
        self.planted: list[Planted] = []
        self.automated_actions: set[int] = set()  # entities an automation drives
        # bathrooms someone showers in (a fan elsewhere never sees steam)
        self.showers = {bathroom_for(home, o.bedroom_index) for o in home.occupants}
        self._by_key: dict[str, list[int]] | None = None  # entity_keys, filled on first use

    # ------------------------------------------------------------------ helpers
    def adherence(self, lo: float, hi: float) -> float:
        return round(float(self.rng.uniform(lo, hi)), 3)

    def area_name(self, c: SynergyCandidate, side: str = "action") -> str:
        dev = c.action_device if side == "action" else c.trigger_device
        return self.home.areas[self.home.devices[dev].area_index].name

    def free(self, rel: str, pick: SynergyCandidate) -> list[SynergyCandidate]:
        """Candidates of `rel` that would stay unlinked and unautomated besides `pick`."""
        return [
            c
            for c in self.by_rel.get(rel, [])
            if c is not pick and c.linked_by is None and c.automated_by is None
        ]

    def automate(self, c: SynergyCandidate, p: Planted) -> None:
        c.automated_by = p.routine_id
        self.automated_actions.add(c.action_entity)
        self.planted.append(p)

    def habit(self, c: SynergyCandidate, p: Planted) -> bool:
        """Plant a habit on a candidate pair where its type keeps unlinked candidates in the
        home — or has only this one (a home's single lock→thermostat pair): then the type stays
        mixed across the fleet, most homes having no such habit."""
        if not self.can_link(c):
            return False
        c.linked_by = p.routine_id
        self.planted.append(p)
        return True

    def can_link(self, c: SynergyCandidate) -> bool:
        if c.linked_by is not None or c.automated_by is not None:
            return False
        if c.action_entity in self.automated_actions:
            return False
        return bool(self.free(c.relationship, c)) or len(self.by_rel[c.relationship]) == 1

    def for_delay(self, choices: tuple[float, ...], p: tuple[float, ...]) -> float:
        return float(self.rng.choice(np.asarray(choices), p=np.asarray(p)))

    def entity_keys(self, key: str, device_types: tuple[str, ...] | None = None) -> list[int]:
        if self._by_key is None:  # device entities per key, in entity order, listed once
            self._by_key = {}
            for i, e in enumerate(self.home.entities):
                if e.device_index >= 0:
                    self._by_key.setdefault(e.key, []).append(i)
        found = self._by_key.get(key, [])
        if device_types is None:
            return list(found)
        devices, entities = self.home.devices, self.home.entities
        return [i for i in found if devices[entities[i].device_index].device_type in device_types]

    # ------------------------------------------------------------------ automations
    def plant_automations(self) -> None:
        home, rng = self.home, self.rng
        motion_pairs = [c for c in self.by_rel.get("motion_light", []) if c.same_area]
        rng.shuffle(motion_pairs)
        areas_done: set[int] = set()
        n_motion = int(rng.integers(0, 3))
        for c in motion_pairs:
            area = home.devices[c.trigger_device].area_index
            if area in areas_done or len(areas_done) >= n_motion:
                continue
            if c.action_entity in self.automated_actions or rng.random() >= 0.7:
                continue
            areas_done.add(area)
            name = home.areas[area].name
            self.automate(
                c,
                Planted(
                    _rid(home, "motion_light", home.areas[area].area_id),
                    "automation",
                    "motion_light",
                    f"Motion in {name} turns its light on when dark, off when the room is empty",
                    "state",
                    c.trigger_entity,
                    "on",
                    [c.action_entity],
                    "on",
                    "motion_light",
                    self.adherence(0.9, 0.99),
                    LagModel.automation(rng),
                    params={"off_after_min": float(rng.integers(2, 6))},
                    area_index=area,
                    alias=f"{name} motion light",
                ),
            )

        door = [
            c
            for c in self.by_rel.get("door_light", [])
            if home.areas[home.devices[c.action_device].area_index].kind
            in ("entrance", "porch", "hallway")
            and c.action_entity not in self.automated_actions
        ]
        if door and rng.random() < 0.35:
            c = door[int(rng.integers(len(door)))]
            self.automate(
                c,
                Planted(
                    _rid(home, "arrival_light"),
                    "automation",
                    "arrival_light",
                    "Front door opening after dark turns the light on for a few minutes",
                    "state",
                    c.trigger_entity,
                    "on",
                    [c.action_entity],
                    "on",
                    "door_light",
                    self.adherence(0.9, 0.99),
                    LagModel.automation(rng),
                    alias="Arrival light",
                ),
            )

        fan = [c for c in self.by_rel.get("humidity_fan", []) if c.same_area and self.wet(c)]
        if fan and rng.random() < 0.4:
            c = fan[0]
            self.automate(
                c,
                Planted(
                    _rid(home, "humidity_fan"),
                    "automation",
                    "humidity_fan",
                    "Bathroom humidity above a threshold runs the fan until it drops",
                    "numeric_above",
                    c.trigger_entity,
                    None,
                    [c.action_entity],
                    "on",
                    "humidity_fan",
                    self.adherence(0.93, 0.99),
                    LagModel.automation(
                        rng, self.for_delay((0.0, 30.0, 60.0, 120.0), (0.4, 0.2, 0.2, 0.2))
                    ),
                    params={
                        "on_above": float(np.round(rng.uniform(68, 76))),
                        "off_below": float(np.round(rng.uniform(58, 64))),
                    },
                    area_index=home.devices[c.action_device].area_index,
                    alias=f"{self.area_name(c)} humidity fan",
                ),
            )

        window = self.by_rel.get("window_climate", [])
        if window and rng.random() < 0.3:
            c = window[int(rng.integers(len(window)))]
            self.automate(
                c,
                Planted(
                    _rid(home, "window_climate_off"),
                    "automation",
                    "window_climate_off",
                    "An open window switches the heating off until it closes",
                    "state",
                    c.trigger_entity,
                    "on",
                    [c.action_entity],
                    "off",
                    "window_climate",
                    self.adherence(0.93, 0.99),
                    LagModel.automation(
                        rng, self.for_delay((0.0, 30.0, 60.0, 120.0), (0.3, 0.3, 0.25, 0.15))
                    ),
                    alias=f"{self.area_name(c, 'trigger')} window heating off",
                ),
            )

        presence = self.by_rel.get("presence_climate", [])
        if presence and rng.random() < 0.35:
            c = presence[0]
            self.automate(
                c,
                Planted(
                    _rid(home, "away_eco"),
                    "automation",
                    "away_eco",
                    "Locking up an empty home sets the thermostat to eco; unlocking restores it",
                    "state",
                    c.trigger_entity,
                    "locked",
                    [c.action_entity],
                    None,  # a setpoint (attribute) change: the mode stays
                    "presence_climate",
                    self.adherence(0.93, 0.99),
                    LagModel.automation(
                        rng, self.for_delay((0.0, 60.0, 300.0, 600.0), (0.3, 0.3, 0.25, 0.15))
                    ),
                    params={"eco_c": float(rng.choice([15.0, 15.5, 16.0, 16.5]))},
                    alias="Away eco",
                ),
            )

        # --- time- or presence-triggered automations without a device synergy ---
        outdoor = [
            i
            for i in self.entity_keys("light")
            if not home.areas[home.devices[home.entities[i].device_index].area_index].indoor
            and i not in self.automated_actions
        ]
        if outdoor and rng.random() < 0.65:
            self.automated_actions.update(outdoor)
            self.planted.append(
                Planted(
                    _rid(home, "outdoor_lights_sunset"),
                    "automation",
                    "outdoor_lights_sunset",
                    "Outdoor lights on at sunset, off at a fixed time",
                    "sun",
                    None,
                    None,
                    outdoor,
                    "on",
                    None,
                    self.adherence(0.95, 0.99),
                    LagModel.automation(rng),
                    time_local_h=float(rng.choice([22.5, 23.0, 23.5, 24.0])),
                    alias="Outdoor lights at sunset",
                )
            )
        vacuum = self.entity_keys("vacuum")
        if vacuum and rng.random() < 0.8:
            self.planted.append(
                Planted(
                    _rid(home, "vacuum_when_away"),
                    "automation",
                    "vacuum_when_away",
                    "The robot vacuum cleans once the home has been empty for a while",
                    "presence",
                    None,
                    None,
                    vacuum,
                    "cleaning",
                    None,
                    self.adherence(0.85, 0.97),
                    LagModel.automation(rng),
                    params={"empty_for_min": float(rng.choice([10.0, 15.0, 30.0]))},
                    alias="Vacuum when away",
                )
            )
        irrigation = [
            i
            for i, e in enumerate(home.entities)
            if e.device_index >= 0 and home.devices[e.device_index].device_type == "irrigation"
        ]
        if irrigation:
            self.planted.append(
                Planted(
                    _rid(home, "irrigation_morning"),
                    "automation",
                    "irrigation_morning",
                    "Garden irrigation early in the morning unless it rained or is cold",
                    "time",
                    None,
                    None,
                    irrigation,
                    "on",
                    None,
                    self.adherence(0.9, 0.99),
                    LagModel.automation(rng),
                    time_local_h=float(rng.choice([5.0, 5.5, 6.0])),
                    params={"minutes": float(rng.integers(10, 26))},
                    alias="Morning irrigation",
                )
            )

    # ------------------------------------------------------------------ habits
    def plant_habits(self) -> None:
        home, rng = self.home, self.rng
        # motion -> light: lights the household switches on within seconds of entering when
        # dark, mostly in the same room, sometimes the next room on the way (hallway on
        # coming in through the entrance)
        motion = [c for c in self.by_rel.get("motion_light", []) if self.habit_ok(c)]
        rng.shuffle(motion)
        n_habits = int(rng.integers(1, 4))
        done_lights: set[int] = set()
        for c in motion:
            if len([p for p in self.planted if p.template == "motion_light_habit"]) >= n_habits:
                break
            if c.action_entity in done_lights:
                continue
            t_kind = home.areas[home.devices[c.trigger_device].area_index].kind
            a_area = home.areas[home.devices[c.action_device].area_index]
            cross = not c.same_area
            if cross and (t_kind not in PASSAGES or a_area.kind not in PASSAGES):
                continue  # outdoor pairs: the sunset schedule or the porch's own use
            if (not cross and rng.random() >= 0.7) or not self.can_link(c):
                continue
            median = float(rng.uniform(2.0, 6.0) if cross else rng.uniform(1.2, 3.5))
            p = Planted(
                _rid(home, "motion_light_habit", slugify(self.entity_name(c.action_entity))),
                "habit",
                "motion_light_habit",
                f"Someone switches on the {self.entity_name(c.action_entity)} within seconds of "
                f"{'coming through' if cross else 'entering'} the "
                f"{home.areas[home.devices[c.trigger_device].area_index].name} when it is dark",
                "state",
                c.trigger_entity,
                "on",
                [c.action_entity],
                "on",
                "motion_light",
                self.adherence(0.4, 0.9),
                LagModel.human(median, float(rng.uniform(0.35, 0.6))),
                area_index=home.devices[c.trigger_device].area_index,
            )
            if self.habit(c, p):
                done_lights.add(c.action_entity)

        door = [c for c in self.by_rel.get("door_light", []) if self.habit_ok(c)]
        door = [
            c
            for c in door
            if home.areas[home.devices[c.action_device].area_index].kind in DOOR_ROOMS
            and c.action_entity not in done_lights
        ]
        if door and rng.random() < 0.6:
            c = door[int(rng.integers(len(door)))]
            self.habit(
                c,
                Planted(
                    _rid(home, "arrival_light_habit"),
                    "habit",
                    "arrival_light_habit",
                    f"Coming home after dark, the first one in switches on the "
                    f"{self.entity_name(c.action_entity)} right after opening the front door",
                    "state",
                    c.trigger_entity,
                    "on",
                    [c.action_entity],
                    "on",
                    "door_light",
                    self.adherence(0.4, 0.9),
                    LagModel.human(float(rng.uniform(1.5, 5.0)), float(rng.uniform(0.35, 0.6))),
                ),
            )

        fan = [
            c
            for c in self.by_rel.get("humidity_fan", [])
            if c.same_area and self.wet(c) and self.habit_ok(c)
        ]
        if fan and rng.random() < 0.7:
            c = fan[0]
            self.habit(
                c,
                Planted(
                    _rid(home, "humidity_fan_habit"),
                    "habit",
                    "humidity_fan_habit",
                    "After a shower, when the bathroom is steamy, someone switches the fan on",
                    "numeric_above",
                    c.trigger_entity,
                    None,
                    [c.action_entity],
                    "on",
                    "humidity_fan",
                    self.adherence(0.4, 0.9),
                    LagModel.human(float(rng.uniform(5.0, 60.0)), float(rng.uniform(0.5, 0.8))),
                    params={"on_above": float(np.round(rng.uniform(70, 80)))},
                    area_index=home.devices[c.action_device].area_index,
                ),
            )

        window = [c for c in self.by_rel.get("window_climate", []) if self.habit_ok(c)]
        if window and rng.random() < 0.6:
            c = window[int(rng.integers(len(window)))]
            self.habit(
                c,
                Planted(
                    _rid(home, "window_heating_habit"),
                    "habit",
                    "window_heating_habit",
                    f"Opening the {self.area_name(c, 'trigger')} window to air the room, "
                    "someone switches the heating off",
                    "state",
                    c.trigger_entity,
                    "on",
                    [c.action_entity],
                    "off",
                    "window_climate",
                    self.adherence(0.4, 0.9),
                    LagModel.human(float(rng.uniform(8.0, 45.0)), float(rng.uniform(0.5, 0.7))),
                ),
            )

        presence = [c for c in self.by_rel.get("presence_climate", []) if self.habit_ok(c)]
        if presence and rng.random() < 0.4:
            c = presence[0]
            self.habit(
                c,
                Planted(
                    _rid(home, "away_heating_habit"),
                    "habit",
                    "away_heating_habit",
                    "The last one out locks the door and switches the heating off from the phone",
                    "state",
                    c.trigger_entity,
                    "locked",
                    [c.action_entity],
                    "off",
                    "presence_climate",
                    self.adherence(0.4, 0.9),
                    LagModel.human(float(rng.uniform(15.0, 90.0)), float(rng.uniform(0.5, 0.8))),
                ),
            )

        # --- habits tied to the clock or to the household's day ---
        coffee = [
            i
            for i in self.entity_keys("switch", ("coffee_plug",))
            if i not in self.automated_actions
        ]
        if coffee and rng.random() < 0.8:
            self.planted.append(
                Planted(
                    _rid(home, "morning_coffee"),
                    "habit",
                    "morning_coffee",
                    "Coffee maker on shortly after the first person wakes up",
                    "house_awake",
                    None,
                    None,
                    coffee,
                    "on",
                    None,
                    self.adherence(0.7, 0.95),
                    LagModel.human(float(rng.uniform(180, 900)), float(rng.uniform(0.3, 0.5))),
                    params={
                        "weekdays_only": float(rng.random() < 0.4),
                        "brew_min": float(rng.integers(4, 9)),
                    },
                )
            )
        lock = self.entity_keys("lock")
        if lock and rng.random() < 0.75:
            self.planted.append(
                Planted(
                    _rid(home, "bedtime_lock"),
                    "habit",
                    "bedtime_lock",
                    "Last one to bed locks the front door (and switches off forgotten lights)",
                    "house_asleep",
                    None,
                    None,
                    lock[:1],
                    "locked",
                    None,
                    self.adherence(0.7, 0.95),
                    LagModel.human(float(rng.uniform(60, 600)), float(rng.uniform(0.3, 0.5))),
                )
            )
        lamps = [
            i
            for i in self.entity_keys("light", ("lamp",))
            if i not in self.automated_actions
            and home.areas[home.devices[home.entities[i].device_index].area_index].kind
            == "living_room"
            and not any(i in p.action_entities for p in self.planted)
        ]
        if lamps and rng.random() < 0.5:
            self.planted.append(
                Planted(
                    _rid(home, "evening_lamp"),
                    "habit",
                    "evening_lamp",
                    "The living-room lamp goes on by hand at about the same time every evening",
                    "time",
                    None,
                    None,
                    lamps[:1],
                    "on",
                    None,
                    self.adherence(0.6, 0.9),
                    LagModel.human(float(rng.uniform(240, 600)), 0.4, floor_s=1.0),
                    time_local_h=float(np.round(rng.uniform(17.5, 20.5) * 4) / 4),
                )
            )

    def wet(self, c: SynergyCandidate) -> bool:
        return self.home.devices[c.action_device].area_index in self.showers

    def habit_ok(self, c: SynergyCandidate) -> bool:
        return c.automated_by is None and c.linked_by is None

    def entity_name(self, entity: int) -> str:
        return self.home.entities[entity].friendly_name


def plant_routines(home: Home, seed: int) -> tuple[list[Planted], list[SynergyCandidate]]:
    """Choose this household's automations and habits and mark the pairs they link."""
    planter = _Planter(home, seed)
    planter.plant_automations()
    planter.plant_habits()
    add_automation_entities(home, planter.planted)
    return planter.planted, planter.candidates


def add_automation_entities(home: Home, planted: list[Planted]) -> None:
    """Give every planted automation its `automation.*` entity (no device, like Home
    Assistant's), appended to the home's entities once."""
    used = {e.entity_id for e in home.entities}
    index = {e.entity_id: i for i, e in enumerate(home.entities)}
    for p in planted:
        if not p.is_automation:
            continue
        alias = p.alias or p.description
        object_id = slugify(alias)
        entity_id = f"automation.{object_id}"
        if entity_id in index and home.entities[index[entity_id]].key == "automation":
            p.automation_entity = index[entity_id]  # already added (plant called twice)
            continue
        n = 2
        while entity_id in used:
            entity_id = f"automation.{object_id}_{n}"
            n += 1
        used.add(entity_id)
        home.entities.append(
            Entity(
                entity_id=entity_id,
                device_index=-1,
                key="automation",
                domain="automation",
                device_class=None,
                unit=None,
                state_class=None,
                original_name=alias,
                friendly_name=alias,
                labels=[],
            )
        )
        p.automation_entity = len(home.entities) - 1
        index[entity_id] = p.automation_entity
