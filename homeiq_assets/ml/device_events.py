"""Scoring device models the way their users meet them: per failure event and per anomaly
episode, with alerts merged into episodes, after a burn-in, with intervals over homes.

Why not per device-day: an alert five days before a failure is one warning, not one hit and
two misses, and a flickering alert is one nuisance per flicker. Predictive maintenance is
judged per failure event (was it warned 1-7 days ahead? how early?) against a false-alarm
budget (how many alerts were followed by nothing?); a telemetry-fault detector per fault
episode (was it flagged within its first N days?) against the alerts a user has to read.

Definitions (all on the rows of the scored period, see `BURN_IN_DAYS`):

* **alert episode**: consecutive calendar days on which a device is alerted (a day without
  an alert, or without a row, ends it). One that began in the burn-in is not scored.
* **failure event**: (device, failure date), read from `gt_days_to_failure`. It is scored when
  its whole warning window (the `WARNING_DAYS` days before it) lies in the scored period. It is
  **warned** when the device is alerted on one of those days; its lead time is the failure date
  minus the first alerted day of the window.
* **failure alert precision**: the share of alert episodes followed by a failure of the device
  within `WARNING_DAYS` days after the episode starts (`gt_fails_within_7d` on its first day).
* **anomaly episode**: (device, kind, field, start, end) from the `gt_anomaly_*` columns. It is
  scored when it starts in the scored period and its detection window (its first
  `DETECTION_DAYS` days, or fewer if it is shorter) lies inside the data; it is **detected**
  when the device is alerted on a day of that window; time to detect is the first such day
  minus the start.
* **anomaly alert precision**: the share of alert episodes that overlap an anomaly of the
  device (any of their days is labelled `gt_anomaly`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeiq_assets.ml.data import home_key
from homeiq_assets.ml.metrics import add_binary, binary, over_baselines, prefixed
from homeiq_assets.ml.stats import HomeStats, Metric, Weighted, harmonic, ratio
from homeiq_assets.sim.health.config import WARNING_HORIZON_DAYS

# days at the start of each home's data that are never scored (they may feed features): the
# device models compare a device with its own history, which a new home does not have yet
BURN_IN_DAYS = 14
# a failure counts as warned when an alert falls 1..WARNING_DAYS days before it
WARNING_DAYS = WARNING_HORIZON_DAYS
# an anomaly episode counts as detected when it is flagged within its first DETECTION_DAYS days:
# a daily device-health digest that names a frozen, drifting or glitching sensor within a week
# is in time for a home user (nothing is unsafe meanwhile; a failure warning needs days of lead,
# a sensor fault needs fixing before it misleads automations for weeks)
DETECTION_DAYS = 7
DAYS_PER_YEAR = 365.25


def _days(frame: pd.DataFrame) -> np.ndarray:
    return pd.to_datetime(frame["date"]).to_numpy("datetime64[D]").astype(np.int64)


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1]


def scored_rows(frame: pd.DataFrame, burn_in: int = BURN_IN_DAYS) -> np.ndarray:
    """Rows at least `burn_in` days after their home's first day (per cycle)."""
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return _Rows(frame, burn_in).scored


class _Rows:
    """What scoring needs of a frame, computed once: homes, devices, days, the scored period."""

    def __init__(self, frame: pd.DataFrame, burn_in: int):
        self.frame = frame
        self.burn_in = burn_in
        self.home = home_key(frame)
        self.home_code = _codes(self.home)
        device = (frame["cycle"].astype(str) + "/" + frame["device_id"].astype(str)).to_numpy()
        self.device = _codes(device)
        self.day = _days(frame)
        n_homes = int(self.home_code.max()) + 1 if len(frame) else 0
        first = np.full(n_homes, np.iinfo(np.int64).max)
        last = np.full(n_homes, np.iinfo(np.int64).min)
        np.minimum.at(first, self.home_code, self.day)
        np.maximum.at(last, self.home_code, self.day)
        self.first_scored = first + burn_in  # per home code
        self.last = last
        self.scored = self.day >= self.first_scored[self.home_code]
        # rows in (device, day) order, for alert episodes
        self.order = np.lexsort((self.day, self.device))

    def episodes(self, alert: np.ndarray) -> pd.DataFrame:
        """Alert episodes (runs of consecutive alerted days of a device) that start in the
        scored period (one running since the burn-in is not scored: its start is not):
        `home`, `start`, `end` (day numbers), `first_pos` (row of its first day), and
        `members` (rows of all its days) in `attrs`."""
        pos = self.order[np.asarray(alert, bool)[self.order]]
        if pos.size == 0:
            out = pd.DataFrame(
                {
                    "home": np.array([], dtype=object),
                    "start": np.array([], dtype=np.int64),
                    "end": np.array([], dtype=np.int64),
                    "first_pos": np.array([], dtype=np.int64),
                }
            )
            out.attrs["members"] = (np.array([], dtype=np.int64), np.array([], dtype=np.int64))
            return out
        dev, day = self.device[pos], self.day[pos]
        new = np.r_[True, (dev[1:] != dev[:-1]) | (day[1:] != day[:-1] + 1)]
        episode = np.cumsum(new) - 1
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:], pos.size] - 1
        first = pos[starts]
        keep = self.scored[first]
        out = pd.DataFrame(
            {
                "home": self.home[first[keep]],
                "start": day[starts[keep]],
                "end": day[ends[keep]],
                "first_pos": first[keep],
            }
        )
        member = keep[episode]
        out.attrs["members"] = (pos[member], (np.cumsum(keep) - 1)[episode[member]])
        return out


@dataclass
class Scored:
    """Per-unit outcomes of one scoring, ready for metrics and bootstrap intervals."""

    units: pd.DataFrame  # failure events or anomaly episodes: `home`, `hit`, `gated`, ...
    alerts: pd.DataFrame  # alert episodes with `home` and `true`
    day_homes: np.ndarray  # home of every scored device-day
    day_true: np.ndarray  # the device-day label on scored rows
    day_pred: np.ndarray  # the alert on scored rows


class FailureScoring:
    """Scores sets of alerts on one frame per failure event (see module doc)."""

    def with_burn_in(self, days: int) -> FailureScoring:
        """The same frame scored with another burn-in."""
        return FailureScoring(self.rows.frame, days)

    def __init__(self, frame: pd.DataFrame, burn_in: int = BURN_IN_DAYS):
        r = self.rows = _Rows(frame, burn_in)
        dtf = pd.to_numeric(frame["gt_days_to_failure"], errors="coerce").to_numpy(np.float64)
        self.ahead = np.nan_to_num(dtf, nan=-1).astype(np.int64)
        self.within = frame["gt_fails_within_7d"].to_numpy(bool)
        future = np.flatnonzero(self.ahead >= 1)
        key = np.stack([r.device[future], r.day[future] + self.ahead[future]], axis=1)
        _, first, event_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
        rows = future[first]
        failure = r.day[rows] + self.ahead[rows]
        hc = r.home_code[rows]
        inside = (failure - WARNING_DAYS >= r.first_scored[hc]) & (failure - 1 <= r.last[hc])
        self.events = pd.DataFrame(
            {
                "home": r.home[rows],
                "failure": failure,
                "mode": frame["gt_failure_mode"].astype(str).to_numpy()[rows],
            }
        )
        self.event_inside = inside
        # the event each row's warning window belongs to (-1 outside any window)
        self.event_of_row = np.full(len(frame), -1)
        warn = future[(self.ahead[future] <= WARNING_DAYS)]
        self.event_of_row[future] = event_of.ravel()
        self.event_of_row[np.setdiff1d(future, warn)] = -1

    def __call__(self, alert: np.ndarray) -> Scored:
        r = self.rows
        alert = np.asarray(alert, bool)
        warn = alert & r.scored & (self.event_of_row >= 0)
        lead = np.full(len(self.events), np.nan)
        np.fmax.at(lead, self.event_of_row[warn], self.ahead[warn].astype(float))
        events = self.events.assign(lead=lead, hit=~np.isnan(lead))[self.event_inside]
        events = events.assign(gated=events["mode"] != "sudden").reset_index(drop=True)
        episodes = r.episodes(alert)
        episodes["true"] = self.within[episodes["first_pos"].to_numpy(np.int64)]
        s = r.scored
        return Scored(events, episodes, r.home[s], self.within[s], alert[s])


class AnomalyScoring:
    """Scores sets of alerts on one frame per anomaly episode (see module doc)."""

    def with_burn_in(self, days: int) -> AnomalyScoring:
        """The same frame scored with another burn-in."""
        return AnomalyScoring(self.rows.frame, days, self.detection_days)

    def __init__(
        self,
        frame: pd.DataFrame,
        burn_in: int = BURN_IN_DAYS,
        detection_days: int = DETECTION_DAYS,
    ):
        r = self.rows = _Rows(frame, burn_in)
        self.detection_days = detection_days
        self.labelled = frame["gt_anomaly"].to_numpy(bool)
        start = np.full(len(frame), -1, dtype=np.int64)
        end = np.full(len(frame), -1, dtype=np.int64)
        for name, out in (("gt_anomaly_start", start), ("gt_anomaly_end", end)):
            values = pd.to_datetime(frame[name]).to_numpy("datetime64[D]")
            ok = ~np.isnat(values)
            out[ok] = values[ok].astype(np.int64)
        lab = np.flatnonzero(self.labelled)
        key = np.stack([r.device[lab], start[lab]], axis=1)
        _, first, unit_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
        rows = lab[first]
        hc = r.home_code[rows]
        window_end = np.minimum(end[rows], start[rows] + detection_days - 1)
        self.inside = (start[rows] >= r.first_scored[hc]) & (window_end <= r.last[hc])
        self.units = pd.DataFrame(
            {
                "home": r.home[rows],
                "kind": frame["gt_anomaly_kind"].astype(str).to_numpy()[rows],
                "field": frame["gt_anomaly_field"].astype(str).to_numpy()[rows],
                "start": start[rows],
                "end": end[rows],
            }
        )
        self.unit_of_row = np.full(len(frame), -1)
        ttd = r.day[lab] - start[lab]
        early = ttd < detection_days
        self.unit_of_row[lab[early]] = unit_of.ravel()[early]
        self.ttd = np.where(self.unit_of_row >= 0, np.r_[r.day - start], -1)

    def __call__(self, alert: np.ndarray) -> Scored:
        r = self.rows
        alert = np.asarray(alert, bool)
        hit = alert & r.scored & (self.unit_of_row >= 0)
        ttd = np.full(len(self.units), np.inf)
        np.fmin.at(ttd, self.unit_of_row[hit], self.ttd[hit].astype(float))
        ttd[np.isinf(ttd)] = np.nan
        units = self.units.assign(ttd=ttd, hit=~np.isnan(ttd), gated=True)[self.inside]
        episodes = r.episodes(alert)
        member_pos, member_ep = episodes.attrs["members"]
        overlap = np.zeros(len(episodes), dtype=bool)
        np.logical_or.at(overlap, member_ep, self.labelled[member_pos])
        episodes["true"] = overlap
        s = r.scored
        return Scored(units.reset_index(drop=True), episodes, r.home[s], self.labelled[s], alert[s])


def score_failures(frame: pd.DataFrame, alert: np.ndarray, burn_in: int = BURN_IN_DAYS) -> Scored:
    """Failure events, alert episodes and device-days of one set of alerts (see module doc)."""
    return FailureScoring(frame, burn_in)(alert)


def score_anomalies(
    frame: pd.DataFrame,
    alert: np.ndarray,
    burn_in: int = BURN_IN_DAYS,
    detection_days: int = DETECTION_DAYS,
) -> Scored:
    """Anomaly episodes, alert episodes and device-days of one set of alerts (see module doc)."""
    return AnomalyScoring(frame, burn_in, detection_days)(alert)


def add_scored(
    stats: HomeStats,
    prefix: str,
    scored: Scored,
    day_score: np.ndarray | None = None,
    *,
    by: str,
    labels: tuple[str, ...],
    values: str,
) -> None:
    """The per-home statistics of one scoring (`FailureScoring` or `AnomalyScoring`):

    `<prefix>units` / `units_hit` (gated units: predictable failure events, anomaly episodes),
    `units_all` / `units_all_hit` (every unit), `alerts` / `alerts_true` (alert episodes),
    `device_days` and the device-day confusion cells `day_*` (with `day_score` the AUC's pairs),
    per group of `by` (failure mode, anomaly kind) `units_by` / `units_hit_by`, and the
    per-unit `values` column of the hit gated units (lead time, time to detect) for medians."""
    units, alerts = scored.units, scored.alerts
    keys = units["home"].to_numpy(dtype=object)
    hit = units["hit"].to_numpy(bool)
    gated = units["gated"].to_numpy(bool)
    stats.add(f"{prefix}units", keys, gated.astype(float))
    stats.add(f"{prefix}units_hit", keys, (gated & hit).astype(float))
    stats.add(f"{prefix}units_all", keys)
    stats.add(f"{prefix}units_all_hit", keys, hit.astype(float))
    group = units[by].astype(str).to_numpy()
    stats.add_grouped(f"{prefix}units_by", keys, group, labels)
    stats.add_grouped(f"{prefix}units_hit_by", keys, group, labels, hit.astype(float))
    stats.add_values(
        f"{prefix}{values}",
        keys[gated & hit],
        units[values].to_numpy(np.float64)[gated & hit],
    )
    alert_keys = alerts["home"].to_numpy(dtype=object) if len(alerts) else np.zeros(0, object)
    true = alerts["true"].to_numpy(bool) if len(alerts) else np.zeros(0, bool)
    stats.add(f"{prefix}alerts", alert_keys)
    stats.add(f"{prefix}alerts_true", alert_keys, true.astype(float))
    stats.add(f"{prefix}device_days", scored.day_homes)
    add_binary(
        stats, f"{prefix}day_", scored.day_homes, scored.day_true, scored.day_pred, day_score
    )


def with_baseline(
    metrics_of: Callable[[str], dict[str, Metric]], gated: tuple[str, ...]
) -> dict[str, Metric]:
    """A device model's metrics `metrics_of("")`, its baseline's `metrics_of("baseline_")`
    under the `baseline_` prefix, and each `gated` metric over the baseline."""
    out = {**metrics_of(""), **prefixed(metrics_of("baseline_"), "baseline_")}
    return out | over_baselines(out, gated, {"baseline": "baseline_"})


def event_metrics(prefix: str, unit: str, by: str, values: str, median: str) -> dict[str, Metric]:
    """Metrics of `add_scored(prefix)`, named `<unit>_recall`, `alert_precision`, `<unit>_f1`,
    `false_alerts_per_device_year`, `<unit>_recall_all`, `recall_by_<by>` (per group), `median`
    (of `values`, in days) and the device-day figures `day_accuracy` … `day_auc`."""
    p = prefix

    def recall(v: Weighted) -> np.ndarray:
        return ratio(v[f"{p}units_hit"], v[f"{p}units"])

    def precision(v: Weighted) -> np.ndarray:
        return ratio(v[f"{p}alerts_true"], v[f"{p}alerts"])

    def f1(v: Weighted) -> np.ndarray:
        # no alert at all: precision counts as 0 (and F1 is 0); no unit: undefined
        return harmonic(np.nan_to_num(precision(v), nan=0.0), recall(v))

    out = {
        f"{unit}_recall": Metric(
            recall, f"{p}units", f"share of gated {unit}s warned/detected in time"
        ),
        "alert_precision": Metric(
            precision, f"{p}alerts", f"share of alert episodes that are true ({unit}s)"
        ),
        f"{unit}_f1": Metric(f1, f"{p}units", f"F1 of {unit} recall and alert precision"),
        "false_alerts_per_device_year": Metric(
            lambda v: ratio(
                v[f"{p}alerts"] - v[f"{p}alerts_true"], v[f"{p}device_days"] / DAYS_PER_YEAR
            ),
            f"{p}device_days",
            "false alert episodes per device and year of scored days",
        ),
        f"{unit}_recall_all": Metric(
            lambda v: ratio(v[f"{p}units_all_hit"], v[f"{p}units_all"]),
            f"{p}units_all",
            f"share of all {unit}s (gated or not) warned/detected",
        ),
        f"recall_by_{by}": Metric(
            lambda v: ratio(v[f"{p}units_hit_by"], v[f"{p}units_by"]),
            f"{p}units_by",
            f"{unit} recall per {by}",
            f"{p}units_by",
        ),
        median: Metric(
            lambda v: v.median(f"{p}{values}"),
            f"{p}units_hit",
            f"median {values} of the warned/detected {unit}s (days)",
        ),
    }
    day = binary(f"{p}day_", "device-days")
    out |= {f"day_{k}": m for k, m in day.items()}
    return out


def event_counts(stats, prefix: str = "") -> dict:
    """The counts both device models report beside their rates, from the statistics
    `add_scored(prefix)` left: units, alert episodes (and the false ones), device-days and the
    device-day confusion matrix ([[tn, fp], [fn, tp]])."""

    def total(name: str) -> int:
        return int(round(float(stats.total(f"{prefix}{name}"))))

    return {
        "alert_episodes": total("alerts"),
        "false_alerts": total("alerts") - total("alerts_true"),
        "device_days": total("device_days"),
        "confusion": [
            [total("day_tn"), total("day_fp")],
            [total("day_fn"), total("day_tp")],
        ],
    }


def histogram(values: np.ndarray, lo: int, hi: int) -> dict[str, int]:
    """Counts of integer values lo..hi (e.g. lead times 1..7 days)."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)].astype(int)
    return {str(d): int((v == d).sum()) for d in range(lo, hi + 1)}


def choose_threshold(
    scoring: FailureScoring | AnomalyScoring,
    score: np.ndarray,
    min_precision: float,
    candidates: int = 120,
) -> tuple[float, dict]:
    """The alert threshold on `score` (rows of validation homes, scored by `scoring`) that
    warns of / detects the most gated units while keeping alert precision >= `min_precision`
    (the false-alarm budget).

    Candidates are quantiles of the scored rows' scores, from the top 0.01 % of rows down to
    the top half; when no candidate meets the budget, the one with the best alert precision is
    taken. Training cycles shorter than the burn-in have no scored day: then every day of them
    is used (recorded as `valid_burn_in_days` 0). Returns the threshold and its validation
    figures."""
    score = np.asarray(score, float)
    if not scoring.rows.scored.any() and scoring.rows.burn_in > 0:
        scoring = scoring.with_burn_in(0)
    pool = score[scoring.rows.scored & np.isfinite(score)]
    if pool.size == 0:
        return float("inf"), {}
    levels = 1.0 - np.logspace(-4.0, np.log10(0.5), candidates)
    qs = np.unique(np.quantile(pool, levels))
    best, best_key, best_figures = float(qs[-1]), (-1.0, -1.0, -1.0), {}
    for thr in qs[::-1]:
        result = scoring(score >= thr)
        hit = result.units.loc[result.units["gated"], "hit"].to_numpy(float)
        true = result.alerts["true"].to_numpy(float)
        recall = float(hit.mean()) if hit.size else 0.0
        precision = float(true.mean()) if true.size else 0.0
        meets = precision >= min_precision and true.size > 0
        key = (1.0, recall, precision) if meets else (0.0, precision, recall)
        if key > best_key:
            best, best_key = float(thr), key
            best_figures = {
                "valid_unit_recall": round(recall, 4),
                "valid_alert_precision": round(precision, 4),
                "valid_units": int(hit.size),
                "valid_alerts": int(true.size),
                "meets_budget": bool(meets),
                "valid_burn_in_days": scoring.rows.burn_in,
            }
    return best, best_figures


def plot_rows(y_true: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """Rows for the ROC/PR plots: the scored rows, or every row when the scored ones lack a
    class (a benchmark shorter than the burn-in has no scored row at all)."""
    y = np.asarray(y_true, bool)[scored]
    return scored if 0 < y.sum() < y.size else np.ones(scored.size, dtype=bool)
