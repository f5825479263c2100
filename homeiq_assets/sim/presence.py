"""`person.*` entities: each occupant's presence as Home Assistant's person integration records it.

A person's state is `home` or `not_home`, taken from the occupant's phone leaving or entering
the home zone (about 100 m around the house). So the recorded change lags the real departure
by the time it takes to get out of the zone and for the phone to report (about a minute, up
to several), and an arrival is recorded around the moment the occupant reaches the door
(the zone is entered a little before, the report comes a little after). Trips shorter than a
few minutes (taking the bins out) never leave the zone and leave no trace.
"""

from __future__ import annotations

import json

import numpy as np

from homeiq_assets.sim.clock import MS_PER_MINUTE, Window
from homeiq_assets.sim.events import HomeEvents, Vocab
from homeiq_assets.sim.layout import Home, Person
from homeiq_assets.sim.occupancy import AWAY, Occupancy
from homeiq_assets.sim.rng import derive_rng, stable_int

MIN_TRIP_MIN = 5  # shorter absences stay inside the home zone


def person_attributes(home: Home, person: Person) -> str:
    """The attributes Home Assistant records with a person's state (friendly name is added by
    the recorder export from the entity registry)."""
    tracker = f"device_tracker.{person.person_id}_phone"
    user = f"{stable_int(home.home_id, 'user', person.person_id):016x}" * 2
    return json.dumps(
        {
            "editable": True,
            "id": person.person_id,
            "device_trackers": [tracker],
            "source": tracker,
            "user_id": user,
        }
    )


def person_events(
    home: Home,
    occupancy: Occupancy,
    window: Window,
    seed: int,
    states: Vocab,
    attrs: Vocab,
    cause: int,
) -> HomeEvents:
    """Events of every person entity of `home` (entity codes after the home's other entities),
    sorted by (entity, time) like the other events before `by_time`."""
    rng = derive_rng(seed, home.home_id, "presence")
    s_home, s_away = states.code("home"), states.code("not_home")
    end_ms = window.minutes * MS_PER_MINUTE
    parts: list[HomeEvents] = []
    for person in home.persons:
        entity = len(home.entities) + person.occupant_index
        attr = attrs.code(person_attributes(home, person))
        away = occupancy.occupants[person.occupant_index].state == AWAY
        edges = np.diff(np.concatenate(([0], away.astype(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        keep = (ends - starts) >= MIN_TRIP_MIN
        starts, ends = starts[keep], ends[keep]
        # leaving the zone and the phone's report: about a minute, up to several
        lag = np.clip(rng.lognormal(np.log(75_000), 0.6, len(starts)), 5_000, 600_000)
        leave = (starts * MS_PER_MINUTE + lag).astype(np.int64)
        # the zone is entered before the door is reached; the report comes a little after
        # (never after the next minute, so it always precedes the next departure)
        early = np.clip(rng.normal(-30_000, 45_000, len(ends)), -180_000, 55_000)
        back = (ends * MS_PER_MINUTE + early).astype(np.int64)
        valid = back > leave + MS_PER_MINUTE
        away_at_start = bool(starts.size and starts[0] == 0 and valid[0])
        leave_shown = valid & (starts > 0)  # at the start the initial state says it
        first = int(rng.integers(1_000, 30_000))
        t = np.concatenate(([first], leave[leave_shown], back[valid]))
        state = np.concatenate(
            (
                [s_away if away_at_start else s_home],
                np.full(int(leave_shown.sum()), s_away),
                np.full(int(valid.sum()), s_home),
            )
        ).astype(np.int32)
        inside = t < end_ms
        t, state = t[inside], state[inside]
        order = np.argsort(t, kind="stable")
        n = len(t)
        parts.append(
            HomeEvents(
                t[order],
                np.full(n, entity, np.int32),
                state[order],
                np.full(n, attr, np.int32),
                np.full(n, cause, np.int32),
                np.full(n, -1, np.int32),
            )
        )
    if not parts:
        z64, z32 = np.zeros(0, np.int64), np.zeros(0, np.int32)
        return HomeEvents(z64, z32, z32, z32, z32, z32)
    return HomeEvents.concat(parts)
