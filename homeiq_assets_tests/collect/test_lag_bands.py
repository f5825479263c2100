"""The sequence detector's lag bands, measured for every trigger of a home at once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from homeiq_assets.collect import lag_bands


def _home(seed: int = 3):
    """Three triggers over two days of action events: trigger 0 answered by token 0 about 2 s
    later (a reaction), trigger 1 unrelated noise, trigger 2 the action's own entity."""
    rng = np.random.default_rng(seed)
    day_ms = 86_400_000
    t0 = np.sort(rng.integers(0, 2 * day_ms, 40))
    reactions = t0 + rng.integers(1_500, 2_500, t0.size)
    noise = np.sort(rng.integers(0, 2 * day_ms, 60))
    t_act = np.concatenate([reactions, noise])
    tokens = np.concatenate([np.zeros(reactions.size, np.int64), np.ones(noise.size, np.int64)])
    order = np.argsort(t_act, kind="stable")
    t_act, act_inv = t_act[order], tokens[order]
    triggers = [t0, np.sort(rng.integers(0, 2 * day_ms, 50)), t_act[act_inv == 0] - 5]
    return dict(
        trigger_times=triggers,
        trigger_entity=np.array([10, 11, 20]),  # trigger 2 is token 0's entity
        actions=lag_bands.Actions(
            times=t_act,
            token=act_inv,
            counts=np.bincount(act_inv),
            eligible=np.array([True, True]),
            entity_of_token=np.array([20, 21]),
            span_ms=float(max(t_act[-1], triggers[1][-1]) - min(t_act[0], t0[0])),
            min_occurrences=5,
        ),
    )


def test_a_reaction_is_found_in_its_lag_band():
    found = lag_bands.trigger_candidates(**_home())
    assert found is not None
    pairs = list(zip(found.trigger.tolist(), found.tokens.tolist(), strict=True))
    assert (0, 0) in pairs  # the reaction
    assert all(trigger != 2 or token != 0 for trigger, token in pairs)  # never its own entity
    k = pairs.index((0, 0))
    lags = found.segments(found.lags)[k]
    assert found.n[k] == 40 and lags.size == 40
    assert lags.min() >= 1.5 and lags.max() <= 2.5
    assert found.median()[k] == pytest.approx(np.median(lags))
    mean, std = found.mean_std()
    assert mean[k] == lags.mean() and std[k] == lags.std()  # bit for bit
    assert found.lift[k] > 100


def test_triggers_measured_in_blocks_give_the_same_candidates(monkeypatch):
    """A home too large for one pass is measured a block of triggers at a time: same pairs,
    same floats, same order."""
    home = _home(5)
    whole = lag_bands.trigger_candidates(**home)
    monkeypatch.setattr(lag_bands, "CELLS_PER_PASS", home["actions"].times.size)  # a trigger a pass
    blocks = lag_bands.trigger_candidates(**home)
    for name in ("trigger", "tokens", "n", "events", "lags", "rate", "llr", "lift"):
        np.testing.assert_array_equal(getattr(blocks, name), getattr(whole, name))


def test_no_trigger_or_no_action_no_candidates():
    home = _home()
    assert lag_bands.trigger_candidates(**{**home, "trigger_times": []}) is None
    none_eligible = dataclasses.replace(home["actions"], eligible=np.array([False, False]))
    assert lag_bands.trigger_candidates(**{**home, "actions": none_eligible}) is None


def test_quantiles_of_sorted_values_are_numpys_bit_for_bit():
    from homeiq_assets.collect.segments import sorted_quantile

    rng = np.random.default_rng(7)
    for _ in range(2000):
        values = np.round(rng.normal(50, 20, int(rng.integers(1, 40))), int(rng.integers(0, 3)))
        for q in (0.1, 0.25, 0.5, 0.75, 0.9):
            assert sorted_quantile(np.sort(values), q) == float(np.quantile(values, q))


def test_segment_statistics_are_numpys_per_segment():
    from homeiq_assets.collect.segments import (
        segment_distinct,
        segment_mean_std,
        segment_median,
    )

    rng = np.random.default_rng(11)
    n = rng.integers(1, 30, 50)
    values = rng.normal(0, 3, n.sum())
    days = rng.integers(0, 9, n.sum())
    mean, std = segment_mean_std(values, n)
    median = segment_median(values, n)
    distinct = segment_distinct(days, n)
    for i, part in enumerate(np.split(np.arange(n.sum()), np.cumsum(n)[:-1])):
        assert mean[i] == values[part].mean() and std[i] == values[part].std()
        assert median[i] == np.median(values[part])
        assert distinct[i] == np.unique(days[part]).size
