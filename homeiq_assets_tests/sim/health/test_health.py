"""Device-health simulator: labels from the latent process, signatures, determinism, speed.

The figures these tests assert (learnability gap, warning-sign share, default failure share)
are the ones quoted in docs/device_health.md; run with ``-s`` to see them printed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError

from homeiq_assets.sim.catalog import HEALTH_CATEGORIES
from homeiq_assets.sim.health.config import (
    ANOMALY_KINDS,
    FAILURE_MODES,
    TELEMETRY_FIELDS,
    HealthConfig,
)
from homeiq_assets.sim.health.devices import DeviceInputs, standalone_devices
from homeiq_assets.sim.health.physics import NORMAL_BANDS
from homeiq_assets.sim.health.process import simulate_device_health, simulate_health
from homeiq_assets.sim.health.report import benchmark_device_days
from homeiq_assets.sim.health.table import HEALTH_SCHEMA, HealthTables
from homeiq_assets_tests.sim.health.conftest import DEFAULT_DAYS

START = dt.date(2025, 1, 6)


def _grid(table: pa.Table, name: str, days: int) -> np.ndarray:
    col = table.column(name).to_numpy(zero_copy_only=False)
    return np.asarray(col).reshape(-1, days)


def _fgrid(table: pa.Table, name: str, days: int) -> np.ndarray:
    return _grid(table, name, days).astype(float)


@pytest.fixture(scope="module")
def default_run(default_tables: HealthTables) -> tuple[pa.Table, int]:
    return default_tables.telemetry, DEFAULT_DAYS


@pytest.fixture(scope="module")
def busy_run() -> tuple[pa.Table, int]:
    """A high failure rate so every mode has many failures with a 30-day history before."""
    days = 70
    devices = standalone_devices(4000, days, START, 5)
    cfg = HealthConfig(failure_rate=0.3)
    return simulate_device_health(devices, START, days, 5, cfg), days


def _failures(table: pa.Table, days: int, min_day: int) -> list[tuple[int, int, str]]:
    """(device row, failure day, mode) of failures starting inside the window at >= min_day."""
    down = _grid(table, "gt_status", days) == "failed"
    mode = _grid(table, "gt_failure_mode", days)
    first = down.copy()
    first[:, 1:] &= ~down[:, :-1]
    first[:, 0] = False
    dev, day = np.nonzero(first)
    keep = day >= min_day
    return [(int(i), int(d), str(mode[i, d])) for i, d in zip(dev[keep], day[keep], strict=True)]


# ---------------------------------------------------------------------------------------------
# configuration and input validation
# ---------------------------------------------------------------------------------------------


def test_config_defaults_and_normalisation() -> None:
    cfg = HealthConfig()
    assert 0.08 <= cfg.failure_rate <= 0.10
    assert set(cfg.mode_mix) == set(FAILURE_MODES)
    assert sum(cfg.mode_mix.values()) == pytest.approx(1.0)
    mix = HealthConfig(mode_mix={"sudden": 2.0, "network": 6.0}).mode_mix
    assert mix["network"] == pytest.approx(0.75) and mix["progressive"] == 0.0
    with pytest.raises(ValidationError):
        cfg.failure_rate = 0.5  # frozen


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"failure_rate": 1.5}, "failure_rate"),
        ({"failure_rate": -0.1}, "failure_rate"),
        ({"anomaly_rate": 2.0}, "anomaly_rate"),
        ({"mode_mix": {"melting": 1.0}}, "mode_mix"),
        ({"mode_mix": {"sudden": -1.0}}, "mode_mix"),
        ({"mode_mix": {"sudden": 0.0}}, "mode_mix"),
        ({"repair_days": (0, 3)}, "repair_days"),
        ({"repair_days": (4, 2)}, "repair_days"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_config_rejects_bad_values(kwargs: dict, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        HealthConfig(**kwargs)


def _tiny(n: int = 4, days: int = 5) -> DeviceInputs:
    return standalone_devices(n, days, START, 1)


def test_bad_inputs_name_the_argument() -> None:
    dev = _tiny()
    with pytest.raises(ValueError, match="days"):
        simulate_device_health(dev, START, 0, 1, HealthConfig())
    empty = DeviceInputs(*(np.asarray(getattr(dev, f))[:0] for f in dev.__dataclass_fields__))
    with pytest.raises(ValueError, match="devices"):
        simulate_device_health(empty, START, 5, 1, HealthConfig())
    short = _tiny()
    short.area_id = short.area_id[:-1]
    with pytest.raises(ValueError, match="area_id"):
        simulate_device_health(short, START, 5, 1, HealthConfig())
    wrong_days = _tiny()
    with pytest.raises(ValueError, match="usage"):
        simulate_device_health(wrong_days, START, 6, 1, HealthConfig())
    bad_cat = _tiny()
    bad_cat.category = np.array(["toaster"] * 4, dtype=object)
    with pytest.raises(ValueError, match="category"):
        simulate_device_health(bad_cat, START, 5, 1, HealthConfig())
    with pytest.raises(ValueError, match="n_devices"):
        standalone_devices(0, 5, START, 1)


def test_unknown_device_type_falls_back_to_category() -> None:
    dev = _tiny(6, 10)
    dev.device_type = np.array(["mystery_gadget"] * 6, dtype=object)
    table = simulate_device_health(dev, START, 10, 3, HealthConfig())
    assert table.num_rows == 60
    assert set(table.column("device_type").to_pylist()) == {"mystery_gadget"}


# ---------------------------------------------------------------------------------------------
# table shape and labels
# ---------------------------------------------------------------------------------------------


def test_standalone_devices_shape() -> None:
    dev = standalone_devices(1000, 14, START, 9)
    assert len(dev) == 1000 and dev.usage.shape == (1000, 14) == dev.room_temp_c.shape
    assert set(dev.category) == set(HEALTH_CATEGORIES)
    homes, counts = np.unique(dev.home_id, return_counts=True)
    assert homes[0] == "d000001"
    assert 15 <= np.median(counts) <= 25
    assert (dev.usage >= 0).all()
    # outdoor temperatures swing more than indoor ones and winter is cold outside
    assert dev.room_temp_c[dev.outdoor].std() > dev.room_temp_c[~dev.outdoor].std()


def test_schema_sorting_and_ranges(default_run: tuple[pa.Table, int]) -> None:
    table, days = default_run
    assert table.schema == HEALTH_SCHEMA
    assert table.num_rows == 4000 * days
    keys = list(
        zip(
            table.column("home_id").to_pylist(),
            table.column("device_id").to_pylist(),
            table.column("date").to_pylist(),
            strict=True,
        )
    )
    assert keys == sorted(keys)
    up = _grid(table, "gt_status", days) == "ok"
    mains = _grid(table, "power_source", days) == "mains"
    battery = _fgrid(table, "battery_pct", days)
    assert np.isnan(battery[mains]).all()
    assert not np.isnan(battery[~mains & up]).any()
    err = _fgrid(table, "error_rate", days)[up]
    uptime = _fgrid(table, "uptime_h", days)[up]
    assert err.min() >= 0 and err.max() <= 1
    assert uptime.min() >= 0 and uptime.max() <= 24
    assert set(table.column("gt_failure_mode").drop_null().to_pylist()) == set(FAILURE_MODES)
    assert set(table.column("gt_anomaly_kind").drop_null().to_pylist()) == set(ANOMALY_KINDS)


def test_label_consistency(default_run: tuple[pa.Table, int]) -> None:
    table, days = default_run
    down = _grid(table, "gt_status", days) == "failed"
    assert down.any()
    for name in TELEMETRY_FIELDS:  # no telemetry while down
        assert table.column(name).is_null().to_numpy(zero_copy_only=False)[down.ravel()].all()
    within = _grid(table, "gt_fails_within_7d", days).astype(bool)
    dtf = _fgrid(table, "gt_days_to_failure", days)
    mode = _grid(table, "gt_failure_mode", days)
    assert not (within & down).any()
    assert np.array_equal(within, (dtf >= 1) & (dtf <= 7))
    assert (dtf[down] == 0).all()
    assert (np.isnan(dtf) == (mode == None)).all()  # noqa: E711 - object array of None
    # a positive row is followed by the failure exactly dtf days later (when inside the window)
    dev, day = np.nonzero(within)
    inside = day + dtf[dev, day].astype(int) < days
    fail_day = day[inside] + dtf[dev[inside], day[inside]].astype(int)
    assert down[dev[inside], fail_day].all()
    assert not down[dev[inside], fail_day - 1].any()
    anomaly = _grid(table, "gt_anomaly", days).astype(bool)
    kind = _grid(table, "gt_anomaly_kind", days)
    assert not (anomaly & down).any()
    # glitches and dropouts lie on clean days; a stuck or drifting sensor may run on into a
    # failure's last week (it ends, at the latest, the day before the device goes down)
    assert not (np.isin(kind, ["spike", "dropout"]) & within).any()


def test_repair_brings_device_back_healthy(default_run: tuple[pa.Table, int]) -> None:
    table, days = default_run
    down = _grid(table, "gt_status", days) == "failed"
    back = ~down[:, 1:] & down[:, :-1]  # first day up again
    dev, day = np.nonzero(back)
    day = day + 1
    assert dev.size > 50
    age = _grid(table, "age_days", days).astype(int)
    assert (age[dev, day] == 0).all()  # replaced: age resets
    battery = _fgrid(table, "battery_pct", days)
    cat = _grid(table, "category", days)
    primary = ~np.isnan(battery[dev, day]) & (cat[dev, day] != "vacuum")
    assert (battery[dev[primary], day[primary]] > 97).all()  # fresh battery
    lo, hi = HealthConfig().repair_days
    for i, d in zip(dev, day, strict=True):
        run = np.flatnonzero(~down[i, :d])  # last up day before this down spell
        if run.size:  # spells that began inside the window last repair_days
            assert lo <= d - 1 - run[-1] <= hi
    # the day after coming back, telemetry is inside the normal bands for most devices
    ok = 0
    for i, d in zip(dev, day, strict=True):
        bands = NORMAL_BANDS[str(cat[i, d])]
        vals = {n: float(table.column(n)[i * days + d].as_py() or 0) for n in bands}
        ok += all(bands[n][0] <= v <= bands[n][1] for n, v in vals.items() if n != "battery_pct")
    assert ok / dev.size > 0.9


def test_default_failure_share_at_least_5_percent_in_30_days() -> None:
    days = 30
    devices = standalone_devices(5000, days, START, 8)
    table = simulate_device_health(devices, START, days, 8, HealthConfig())
    failed = (_grid(table, "gt_status", days) == "failed").any(1)
    share = failed.mean()
    print(f"\ndefault failure share in a 30-day cycle: {share:.3f} of {failed.size} devices")
    assert share >= 0.05
    assert share == pytest.approx(HealthConfig().failure_rate, abs=0.03)


def test_failure_rate_and_mode_mix_are_configurable() -> None:
    days = 30
    devices = standalone_devices(2000, days, START, 4)

    def run(**kw: object) -> pa.Table:
        return simulate_device_health(devices, START, days, 4, HealthConfig(**kw))

    none = run(failure_rate=0.0)
    assert none.column("gt_failure_mode").null_count == none.num_rows
    many = run(failure_rate=0.5)
    share = (_grid(many, "gt_status", days) == "failed").any(1).mean()
    assert share > 0.3
    sudden_only = run(mode_mix={"sudden": 1.0})
    assert set(sudden_only.column("gt_failure_mode").drop_null().to_pylist()) == {"sudden"}
    battery_only = run(failure_rate=0.5, mode_mix={"battery_depletion": 1.0})
    modes = _grid(battery_only, "gt_failure_mode", days)
    mains = _grid(battery_only, "power_source", days) == "mains"
    assert (modes[mains] == None).all()  # noqa: E711 - mains devices cannot deplete
    assert (modes[~mains] != None).any()  # noqa: E711
    no_anomaly = run(anomaly_rate=0.0)
    assert not no_anomaly.column("gt_anomaly").to_numpy(zero_copy_only=False).any()


# ---------------------------------------------------------------------------------------------
# determinism
# ---------------------------------------------------------------------------------------------


def _subset(dev: DeviceInputs, mask: np.ndarray) -> DeviceInputs:
    return DeviceInputs(*(np.asarray(getattr(dev, f))[mask] for f in dev.__dataclass_fields__))


def test_home_rows_do_not_depend_on_the_batch() -> None:
    days = 40
    dev = standalone_devices(300, days, START, 12)
    homes = np.unique(dev.home_id)
    a = homes[0]
    cfg = HealthConfig(failure_rate=0.4, anomaly_rate=0.5)
    alone = simulate_device_health(_subset(dev, dev.home_id == a), START, days, 3, cfg)
    together = simulate_device_health(dev, START, days, 3, cfg)
    # shuffled input order gives the same rows too
    perm = np.random.default_rng(0).permutation(len(dev))
    shuffled = simulate_device_health(_subset(dev, perm), START, days, 3, cfg)
    assert together.equals(shuffled)
    mask = together.column("home_id").to_numpy(zero_copy_only=False) == a
    assert together.filter(pa.array(mask)).equals(alone)
    assert simulate_device_health(dev, START, days, 3, cfg).equals(together)
    assert not simulate_device_health(dev, START, days, 4, cfg).equals(together)
    # the ground-truth episodes too: the same for a home alone, in a batch, shuffled, rerun
    episodes = simulate_health(dev, START, days, 3, cfg).episodes
    assert episodes.num_rows > 20
    assert simulate_health(_subset(dev, perm), START, days, 3, cfg).episodes.equals(episodes)
    mask = episodes.column("home_id").to_numpy(zero_copy_only=False) == a
    alone_ep = simulate_health(_subset(dev, dev.home_id == a), START, days, 3, cfg).episodes
    assert episodes.filter(pa.array(mask)).equals(alone_ep)


# ---------------------------------------------------------------------------------------------
# failure-mode signatures and warning signs
# ---------------------------------------------------------------------------------------------


def _window(x: np.ndarray, i: int, lo: int, hi: int) -> np.ndarray:
    """Non-NaN values of device i over days [lo, hi)."""
    v = x[i, max(lo, 0) : max(hi, 0)]
    return v[~np.isnan(v)]


def test_failure_mode_signatures(busy_run: tuple[pa.Table, int]) -> None:
    table, days = busy_run
    grids = {n: _fgrid(table, n, days) for n in TELEMETRY_FIELDS}
    by_mode: dict[str, list[tuple[int, int]]] = {m: [] for m in FAILURE_MODES}
    for i, f, m in _failures(table, days, min_day=35):
        base = _window(grids["response_time_ms"], i, f - 35, f - 28)
        if base.size >= 5:  # a healthy stretch well before any precursor
            by_mode[m].append((i, f))
    for m in FAILURE_MODES:
        assert len(by_mode[m]) >= 40, (m, len(by_mode[m]))

    def ratio(name: str, i: int, f: int, stat=np.median) -> float:
        last = _window(grids[name], i, f - 3, f)
        base = _window(grids[name], i, f - 35, f - 28)
        return float(stat(last) / max(np.median(base), 1e-9))

    def diff(name: str, i: int, f: int) -> float:
        last = _window(grids[name], i, f - 3, f)
        base = _window(grids[name], i, f - 35, f - 28)
        return float(np.median(last) - np.median(base))

    prog = by_mode["progressive"]
    rising = [
        ratio("response_time_ms", i, f) > 1.3 or ratio("error_rate", i, f) > 2 for i, f in prog
    ]
    assert np.mean(rising) > 0.85
    bat = by_mode["battery_depletion"]
    last_batt = [grids["battery_pct"][i, f - 1] for i, f in bat]
    assert np.nanmax(last_batt) < 3.0  # falls to ~0, then the device dies
    assert (
        np.mean(
            [_window(grids["battery_pct"], i, f - 8, f - 7).max(initial=0) > 10 for i, f in bat]
        )
        > 0.5
    )  # ...a fall over days, not always near 0
    net = by_mode["network"]
    assert np.mean([diff("signal_dbm", i, f) < -5 for i, f in net]) > 0.85
    assert np.mean([diff("connection_drops", i, f) > 2 for i, f in net]) > 0.8
    inter = by_mode["intermittent"]
    burst = [
        _window(grids["restart_count"], i, f - 7, f).max(initial=0) >= 2
        or _window(grids["error_rate"], i, f - 7, f).max(initial=0)
        > 3 * np.median(_window(grids["error_rate"], i, f - 35, f - 28))
        for i, f in inter
    ]
    assert np.mean(burst) > 0.85
    # bursts are intermittent: not every day of the last week is a burst day
    assert (
        np.mean(
            [(_window(grids["restart_count"], i, f - 7, f) >= 2).mean() < 0.9 for i, f in inter]
        )
        > 0.8
    )
    sud = by_mode["sudden"]
    for name in ("response_time_ms", "tx_kbps"):
        r = np.array([ratio(name, i, f) for i, f in sud])
        assert 0.8 < np.median(r) < 1.25, name
    # error rates are counts over requests (often exactly 0): compare the means
    err_last = np.mean([_window(grids["error_rate"], i, f - 3, f).mean() for i, f in sud])
    err_base = np.mean([_window(grids["error_rate"], i, f - 35, f - 28).mean() for i, f in sud])
    assert 0.7 < err_last / err_base < 1.4
    assert abs(np.median([diff("signal_dbm", i, f) for i, f in sud])) < 1.5
    # the shapes differ: sudden failures show none of the others' precursors
    assert np.mean([ratio("response_time_ms", i, f) > 1.3 for i, f in sud]) < 0.25


def _out_of_band(table: pa.Table, days: int, i: int, lo: int, hi: int) -> bool:
    cat = str(table.column("category")[i * days].as_py())
    for name, (b_lo, b_hi) in NORMAL_BANDS[cat].items():
        x = _window(_GRID_CACHE[id(table)][name], i, lo, hi)
        if x.size and ((x < b_lo) | (x > b_hi)).any():
            return True
    return False


_GRID_CACHE: dict[int, dict[str, np.ndarray]] = {}


def test_warning_signs_precede_most_failures(default_run: tuple[pa.Table, int]) -> None:
    table, days = default_run
    _GRID_CACHE[id(table)] = {n: _fgrid(table, n, days) for n in TELEMETRY_FIELDS}
    anomaly = _grid(table, "gt_anomaly", days).astype(bool)
    assert not anomaly.any(1).all()
    flagged: dict[str, list[bool]] = {m: [] for m in FAILURE_MODES}
    for i, f, m in _failures(table, days, min_day=7):
        flagged[m].append(_out_of_band(table, days, i, f - 7, f))
    non_sudden = [x for m in FAILURE_MODES if m != "sudden" for x in flagged[m]]
    sudden = flagged["sudden"]
    share = float(np.mean(non_sudden))
    sudden_share = float(np.mean(sudden))
    print(
        f"\nwarning sign in the 7 days before failure: non-sudden {share:.3f} "
        f"(n={len(non_sudden)}), sudden {sudden_share:.3f} (n={len(sudden)}); by mode "
        + ", ".join(f"{m}={np.mean(v):.2f}" for m, v in flagged.items())
    )
    assert len(non_sudden) > 300 and len(sudden) > 40
    assert share >= 0.70
    assert 1 - sudden_share >= 0.7  # sudden failures: telemetry stays in band
    assert sudden_share < share - 0.4
    _GRID_CACHE.clear()


# ---------------------------------------------------------------------------------------------
# learnability and speed
# ---------------------------------------------------------------------------------------------


def test_labels_are_not_trivially_learnable() -> None:
    from homeiq_assets.sim.health.report import learnability_report

    rep = learnability_report(seed=7, n_devices=4000, days=60)
    tree, hist = rep["depth2_tree_same_day"]["f1"], rep["history_model"]["f1"]
    print(
        f"\nheld-out homes: test rows={rep['test_rows']} homes={rep['test_homes']} "
        f"positives={rep['test_positives']} share={rep['test_positive_share']}; "
        f"depth-2 tree F1={tree}, history model F1={hist}, "
        f"band rule F1={rep['band_rule_same_day']['f1']} ({rep['seconds']} s)"
    )
    assert rep["test_positives"] > 500
    assert tree < 0.8
    assert hist - tree >= 0.15


def test_benchmark_reports_throughput() -> None:
    res = benchmark_device_days(2000, 100, 1)
    print(f"\n200k device-days: {res['seconds']:.2f} s ({res['rows_per_s']:.0f} rows/s)")
    assert res["rows"] == 200_000
