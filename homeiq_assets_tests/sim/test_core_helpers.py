"""Vectorised helpers the simulator is built on."""

from __future__ import annotations

import datetime as dt

import numpy as np

from homeiq_assets.sim.clock import Window, local_day_starts, local_minute_of_day
from homeiq_assets.sim.events import EventBuffer, HomeEvents, Vocab, apply_unavailable_gaps
from homeiq_assets.sim.filters import ar1_filter
from homeiq_assets.sim.intervals import (
    expand_intervals,
    mask_from_intervals,
    rolling_any,
    runs,
)
from homeiq_assets.sim.sun import solar_elevation_deg


def test_interval_helpers_agree_with_naive_versions():
    rng = np.random.default_rng(0)
    starts = rng.integers(-5, 95, 20)
    ends = starts + rng.integers(0, 12, 20)
    naive = np.zeros(100, bool)
    for s, e in zip(starts, ends, strict=True):
        naive[max(s, 0) : max(min(e, 100), 0)] = True
    assert (mask_from_intervals(starts, ends, 100) == naive).all()
    assert set(expand_intervals(starts, ends, 100)) == set(np.flatnonzero(naive))
    s, e = runs(naive)
    assert (mask_from_intervals(s, e, 100) == naive).all()
    x = np.array([0, 1, 0, 0, 0, 1, 0], bool)
    assert rolling_any(x, 2).tolist() == [False, True, True, False, False, True, True]


def test_interval_mask_of_nested_touching_empty_and_outside_intervals():
    """The mask is built from the intervals' union: nested, touching, empty, reversed and
    out-of-range intervals each cover exactly the minutes a per-interval loop marks."""
    rng = np.random.default_rng(3)
    for k in (0, 1, 2, 7, 60):
        for _ in range(50):
            starts = rng.integers(-20, 60, k)
            ends = starts + rng.integers(-3, 25, k)
            naive = np.zeros(50, bool)
            for s, e in zip(starts, ends, strict=True):
                naive[min(max(s, 0), 50) : min(max(e, 0), 50)] = True
            assert mask_from_intervals(starts, ends, 50).tolist() == naive.tolist()
    assert mask_from_intervals(np.array([3, 5]), np.array([5, 9]), 10).tolist() == [
        False, False, False, True, True, True, True, True, True, False
    ]  # fmt: skip
    assert mask_from_intervals(np.zeros(0, int), np.zeros(0, int), 0).shape == (0,)


def test_ar1_filter_matches_the_recursion():
    x = np.random.default_rng(1).normal(size=500)
    y = np.empty_like(x)
    y[0] = x[0]
    for t in range(1, len(x)):
        y[t] = 0.93 * y[t - 1] + x[t]
    assert np.allclose(ar1_filter(x, 0.93), y)


def test_sun_is_up_at_noon_and_down_at_midnight():
    noon = dt.datetime(2026, 6, 21, 12, 0, tzinfo=dt.UTC).timestamp()
    elev = solar_elevation_deg(np.array([noon, noon + 12 * 3600]), 51.5, 0.0)
    assert 60 < elev[0] < 63  # London midsummer noon: about 62°
    assert elev[1] < -10
    winter = dt.datetime(2026, 12, 21, 12, 0, tzinfo=dt.UTC).timestamp()
    assert 14 < solar_elevation_deg(np.array([winter]), 51.5, 0.0)[0] < 16


def test_local_clock_handles_offsets_and_dst():
    w = Window(dt.date(2026, 3, 28), 3)  # Europe switches to summer time on 29 March
    local = local_minute_of_day(w, "Europe/Berlin")
    assert local[0] == 60  # 00:00 UTC is 01:00 CET
    assert local[-1] == (23 * 60 + 59 + 120) % 1440  # CEST after the switch
    starts = local_day_starts(w, "America/New_York")
    assert starts[1] == 4 * 60  # New York is on EDT (UTC-4) since 8 March


def test_event_buffer_records_changes_only():
    buf = EventBuffer(Vocab(), Vocab(), Vocab())
    on, off = buf.states.code("on"), buf.states.code("off")
    cause = buf.causes.code("occupant")
    buf.add(np.array([0, 10, 20, 30]), 0, np.array([on, on, off, on]), cause)
    ev = buf.merged()
    assert ev.t.tolist() == [0, 20, 30]


def test_unavailable_gap_drops_inside_events_and_restores_the_state():
    vocab = Vocab()
    a, b, u = vocab.code("20.0"), vocab.code("21.0"), vocab.code("unavailable")
    ev = HomeEvents(
        np.array([0, 100, 200, 300]),
        np.zeros(4, np.int32),
        np.array([a, b, a, b], np.int32),
        np.zeros(4, np.int32),
        np.zeros(4, np.int32),
        np.full(4, -1, np.int32),
    )
    out = apply_unavailable_gaps(
        ev, np.array([0], np.int32), np.array([150]), np.array([250]), u, 9
    )
    assert out.t.tolist() == [0, 100, 150, 250, 300]
    assert out.state.tolist() == [a, b, u, a, b]  # 200 dropped; at 250 the state is `a`


def test_numeric_codes_reuse_formatted_values_and_keep_the_vocabulary_unique():
    vocab = Vocab()
    on = vocab.code("on")
    a = vocab.numeric_codes(np.array([21.04, 21.0, 19.96, 20.0]), 1)
    b = vocab.numeric_codes(np.array([20.0, 45.0]), 0)
    c = vocab.numeric_codes(np.array([21.0, -0.01]), 1)
    assert [vocab.values[i] for i in a] == ["21.0", "21.0", "20.0", "20.0"]
    assert [vocab.values[i] for i in b] == ["20", "45"]
    assert [vocab.values[i] for i in c] == ["21.0", "0.0"]  # no "-0.0"
    assert c[0] == a[0]  # formatted once, reused
    assert len(set(vocab.values)) == len(vocab.values) and vocab.values[on] == "on"
