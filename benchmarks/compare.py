"""Side-by-side speed of this checkout and an earlier commit, measured in one run.

These machines drift by 2x from day to day, so a change's effect is stated as a ratio against
the previous commit measured alternately on the same machine, never as absolute figures from
different days. The earlier commit is checked out into a scratch git worktree and run from
there with PYTHONPATH (same interpreter and libraries); measurements alternate between the two
versions, and the medians and their ratio are written to `benchmarks/compare.json`.

    python benchmarks/compare.py REV [--what simulation collection cycle dagster] [--repeat 3]

`cycle` is generate + collect of 200 homes x 30 days (wall, CPU/wall, peak RSS); `dagster` is
`homeiq cycle` of 100 homes x 21 days (the run's wall and machine CPU/wall).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ROOT, collection, cycle, dagster_cycle, simulate  # noqa: E402

OUT = ROOT / "benchmarks" / "compare.json"


def _measure(run, sizes: tuple[int, int], keys: dict[str, str]):
    """A measure of `run(*sizes)`: the figures compared, under their names here."""

    def measure(code: Path | None) -> dict:
        m = run(*sizes, code=code)
        return {name: m[key] for name, key in keys.items()}

    return measure


def _same(*keys: str) -> dict[str, str]:
    return {k: k for k in keys}


MEASURES = {
    "simulation": _measure(
        simulate, (100, 30), {"wall_s": "wall_s", "events_per_s": "events_per_s_whole_process"}
    ),
    "collection": _measure(collection, (50, 30), _same("wall_s", "cpu_s", "collection_s")),
    "cycle": _measure(cycle, (200, 30), _same("wall_s", "cpu_over_wall", "peak_rss_mb")),
    "dagster": _measure(
        dagster_cycle, (100, 21), _same("command_wall_s", "run_wall_s", "run_cpu_over_wall")
    ),
}


def checkout(rev: str) -> Path:
    """A scratch worktree of `rev` (detached), removed by the caller."""
    path = Path(tempfile.mkdtemp(prefix="homeiq-compare-"))
    path.rmdir()
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier commit (e.g. HEAD~1 or a hash)")
    parser.add_argument("--what", nargs="+", choices=sorted(MEASURES), default=["simulation"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    base = checkout(args.rev)
    results: dict = {
        "base": subprocess.run(
            ["git", "rev-parse", "--short", args.rev], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "head": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    try:
        for what in args.what:
            runs: dict[str, list[dict]] = {"base": [], "head": []}
            for i in range(args.repeat):
                # alternate the order so a drifting machine favours neither version
                order = (
                    (("base", base), ("head", None))
                    if i % 2 == 0
                    else (
                        ("head", None),
                        ("base", base),
                    )
                )
                for label, code in order:
                    runs[label].append(MEASURES[what](code))
                    print(f"{what} {label} #{i + 1}: {runs[label][-1]}", file=sys.stderr)
            medians = {
                label: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                for label, rs in runs.items()
            }
            ratios = {
                k: round(medians["head"][k] / medians["base"][k], 3)
                for k in medians["head"]
                if medians["base"][k]
            }
            results[what] = {"runs": runs, "median": medians, "head_over_base": ratios}
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
        shutil.rmtree(base, ignore_errors=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(
        json.dumps(
            {k: v["head_over_base"] if isinstance(v, dict) else v for k, v in results.items()},
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
