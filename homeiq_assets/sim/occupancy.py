"""Occupants: daily schedules with jitter, a time-of-day dependent semi-Markov away process,
and movement between rooms with activity-dependent dwell times.

The per-minute timeline produced here is the ground truth every event mechanism reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.catalog import ARCHETYPES
from homeiq_assets.sim.clock import Window, local_day_starts, local_minute_of_day, local_weekdays
from homeiq_assets.sim.intervals import expand_intervals, mask_from_intervals
from homeiq_assets.sim.layout import Home
from homeiq_assets.sim.rng import derive_rng

ASLEEP, HOME, AWAY = 0, 1, 2
STATE_NAMES = ("asleep", "home", "away")

# mean dwell minutes per area kind
DWELL_MIN = {
    "living_room": 35.0,
    "kitchen": 14.0,
    "dining_room": 25.0,
    "bedroom": 22.0,
    "bathroom": 8.0,
    "office": 50.0,
    "hallway": 1.5,
    "entrance": 2.0,
    "laundry": 8.0,
    "garage": 6.0,
    "basement": 8.0,
    "attic": 5.0,
    "garden": 20.0,
    "porch": 10.0,
    "balcony": 10.0,
}
AWAY_KINDS = ("work", "school", "shift", "errand", "outing")


def _bump(hours: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return ((hours >= lo) & (hours < hi)).astype(np.float64)


def _room_weights(home: Home, occupant_bedroom: int, works_from_home: bool) -> np.ndarray:
    """Preference for each area by local hour (24 × areas): meals, evenings, work hours."""
    h = np.arange(24) + 0.5
    meals = _bump(h, 7, 8.5) + _bump(h, 12, 13) + _bump(h, 18, 19.5)
    evening = _bump(h, 18, 23)
    day = _bump(h, 10, 19)
    cols = []
    for i, area in enumerate(home.areas):
        k = area.kind
        if k == "living_room":
            w = 1.0 + 3.0 * evening
        elif k == "kitchen":
            w = 0.6 + 3.0 * meals
        elif k == "dining_room":
            w = 0.2 + 2.0 * meals
        elif k == "bedroom":
            w = (0.4 + 1.2 * _bump(h, 21, 24)) if i == occupant_bedroom else 0.03 + 0 * h
        elif k == "bathroom":
            w = 0.35 + 0 * h
        elif k == "office":
            w = (0.3 + 5.0 * _bump(h, 9, 17)) if works_from_home else 0.25 + 0 * h
        elif k in ("hallway", "entrance"):
            w = 0.25 + 0 * h
        elif k in ("garden", "porch"):
            w = 0.02 + 0.35 * day
        elif k == "balcony":
            w = 0.02 + 0.2 * day + 0.1 * evening
        else:
            w = 0.08 + 0 * h
        cols.append(w)
    weights = np.stack(cols, axis=1)
    return np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)


def _daily_hours(
    rng: np.random.Generator,
    weekend: np.ndarray,
    hours: tuple[float, float],
    personal: float,
    jitter_h: float,
) -> np.ndarray:
    """A daily time (local hours): weekday or weekend base, personal offset, daily jitter."""
    base = np.where(weekend, hours[1], hours[0]) + personal
    return base + rng.normal(0, jitter_h, len(weekend))


@dataclass
class OccupantTimeline:
    occupant_id: str
    archetype: str
    state: np.ndarray  # int8 per minute
    room: np.ndarray  # int16 per minute: area index; bedroom while asleep; -1 away
    wake: np.ndarray  # window minute of each local day's wake-up
    sleep: np.ndarray  # window minute of each local day's bedtime
    leave: np.ndarray  # window minute of the main departure each local day (-1 none)
    weekend: np.ndarray  # bool per local day
    away_starts: np.ndarray
    away_ends: np.ndarray
    away_kind: np.ndarray  # index into AWAY_KINDS
    shower_starts: np.ndarray  # window minutes a shower starts
    shower_bathroom: int


@dataclass
class Occupancy:
    occupants: list[OccupantTimeline]
    local_minute: np.ndarray  # local minute of day for each window minute

    def active_in(self, area_index: int) -> np.ndarray:
        """Minutes when at least one awake occupant is in the area."""
        out = np.zeros(len(self.local_minute), dtype=bool)
        for occ in self.occupants:
            out |= (occ.room == area_index) & (occ.state == HOME)
        return out

    def count_home(self) -> np.ndarray:
        return sum((o.state != AWAY).astype(np.int8) for o in self.occupants)

    def count_awake_home(self) -> np.ndarray:
        return sum((o.state == HOME).astype(np.int8) for o in self.occupants)


def bathroom_for(home: Home, bedroom: int) -> int:
    """The bathroom an occupant of `bedroom` uses (and showers in): one on the same floor."""
    baths = home.area_indices("bathroom")
    level = home.areas[bedroom].floor_level
    same = [b for b in baths if home.areas[b].floor_level == level]
    return (same or baths or [bedroom])[0]


def simulate_occupancy(home: Home, window: Window, seed: int) -> Occupancy:
    """Per-minute state and room of every occupant over the window."""
    T = window.minutes
    tz = home.region.timezone
    day_start = local_day_starts(window, tz)
    weekday = local_weekdays(window)
    weekend = weekday >= 5
    n_days = len(day_start)
    local_min = local_minute_of_day(window, tz)
    local_hour = local_min // 60
    entrance = (home.area_indices("entrance") or [0])[0]
    kitchen = (home.area_indices("kitchen") or [0])[0]
    timelines = []
    for occupant in home.occupants:
        rng = derive_rng(seed, home.home_id, occupant.occupant_id, "occupancy")
        a = ARCHETYPES[occupant.archetype]
        personal = rng.normal(0, 0.35)  # hours: a persistent early bird / night owl
        jit = a.jitter_min / 60.0

        wake_h = _daily_hours(rng, weekend, a.wake, personal, jit)
        sleep_base = (a.sleep[0] + 24 * (a.sleep[0] < 12), a.sleep[1] + 24 * (a.sleep[1] < 12))
        sleep_h = np.maximum(_daily_hours(rng, weekend, sleep_base, personal, jit), wake_h + 8)
        wake = day_start + np.round(wake_h * 60).astype(np.int64)
        sleep = day_start + np.round(sleep_h * 60).astype(np.int64)
        # asleep from each bedtime to the next morning's wake-up
        asleep = mask_from_intervals(
            np.concatenate(([day_start[0] - 600], sleep[:-1])),
            np.concatenate((wake[:1], wake[1:])),
            T,
        )

        # main departure of the day: work / school / shift on weekdays, outings on weekends
        hybrid_home = rng.random(n_days) < (0.15 if occupant.archetype == "office_worker" else 0)
        sick = rng.random(n_days) < 0.03
        if occupant.archetype == "shift_worker":
            works = rng.random(n_days) < 5 / 7
        else:
            works = ~weekend & (a.leave[0] is not None)
        works &= ~hybrid_home & ~sick
        outing = weekend & (rng.random(n_days) < a.weekend_out_p) & ~works
        leave_h = np.where(works, a.leave[0] or 0.0, a.leave[1] or 0.0) + personal * 0.5
        back_h = np.where(works, a.back[0] or 0.0, a.back[1] or 0.0)
        back_h = np.where(back_h < leave_h, back_h + 24, back_h) + personal * 0.5
        leave_h = leave_h + rng.normal(0, jit * 0.6, n_days)
        back_h = back_h + rng.normal(0, jit * 1.2, n_days)
        goes = works | outing
        leave_h = np.maximum(leave_h, wake_h + 0.4)
        leave = np.where(goes, day_start + np.round(leave_h * 60).astype(np.int64), -1)
        back = np.where(goes, day_start + np.round(back_h * 60).astype(np.int64), -1)
        main_kind = np.where(
            works,
            {"student": 1, "child": 1, "shift_worker": 2}.get(occupant.archetype, 0),
            4,
        )

        # errands: a time-of-day dependent Poisson process of short trips while awake at home
        n_err = rng.poisson(a.errands_per_day, n_days)
        err_day = np.repeat(np.arange(n_days), n_err)
        span = np.maximum(sleep_h[err_day] - wake_h[err_day] - 2.5, 0.5)
        # trips cluster late morning and late afternoon (shops, school runs)
        phase = np.where(
            rng.random(len(err_day)) < 0.5,
            rng.beta(3, 5, len(err_day)),
            rng.beta(5, 3, len(err_day)),
        )
        err_start = day_start[err_day] + np.round(
            (wake_h[err_day] + 1.0 + phase * span) * 60
        ).astype(np.int64)
        err_end = err_start + np.round(rng.lognormal(np.log(45), 0.5, len(err_day))).astype(
            np.int64
        )

        away_starts = np.concatenate((leave[goes], err_start))
        away_ends = np.concatenate((back[goes], err_end))
        away_kind = np.concatenate((main_kind[goes], np.full(len(err_start), 3)))
        away = mask_from_intervals(away_starts, away_ends, T)
        state = np.full(T, HOME, dtype=np.int8)  # away wins over asleep
        state[asleep] = ASLEEP
        state[away] = AWAY

        # rooms: segments with dwell times; the room is drawn by local hour
        cw = _room_weights(home, occupant.bedroom_index, a.works_from_home)
        n_areas = cw.shape[1]
        cw[:, -1] = 1.0 + 1e-12  # exact upper edge: a draw never falls past the last area
        cw_flat = (cw + np.arange(24)[:, None]).ravel()
        dwell = np.array([DWELL_MIN[ar.kind] for ar in home.areas])
        n_seg = T // 5 + 64
        unit = rng.exponential(1.0, n_seg) * 0.8 + 0.2
        pick = rng.random(n_seg)
        starts = np.concatenate(([0.0], np.cumsum(unit * 12.0)[:-1]))
        for _ in range(2):  # re-draw rooms at the refined start times
            seg_hour = local_hour[np.clip(starts.astype(np.int64), 0, T - 1)]
            # inverse-CDF draw per segment: row h of `cw` shifted by h makes one sorted array
            seg_room = np.searchsorted(cw_flat, pick + seg_hour, side="right") - seg_hour * n_areas
            starts = np.concatenate(([0.0], np.cumsum(unit * dwell[seg_room])[:-1]))
        last = np.searchsorted(starts, T)
        starts, seg_room = starts[:last], seg_room[:last]
        edges = np.concatenate((np.ceil(starts).astype(np.int64), [T]))
        edges[0] = 0
        room = np.repeat(seg_room.astype(np.int16), np.diff(np.maximum.accumulate(edges)))

        # routines of the body: bathroom then kitchen after waking, bathroom before bed,
        # the entrance when coming and going
        bath = bathroom_for(home, occupant.bedroom_index)
        bath_len = rng.integers(8, 21, n_days)
        kitchen_len = rng.integers(10, 26, n_days)
        showers = rng.random(n_days) < 0.65
        morning_bath = expand_intervals(wake, wake + bath_len, T)
        morning_kitchen = expand_intervals(wake + bath_len, wake + bath_len + kitchen_len, T)
        evening_bath = expand_intervals(sleep - rng.integers(5, 11, n_days), sleep, T)
        door = expand_intervals(
            np.concatenate((away_starts - 2, away_ends)),
            np.concatenate((away_starts, away_ends + 2)),
            T,
        )
        room[morning_bath] = bath
        room[morning_kitchen] = kitchen
        room[evening_bath] = bath
        room[door] = entrance
        # a night-time bathroom trip now and then (the only reason lights go on at 3 a.m.)
        trips = rng.random(n_days) < 0.22
        trip_start = day_start[:-1][trips[:-1]] + np.round(
            rng.uniform(2.0, 5.0, int(trips[:-1].sum())) * 60 + 24 * 60
        ).astype(np.int64)
        trip_idx = expand_intervals(trip_start, trip_start + rng.integers(3, 7, len(trip_start)), T)
        trip_idx = trip_idx[state[trip_idx] == ASLEEP]
        state[trip_idx] = HOME
        room[state == ASLEEP] = occupant.bedroom_index
        room[trip_idx] = bath
        room[state == AWAY] = -1
        shower_starts = wake[showers]
        shower_starts = shower_starts[(shower_starts >= 0) & (shower_starts < T)]
        shower_starts = shower_starts[state[shower_starts] == HOME]

        timelines.append(
            OccupantTimeline(
                occupant_id=occupant.occupant_id,
                archetype=occupant.archetype,
                state=state,
                room=room,
                wake=wake,
                sleep=sleep,
                leave=leave,
                weekend=weekend,
                away_starts=away_starts,
                away_ends=away_ends,
                away_kind=away_kind,
                shower_starts=shower_starts,
                shower_bathroom=bath,
            )
        )
    return Occupancy(timelines, local_min)


def occupancy_intervals(
    occ: OccupantTimeline,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run-length encoding (start, end, state, room) of an occupant's per-minute timeline."""
    key = occ.state.astype(np.int32) * 4096 + (occ.room.astype(np.int32) + 1)
    change = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(key)]))
    return starts, ends, occ.state[starts], occ.room[starts]
