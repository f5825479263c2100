"""Scoring per failure event and per anomaly episode: the units a user meets, on small frames
built by hand so every count can be checked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from homeiq_assets.ml.data import home_key
from homeiq_assets.ml.device_events import (
    BURN_IN_DAYS,
    DETECTION_DAYS,
    AnomalyScoring,
    FailureScoring,
    Scored,
    add_scored,
    choose_threshold,
    event_metrics,
    score_anomalies,
    score_failures,
    scored_rows,
)
from homeiq_assets.ml.stats import HomeStats, evaluate
from homeiq_assets.sim.health.config import FAILURE_MODES

START = dt.date(2026, 1, 5)


def _estimates(result: Scored, frame: pd.DataFrame) -> dict:
    """The failure metrics of one scoring, as every model report and comparison computes
    them (per-home statistics, `ml.device_events.event_metrics`)."""
    stats = HomeStats(home_key(frame))
    add_scored(stats, "", result, by="mode", labels=FAILURE_MODES, values="lead")
    metrics = event_metrics("", "event", "mode", "lead", "lead_time_median_days")
    return evaluate(metrics, stats, n_resamples=50)


DAYS = 40


def _device(home: str, device: str, days: int = DAYS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cycle": "c1",
            "home_id": home,
            "device_id": device,
            "date": [START + dt.timedelta(days=i) for i in range(days)],
            "gt_days_to_failure": pd.array([pd.NA] * days, dtype="Int64"),
            "gt_fails_within_7d": False,
            "gt_failure_mode": None,
            "gt_anomaly": False,
            "gt_anomaly_kind": None,
            "gt_anomaly_field": None,
            "gt_anomaly_start": None,
            "gt_anomaly_end": None,
        }
    )


def _fail(frame: pd.DataFrame, day: int, mode: str = "progressive") -> pd.DataFrame:
    """The device fails on `day` (that row and later are dropped: the device is down)."""
    frame = frame.iloc[:day].copy()
    ahead = day - np.arange(day)
    frame["gt_days_to_failure"] = pd.array(ahead, dtype="Int64")
    frame["gt_fails_within_7d"] = (ahead >= 1) & (ahead <= 7)
    frame["gt_failure_mode"] = mode
    return frame


def _anomaly(frame: pd.DataFrame, start: int, end: int, kind: str = "stuck") -> pd.DataFrame:
    frame = frame.copy()
    rows = slice(start, min(end, len(frame) - 1) + 1)
    frame.loc[frame.index[rows], "gt_anomaly"] = True
    frame.loc[frame.index[rows], "gt_anomaly_kind"] = kind
    frame.loc[frame.index[rows], "gt_anomaly_field"] = "temperature_c"
    frame.loc[frame.index[rows], "gt_anomaly_start"] = START + dt.timedelta(days=start)
    frame.loc[frame.index[rows], "gt_anomaly_end"] = START + dt.timedelta(days=end)
    return frame


def _alert(frame: pd.DataFrame, device: str, days: list[int]) -> np.ndarray:
    day = (pd.to_datetime(frame["date"]) - pd.Timestamp(START)).dt.days.to_numpy()
    return (frame["device_id"].to_numpy() == device) & np.isin(day, days)


def test_scoring_starts_after_the_burn_in() -> None:
    frame = pd.concat([_device("h1", "a"), _device("h2", "b", days=20)], ignore_index=True)
    scored = scored_rows(frame)
    assert scored.sum() == (DAYS - BURN_IN_DAYS) + (20 - BURN_IN_DAYS)
    day = (pd.to_datetime(frame["date"]) - pd.Timestamp(START)).dt.days.to_numpy()
    assert (day[scored] >= BURN_IN_DAYS).all()


def test_an_alert_five_days_ahead_is_one_warned_failure() -> None:
    frame = pd.concat([_fail(_device("h1", "a"), 30), _device("h1", "b")], ignore_index=True)
    alert = _alert(frame, "a", [25])  # 5 days before the failure on day 30
    result = score_failures(frame, alert)
    assert len(result.units) == 1
    event = result.units.iloc[0]
    assert event["hit"] and event["lead"] == 5
    assert len(result.alerts) == 1 and result.alerts["true"].all()
    # per device-day the same alert is one hit and six misses of the 7-day window
    assert result.day_true.sum() == 7 and (result.day_true & result.day_pred).sum() == 1
    est = _estimates(result, frame)
    assert est["event_recall"].value == 1.0 and est["alert_precision"].value == 1.0
    assert est["day_recall"].value == 1 / 7
    assert est["lead_time_median_days"].value == 5 and est["event_recall"].n == 1


def test_an_alert_with_no_failure_within_seven_days_is_a_false_alarm() -> None:
    frame = pd.concat([_fail(_device("h1", "a"), 35), _device("h1", "b")], ignore_index=True)
    # device b never fails; device a is alerted 10 days before its failure, then 3 days before
    alert = _alert(frame, "b", [20, 21, 22]) | _alert(frame, "a", [25, 32])
    result = score_failures(frame, alert)
    alerts = result.alerts.sort_values("start")
    assert len(alerts) == 3  # b's three consecutive days merge into one episode
    assert list(alerts["true"]) == [False, False, True]  # b's, a's early one, a's timely one
    assert result.units["hit"].all() and result.units["lead"].iloc[0] == 3
    est = _estimates(result, frame)
    assert est["alert_precision"].value == 1 / 3 and est["alert_precision"].n == 3
    years = result.day_true.size / 365.25
    assert abs(est["false_alerts_per_device_year"].value - 2 / years) < 1e-9


def test_failures_without_a_whole_warning_window_are_not_scored() -> None:
    early = _fail(_device("h1", "a"), BURN_IN_DAYS + 3)  # warning window reaches the burn-in
    late = _fail(_device("h1", "b"), 30)
    frame = pd.concat([early, late], ignore_index=True)
    units = score_failures(frame, np.zeros(len(frame), bool)).units
    assert len(units) == 1 and not units["hit"].any()
    assert list(units["gated"]) == [True]
    sudden = _fail(_device("h1", "c"), 30, mode="sudden")
    units = score_failures(pd.concat([late, sudden], ignore_index=True), np.zeros(60, bool)).units
    assert sorted(units["gated"]) == [False, True]  # sudden failures are reported, not gated


def test_an_episode_running_since_the_burn_in_is_not_scored() -> None:
    frame = _fail(_device("h1", "a"), 30)
    alert = _alert(frame, "a", list(range(BURN_IN_DAYS - 2, BURN_IN_DAYS + 3)))
    assert len(score_failures(frame, alert).alerts) == 0


def test_anomaly_episodes_are_detected_within_their_first_days() -> None:
    frame = pd.concat(
        [
            _anomaly(_device("h1", "a"), 20, 34, "drift"),
            _anomaly(_device("h1", "b"), 18, 18, "spike"),
            _anomaly(_device("h2", "c"), 25, 27, "dropout"),
        ],
        ignore_index=True,
    )
    late = 20 + DETECTION_DAYS + 2  # a's drift flagged only after its detection window
    alert = _alert(frame, "a", [late]) | _alert(frame, "b", [18]) | _alert(frame, "c", [5, 30])
    result = score_anomalies(frame, alert)
    units = result.units.set_index("kind")
    assert not units.loc["drift", "hit"] and units.loc["spike", "hit"]
    assert units.loc["spike", "ttd"] == 0 and not units.loc["dropout", "hit"]
    # the late alert overlaps the drift: a true alarm though too late to count as a detection;
    # c's alert after its dropout ended is a false alarm; c's day-5 alert is in the burn-in
    alerts = result.alerts.sort_values("start")
    assert list(alerts["true"]) == [True, True, False]


def test_thresholds_respect_the_false_alarm_budget() -> None:
    frames = []
    rng = np.random.default_rng(0)
    for i in range(30):
        device = _device(f"h{i}", f"d{i}")
        frames.append(_fail(device, 30) if i % 3 == 0 else device)
    frame = pd.concat(frames, ignore_index=True)
    # a score that is high before failures and sometimes high by chance elsewhere
    score = frame["gt_fails_within_7d"].to_numpy(float) * 0.6 + rng.random(len(frame)) * 0.5
    thr, figures = choose_threshold(FailureScoring(frame), score, 0.9)
    result = FailureScoring(frame)(score >= thr)
    assert result.alerts["true"].mean() >= 0.9 and figures["meets_budget"]
    assert figures["valid_unit_recall"] == result.units["hit"].mean() > 0.5
    anomaly = AnomalyScoring(frame)
    assert choose_threshold(anomaly, np.zeros(len(frame)), 0.9)[1]["valid_units"] == 0


def test_training_cycles_shorter_than_the_burn_in_use_all_their_days() -> None:
    short = [_fail(_device(f"h{i}", f"d{i}", days=10), 8) for i in range(6)]
    frame = pd.concat([*short, *(_device(f"k{i}", f"e{i}", days=10) for i in range(6))])
    frame = frame.reset_index(drop=True)
    assert not scored_rows(frame).any()
    score = frame["gt_fails_within_7d"].to_numpy(float)
    thr, figures = choose_threshold(FailureScoring(frame), score, 0.8)
    assert figures["valid_burn_in_days"] == 0 and figures["meets_budget"]
    assert thr == 1.0 and figures["valid_unit_recall"] == 1.0
