"""Held-out evaluation of the home-type model on fleets from `homeiq generate` + `homeiq collect`.

Every folder given is the `--out` of one `homeiq collect` run (its cycles are read from it).
Training sets are consecutive groups of training folders (`--group 1 2 4 8`: each folder alone,
pairs, fours, all eight), so the figures show how the model grows with training homes; the test
folders come from other seeds and start dates and are never trained on. Prints one JSON line per
training set and writes everything to `--json`.

    for s in 3001 3002 3003 3004 3005 3006 3007 3008; do   # 100 training homes each
      homeiq generate --homes 100 --days 21 --seed $s --start <date> --out /tmp/m/f$s
      homeiq collect --from /tmp/m/f$s --out /tmp/m/c$s --cycle c$s
    done   # and the same for the test seeds 4001-4005 (300 homes, other start dates)
    python tools/home_type_eval.py --train /tmp/m/c300? --test /tmp/m/c400? --group 1 2 4 8
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from homeiq_assets.collect.pipeline import stored_cycles
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.models import home_type

METRICS = ("structural_accuracy", "structural_macro_f1", "accuracy", "macro_f1")


def _load(folder: Path) -> pd.DataFrame:
    return load_datasets(folder, stored_cycles(folder), ("home_type",))["home_type"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+", required=True)
    parser.add_argument("--test", type=Path, nargs="+", required=True)
    parser.add_argument("--group", type=int, nargs="+", default=[1])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plots", type=Path, default=Path("/tmp/home_type_eval"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    train_parts = [_load(f) for f in args.train]
    test = pd.concat([_load(f) for f in args.test], ignore_index=True)
    results = []
    for size in args.group:
        for start in range(0, len(train_parts) - size + 1, size):
            train = pd.concat(train_parts[start : start + size], ignore_index=True)
            _, report = home_type.train_and_evaluate(
                {"home_type": train}, {"home_type": test}, args.plots / f"{size}_{start}", args.seed
            )
            row = {
                "train_homes": len(train),
                "test_homes": len(test),
                "train_folders": [str(f) for f in args.train[start : start + size]],
                "params": {k: report.params[k] for k in ("min_samples_leaf", "feature_set")},
                "estimates": report.estimates,
                "structural_confusion": report.metrics["structural_confusion"],
                "confusion": report.metrics["confusion"],
                "confusion_row_share": report.metrics["confusion_row_share"],
                "test_by_type": report.samples["test_by_type"],
            }
            results.append(row)
            short = {m: report.estimates[m] for m in METRICS}
            print(json.dumps({"train_homes": len(train), **short}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
