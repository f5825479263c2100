"""The reserved fleets: four seasons from reserved seeds, built once, loadable as collected
cycles, and never sharing a home with training data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from homeiq_assets.ml.benchmark import (
    AUDIT,
    BENCHMARK,
    RESERVED_SEEDS,
    build_reserved_fleet,
    part_homes,
)
from homeiq_assets.ml.data import home_key, load_datasets


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("reserved") / "benchmark"
    return root, build_reserved_fleet(root, BENCHMARK, homes=9, days=21)


def test_the_fleet_spans_four_seasons_from_reserved_seeds(bench) -> None:
    root, info = bench
    assert info["built_now"] and info["cycles"] == BENCHMARK.cycles
    assert info["homes_per_season"] == dict(zip(BENCHMARK.cycles, [3, 2, 2, 2], strict=True))
    parts = info["config"]["parts"]
    assert {p["seed"] for p in parts} <= RESERVED_SEEDS
    months = sorted(int(p["start"][5:7]) for p in parts)
    assert months == [1, 4, 7, 10]  # winter, spring, summer, autumn
    homes = load_datasets(root, BENCHMARK.cycles, ("home_type",))["home_type"]
    assert len(np.unique(home_key(homes))) == 9


def test_it_is_built_once_and_rebuilt_only_for_another_config(bench, tmp_path) -> None:
    root, info = bench
    stamp = (root / "benchmark.json").stat().st_mtime_ns
    again = build_reserved_fleet(root, BENCHMARK, homes=9, days=21)
    assert not again["built_now"] and (root / "benchmark.json").stat().st_mtime_ns == stamp
    other = tmp_path / "benchmark"
    other.mkdir()
    (other / "benchmark.json").write_text(json.dumps({"config": {"fleet": "stale"}}))
    rebuilt = build_reserved_fleet(other, BENCHMARK, homes=8, days=21)
    assert rebuilt["built_now"] and rebuilt["homes"] == 8
    assert not (tmp_path / ".benchmark.staging").exists()


def test_benchmark_and_audit_never_share_a_seed_or_a_start_day() -> None:
    assert not set(BENCHMARK.seeds) & set(AUDIT.seeds)
    assert not {p.start for p in BENCHMARK.parts} & {p.start for p in AUDIT.parts}
    assert not set(BENCHMARK.cycles) & set(AUDIT.cycles)


def test_bad_sizes_fail_naming_the_field(tmp_path) -> None:
    with pytest.raises(ValueError, match="homes"):
        build_reserved_fleet(tmp_path / "b", BENCHMARK, homes=3, days=30)
    with pytest.raises(ValueError, match="days"):
        build_reserved_fleet(tmp_path / "b", BENCHMARK, homes=8, days=5)
    assert not (tmp_path / "b").exists()


def test_homes_are_split_evenly_over_the_seasons() -> None:
    assert part_homes(120) == [30, 30, 30, 30]
    assert sum(part_homes(121)) == 121 and max(part_homes(121)) - min(part_homes(121)) == 1
