"""Train and score the two device models on fleets from `homeiq generate` (not in CI).

    python tools/device_models_report.py --train T1 T2 ... --bench B1 B2 ... [--resimulate]
        [--models device_failure,device_anomaly] [--out report.json]

Each folder is a `homeiq generate` output. Its `device_health` table is curated into the
`device_intelligence` dataset exactly as `homeiq collect` does (`write_device_health`; the
other collection stages do not feed these models, so they are skipped), with the folder name as
the cycle key. `--resimulate` first rewrites each folder's device telemetry from its homes and
events with the current simulator (into a scratch folder, the fleet is left alone), so fleets
generated with `--no-device-health` or by an older version can be used. The models are trained
on the training folders (validation homes split off them by home) and scored on the benchmark
folders; the report (metrics, intervals, samples, baselines, per-mode and per-kind tables) is
printed as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from homeiq_assets.collect.device_dataset import write_device_health
from homeiq_assets.sim.health.config import HealthConfig
from homeiq_assets.sim.health.fleet import write_fleet_device_health


def device_records(folder: Path, scratch: Path, resimulate: bool) -> pd.DataFrame:
    """The device_intelligence records of one `homeiq generate` folder (cycle = its name)."""
    summary = json.loads((folder / "summary.json").read_text())
    source: Path = folder
    if resimulate:
        source = scratch / folder.name
        for table in ("devices", "areas", "floors", "device_daily"):
            (source / table).mkdir(parents=True, exist_ok=True)
            for part in (folder / table).glob("*.parquet"):
                (source / table / part.name).symlink_to(part.resolve())
        config = summary["config"]
        write_fleet_device_health(
            source,
            source,
            dt.date.fromisoformat(config["start"]),
            int(summary["days"]),
            int(summary["seed"]),
            HealthConfig(),
        )
    out = scratch / f"{folder.name}.curated"
    if write_device_health(source, out, folder.name, int(summary["seed"])) is None:
        raise SystemExit(f"{folder}: no device_health table (use --resimulate)")
    return pd.read_parquet(out / "device_intelligence" / "records.parquet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", nargs="+", type=Path, required=True)
    parser.add_argument("--bench", nargs="+", type=Path, required=True)
    parser.add_argument("--resimulate", action="store_true")
    parser.add_argument("--models", default="device_failure,device_anomaly")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        train = pd.concat(
            [device_records(f, scratch, args.resimulate) for f in args.train], ignore_index=True
        )
        bench = pd.concat(
            [device_records(f, scratch, args.resimulate) for f in args.bench], ignore_index=True
        )
        data_seconds = time.perf_counter() - started
        report = {"data_seconds": round(data_seconds, 1)}
        for name in args.models.split(","):
            module = importlib.import_module(f"homeiq_assets.ml.models.{name}")
            _, rep = module.train_and_evaluate(
                {"device_intelligence": train},
                {"device_intelligence": bench},
                scratch / "plots",
                args.seed,
            )
            report[name] = {
                "metrics": {k: v for k, v in rep.metrics.items() if k != "confusion"},
                "estimates": rep.estimates,
                "baseline_name": rep.baseline_name,
                "baseline": rep.baseline,
                "samples": rep.samples,
                "seconds": rep.seconds,
            }
    text = json.dumps(report, indent=2, default=str)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
