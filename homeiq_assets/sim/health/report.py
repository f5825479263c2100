"""Learnability figures for the device-health data: is `gt_fails_within_7d` trivially learnable?

Why: the earlier system's labels were thresholds on the same row, so a tiny model scored ~99 %.
Here the label comes from a latent process, so a shallow model on same-day telemetry should do
poorly and a model that reads the device's recent history (trends, deviations from its own
baseline) clearly better. This module measures both on held-out homes (split by home_id, never
by row), with the decision threshold of each model tuned on validation homes, and reports F1
with sample sizes. Run it with ``python -m homeiq_assets.sim.health.report [seed]``.

sklearn is imported lazily so the simulator itself does not depend on it at import time.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from homeiq_assets.sim.catalog import HEALTH_CATEGORIES
from homeiq_assets.sim.health.config import TELEMETRY_FIELDS, HealthConfig
from homeiq_assets.sim.health.devices import standalone_devices
from homeiq_assets.sim.health.physics import NORMAL_BANDS
from homeiq_assets.sim.health.process import simulate_device_health

REPORT_START = dt.date(2025, 1, 6)


def telemetry_grids(table: pa.Table, days: int) -> dict[str, np.ndarray]:
    """Each telemetry column as an (n_devices, days) float grid, NaN where null.

    Relies on the table contract: sorted by (home, device, date) with one row per device-day.
    """
    n = table.num_rows // days
    out = {}
    for name in TELEMETRY_FIELDS:
        col = table.column(name).to_numpy(zero_copy_only=False)
        out[name] = np.asarray(col, dtype=np.float64).reshape(n, days)
    return out


def _window_sum(x: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of non-NaN x over days [t - hi, t - lo] for every t (inclusive)."""
    valid = ~np.isnan(x)
    n, days = x.shape
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(np.where(valid, x, 0.0), 1)], 1)
    cc = np.concatenate([np.zeros((n, 1)), np.cumsum(valid, 1)], 1)
    t = np.arange(days)
    a = np.clip(t - hi, 0, days)
    b = np.clip(t - lo + 1, 0, days)
    return cs[:, b] - cs[:, a], cc[:, b] - cc[:, a]


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def history_features(grids: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Rolling features per device-day from the previous 7-14 days and the device's baseline.

    Per field: today's value, 7-day mean / min / max / std / least-squares slope, the previous
    week's mean, the expanding baseline mean of all days before the last week, and the deltas
    of today and of the last week against that baseline and against the previous week.
    """
    feats: list[np.ndarray] = []
    names: list[str] = []
    for name, x in grids.items():
        n, days = x.shape
        s7, c7 = _window_sum(x, 0, 6)
        s3, c3 = _window_sum(x, 0, 2)
        m3 = _safe_div(s3, c3)
        m7 = _safe_div(s7, c7)
        q7, _ = _window_sum(x * x, 0, 6)
        sd7 = np.sqrt(np.maximum(_safe_div(q7, c7) - m7**2, 0.0))
        sp, cp = _window_sum(x, 7, 13)
        mprev = _safe_div(sp, cp)
        sb, cb = _window_sum(x, 7, days)
        base = _safe_div(sb, cb)
        tt = np.broadcast_to(np.arange(days, dtype=float), x.shape)
        tx, _ = _window_sum(tt * x, 0, 6)
        st, _ = _window_sum(np.where(np.isnan(x), np.nan, tt), 0, 6)
        stt, _ = _window_sum(np.where(np.isnan(x), np.nan, tt * tt), 0, 6)
        slope = _safe_div(c7 * tx - st * s7, c7 * stt - st**2)
        pad = np.concatenate([np.full((n, 6), np.nan), x], 1)
        win = np.lib.stride_tricks.sliding_window_view(pad, 7, axis=1)
        mx = np.where(np.isnan(win), -np.inf, win).max(-1)
        mn = np.where(np.isnan(win), np.inf, win).min(-1)
        mx[np.isinf(mx)] = np.nan
        mn[np.isinf(mn)] = np.nan
        for suffix, arr in (
            ("cur", x),
            ("mean3", m3),
            ("mean7", m7),
            ("min7", mn),
            ("max7", mx),
            ("std7", sd7),
            ("slope7", slope),
            ("prev7", mprev),
            ("d3_base", m3 - base),
            ("d7_base", m7 - base),
            ("cur_base", x - base),
            ("d7_prev", m7 - mprev),
        ):
            feats.append(arr.reshape(-1))
            names.append(f"{name}_{suffix}")
    return np.column_stack(feats), names


def band_rule(table: pa.Table) -> np.ndarray:
    """Baseline rule of the earlier system: flag a row when any field leaves its normal band."""
    cats = np.asarray(table.column("category").to_numpy(zero_copy_only=False)).astype(str)
    flag = np.zeros(table.num_rows, dtype=bool)
    for cat in HEALTH_CATEGORIES:
        sel = cats == cat
        for name, (lo, hi) in NORMAL_BANDS[cat].items():
            v = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)[sel]
            flag[sel] |= (v < lo) | (v > hi)
    return flag


def _best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The score threshold that maximises F1 on (validation) rows."""
    order = np.argsort(-score, kind="stable")
    ys = y[order]
    tp = np.cumsum(ys)
    k = np.arange(1, ys.size + 1)
    f1 = 2 * tp / (k + ys.sum())
    distinct = np.r_[score[order][1:] != score[order][:-1], True]
    f1 = np.where(distinct, f1, -1)
    i = int(np.argmax(f1))
    return float(score[order][i])


def _f1(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = float(np.sum(y & pred))
    precision = tp / max(float(pred.sum()), 1.0)
    recall = tp / max(float(y.sum()), 1.0)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4)}


def learnability_report(seed: int = 7, n_devices: int = 3000, days: int = 60) -> dict[str, Any]:
    """F1 on gt_fails_within_7d for held-out homes: depth-2 tree on same-day telemetry vs a
    gradient-boosted model on 7-14 day history features (and the band rule), with sizes."""

    t0 = time.perf_counter()
    devices = standalone_devices(n_devices, days, REPORT_START, seed)
    table = simulate_device_health(devices, REPORT_START, days, seed, HealthConfig())
    report = learnability_of_table(table, days, seed)
    report.update(devices=n_devices, seconds=round(time.perf_counter() - t0, 2))
    return report


def learnability_of_table(table: pa.Table, days: int, seed: int = 7) -> dict[str, Any]:
    """The same comparison on any device_health table (e.g. a simulated fleet's): rows must be
    every device's `days` consecutive days, grouped by device."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupShuffleSplit
    from sklearn.tree import DecisionTreeClassifier

    t0 = time.perf_counter()
    grids = telemetry_grids(table, days)
    x_hist, _ = history_features(grids)
    cats = np.asarray(table.column("category").to_numpy(zero_copy_only=False)).astype(str)
    cat_code = np.searchsorted(np.array(sorted(HEALTH_CATEGORIES)), cats).astype(float)
    battery_powered = (
        np.asarray(table.column("power_source").to_numpy(zero_copy_only=False)) == "battery"
    ).astype(float)
    same_day = np.column_stack(
        [np.nan_to_num(grids[f].reshape(-1), nan=-1.0) for f in TELEMETRY_FIELDS]
        + [cat_code, battery_powered]
    )
    x_hist = np.column_stack([x_hist, cat_code, battery_powered])
    y = np.asarray(table.column("gt_fails_within_7d").to_numpy(zero_copy_only=False), bool)
    up = np.asarray(table.column("gt_status").to_numpy(zero_copy_only=False)) == "ok"
    homes = np.asarray(table.column("home_id").to_numpy(zero_copy_only=False)).astype(str)
    band = band_rule(table)

    rows = np.flatnonzero(up)  # down rows have no telemetry: excluded from train and eval
    outer = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed)
    fit_val, test = next(outer.split(rows, groups=homes[rows]))
    inner = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=seed + 1)
    fit, val = next(inner.split(fit_val, groups=homes[rows[fit_val]]))
    r_fit, r_val, r_test = rows[fit_val[fit]], rows[fit_val[val]], rows[test]

    tree = DecisionTreeClassifier(max_depth=2, random_state=seed)
    tree.fit(same_day[r_fit], y[r_fit])
    thr = _best_threshold(y[r_val], tree.predict_proba(same_day[r_val])[:, 1])
    tree_pred = tree.predict_proba(same_day[r_test])[:, 1] >= thr

    model = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.08,
        max_leaf_nodes=31,
        random_state=seed,
        early_stopping=False,
    )
    model.fit(x_hist[r_fit], y[r_fit])
    thr_h = _best_threshold(y[r_val], model.predict_proba(x_hist[r_val])[:, 1])
    hist_pred = model.predict_proba(x_hist[r_test])[:, 1] >= thr_h

    y_test = y[r_test]
    modes = np.asarray(table.column("gt_failure_mode").to_numpy(zero_copy_only=False))[r_test]
    recall_by_mode = {
        str(m): round(float(hist_pred[y_test & (modes == m)].mean()), 3)
        for m in np.unique(modes[y_test].astype(str))
    }
    report = {
        "seed": seed,
        "devices": int(table.num_rows // days),
        "days": days,
        "failure_rate": HealthConfig().failure_rate,
        "train_rows": int(r_fit.size),
        "val_rows": int(r_val.size),
        "test_rows": int(r_test.size),
        "test_homes": int(np.unique(homes[r_test]).size),
        "test_positives": int(y_test.sum()),
        "test_positive_share": round(float(y_test.mean()), 4),
        "depth2_tree_same_day": _f1(y_test, tree_pred),
        "history_model": _f1(y_test, hist_pred),
        "band_rule_same_day": _f1(y_test, band[r_test]),
        "history_recall_by_mode": recall_by_mode,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    report["f1_gap"] = round(
        report["history_model"]["f1"] - report["depth2_tree_same_day"]["f1"], 4
    )
    return report


def main(argv: list[str]) -> None:
    """`python -m homeiq_assets.sim.health.report [SEED]` for standalone devices, or
    `… --fleet DIR` for the device_health table of a `homeiq generate` folder."""
    if argv[:1] == ["--fleet"]:
        import pyarrow.dataset as ds

        folder = Path(argv[1])
        summary = json.loads((folder / "summary.json").read_text())
        table = ds.dataset(folder / "device_health").to_table()
        report = learnability_of_table(table, summary["days"], summary["seed"])
    else:
        report = learnability_report(int(argv[0]) if argv else 7)
    print(json.dumps(report, indent=2))


def benchmark_device_days(n_devices: int, days: int, seed: int) -> dict[str, float]:
    """Time simulate_device_health alone (inputs are built first and not counted)."""
    devices = standalone_devices(n_devices, days, dt.date(2025, 1, 6), seed)
    t0 = time.perf_counter()
    table = simulate_device_health(devices, dt.date(2025, 1, 6), days, seed, HealthConfig())
    seconds = time.perf_counter() - t0
    return {"rows": table.num_rows, "seconds": seconds, "rows_per_s": table.num_rows / seconds}


if __name__ == "__main__":  # pragma: no cover - manual reproduction of the documented figures
    main(sys.argv[1:])
