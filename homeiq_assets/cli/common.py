"""What every `homeiq` command shares: the usage error and its exit code, argument checks that
name the option, progress lines on stderr, and the local Dagster instance and run summary."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line input; the message names the option."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit code 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def positive(option: str, value: int) -> int:
    if value < 1:
        raise UsageError(f"{option} must be at least 1 (got {value})")
    return value


def date_option(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be a date YYYY-MM-DD (got {value!r})") from None


def home_type_mix(value: str | None) -> dict[str, float] | None:
    """`apartment,condo` (equal weights) or `apartment=2,condo=1`."""
    if not value:
        return None
    from homeiq_assets.sim.catalog import HOME_TYPES

    mix: dict[str, float] = {}
    for item in value.split(","):
        name, _, weight = item.strip().partition("=")
        if name not in HOME_TYPES:
            raise UsageError(
                f"--home-types: unknown home type {name!r} (known: {', '.join(HOME_TYPES)})"
            )
        try:
            mix[name] = float(weight) if weight else 1.0
        except ValueError:
            raise UsageError(f"--home-types: weight of {name!r} must be a number") from None
        if mix[name] < 0:
            raise UsageError(f"--home-types: weight of {name!r} must be >= 0")
    if sum(mix.values()) <= 0:
        raise UsageError("--home-types: weights must not all be zero")
    return mix


def rate(option: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"{option} must be within [0, 1] (got {value})")
    return value


def out_dir(value: str) -> Path:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out: {value} exists and is not a directory")
    parent = path.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--out: {value} is not writable")
    return path


def progress(label: str):
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        print(
            f"{label}: {done}/{total} ({time.perf_counter() - start:.1f}s)",
            file=sys.stderr,
            flush=True,
        )

    return report


def ensure_instance_env() -> Path:
    """Point Dagster at the project's instance: DAGSTER_HOME (default: the folder holding
    dagster.yaml, else <data dir>/dagster_home) with storage under the data dir."""
    from homeiq_assets.settings import settings

    s = settings()
    os.environ.setdefault("HOMEIQ_DAGSTER_STORAGE_DIR", str(s.dagster_storage_dir))
    if "DAGSTER_HOME" not in os.environ:
        repo_yaml = Path.cwd() / "dagster.yaml"
        if repo_yaml.exists():
            os.environ["DAGSTER_HOME"] = str(Path.cwd())
        else:
            home = s.data_dir / "dagster_home"
            home.mkdir(parents=True, exist_ok=True)
            os.environ["DAGSTER_HOME"] = str(home)
    elif not Path(os.environ["DAGSTER_HOME"]).is_dir():
        raise UsageError(
            f"DAGSTER_HOME={os.environ['DAGSTER_HOME']} is not a directory: create it, or unset "
            f"DAGSTER_HOME to use {s.data_dir / 'dagster_home'}"
        )
    Path(os.environ["HOMEIQ_DAGSTER_STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)
    return Path(os.environ["DAGSTER_HOME"])


def print_run(outcome, instance, key: str) -> None:
    """What a finished run produced (figures per asset, checks) and how it ended; `outcome` is
    a `cli.runs.RunOutcome`."""
    import dagster as dg

    records = instance.get_records_for_run(
        outcome.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    ).records
    for record in records:
        mat = record.event_log_entry.asset_materialization
        if mat is None:
            continue
        shown = (
            "homes",
            "events_per_second",
            "failures",
            "devices",
            "routines",
            "synergy_candidates",
            "strong_patterns",
            "precision",
            "recall",
            "candidate_pairs",
            "rule_baseline_f1",
            "suggestions",
            "yaml_valid_rate",
            "requests",
            "approval_rate",
            "records_collected",
            "validation_pass_rate",
            "cycles_aggregated",
            "states",
            "structural_accuracy",
            "structural_macro_f1",
            "accuracy",
            "macro_f1",
            "f1",
            "auc",
            "event_recall",
            "episode_recall",
            "alert_precision",
            "day_accuracy",
        )
        counts = {
            k: v.value
            for k, v in mat.metadata.items()
            if k.startswith(("rows", "kept_", "records_")) or k in shown
        }
        print(f"  {mat.asset_key.to_user_string():<18} {json.dumps(counts)}")
    checks = instance.get_records_for_run(
        outcome.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failed = [
        r.event_log_entry.dagster_event.event_specific_data.check_name
        for r in checks
        if not r.event_log_entry.dagster_event.event_specific_data.passed
    ]
    print(
        f"  checks: {len(checks) - len(failed)}/{len(checks)} passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    status = "succeeded" if outcome.success else "FAILED"
    print(
        f"run {outcome.run_id} ({outcome.job}) {status} for cycle {key}. Open the UI with "
        "`make ui` (http://127.0.0.1:3000) to browse it under Runs or the job."
    )
    if not outcome.success and outcome.failure:
        print(f"  why: {outcome.failure}")
