"""`make bench`: throughput, scaling and memory of the simulator, as whole-process figures.

Every measurement runs `homeiq generate` in a fresh process and reads its wall time and peak
resident memory (the largest process of the tree, via wait4) — what a user of the CLI sees,
interpreter start-up included. Results go to benchmarks/results.json and stdout.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
ORIGINAL_10x30_SECONDS = 114.0


def code_env(code: Path | None) -> dict | None:
    """The environment that runs the package from another checkout (e.g. the previous commit
    in a scratch worktree), so two versions are measured side by side in one run."""
    if code is None:
        return None
    return {**os.environ, "PYTHONPATH": str(code)}


def measure(args: list[str], code: Path | None = None) -> dict:
    """Run `homeiq <args> --out TMP` once; wall seconds, peak RSS (MB) and its summary."""
    out = Path(tempfile.mkdtemp(prefix="homeiq-bench-"))
    try:
        wall, rss, _ = _run([*args, "--out", str(out)], env=code_env(code))
        summary = json.loads((out / "summary.json").read_text())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"wall_s": round(wall, 3), "peak_rss_mb": round(rss, 1), "summary": summary}


def simulate(homes: int, days: int = 30, code: Path | None = None) -> dict:
    m = measure(
        [
            "generate",
            "--homes",
            str(homes),
            "--days",
            str(days),
            "--seed",
            "1",
            "--no-device-health",
        ],
        code,
    )
    events = m["summary"]["rows"]["events"]
    return {
        "homes": homes,
        "days": days,
        "events": events,
        "wall_s": m["wall_s"],
        "generation_s": m["summary"]["seconds"],
        "events_per_s_whole_process": round(events / m["wall_s"]),
        "events_per_s_generation": round(m["summary"]["events_per_second"]),
        "peak_rss_mb": m["peak_rss_mb"],
        "seconds_per_1000_home_days": round(m["wall_s"] / (homes * days) * 1000, 3),
    }


def device_health(devices: int, days: int) -> dict:
    m = measure(
        [
            "generate",
            "--device-health-only",
            "--devices",
            str(devices),
            "--days",
            str(days),
            "--seed",
            "1",
        ]
    )
    rows = m["summary"]["rows"]["device_health"]
    return {
        "devices": devices,
        "days": days,
        "device_days": rows,
        "wall_s": m["wall_s"],
        "generation_s": m["summary"]["device_health"]["seconds"],
        "device_days_per_s_whole_process": round(rows / m["wall_s"]),
        "peak_rss_mb": m["peak_rss_mb"],
    }


def _run(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run `homeiq <args>`; wall seconds, peak RSS (MB, via wait4) and stdout."""
    wall, rss, printed, _ = _run_cpu(args, env)
    return wall, rss, printed


def _run_cpu(args: list[str], env: dict | None = None) -> tuple[float, float, str, float]:
    """`_run` plus the CPU seconds (user + system) of the process and every worker it
    waited for (wait4's rusage includes reaped children)."""
    cmd = [sys.executable, "-m", "homeiq_assets.cli", *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # `python -m` puts the working directory first on sys.path: run in the measured
        # checkout, or PYTHONPATH's code would lose to this one
        cwd = Path(env["PYTHONPATH"]) if env and "PYTHONPATH" in env else ROOT
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {err.read().decode()[-2000:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return wall, usage.ru_maxrss / 1024, out.read().decode(), cpu


def production() -> dict:
    """`homeiq prepare-for-production` at its defaults in a fresh data dir and instance."""
    data = Path(tempfile.mkdtemp(prefix="homeiq-bench-prod-"))
    env = {**os.environ, "HOMEIQ_DATA_DIR": str(data)}
    env.pop("DAGSTER_HOME", None)
    env.pop("HOMEIQ_DAGSTER_STORAGE_DIR", None)
    try:
        wall, rss, printed = _run(
            ["prepare-for-production", "--cycle", "bench", "--allow-low-quality"], env=env
        )
        report = (data / "reports" / "bench" / "readiness.md").read_text()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return {
        "defaults": "100 homes × 21 days, 40 benchmark homes",
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(rss, 1),
        "budget_wall_s": 180.0,
        "budget_peak_rss_mb": 2048,
        "models": [line.strip() for line in printed.splitlines() if "(v0" in line],
        "verdict": report.splitlines()[0],
    }


def collection(homes: int = 50, days: int = 30, code: Path | None = None) -> dict:
    """Collection + export of a cycle (`homeiq collect`), then one Home Assistant snapshot.

    Reports the whole command's wall and CPU time, each collection stage's time (summed over
    homes and worker processes) and events per second, and the export's time (when the
    measured code prints them: earlier commits do not)."""
    work = Path(tempfile.mkdtemp(prefix="homeiq-bench-collect-"))
    env = code_env(code)
    try:
        fleet, out = work / "fleet", work / "out"
        _run(
            ["generate", "--homes", str(homes), "--days", str(days), "--seed", "1"]
            + ["--out", str(fleet)],
            env=env,
        )
        events = json.loads((fleet / "summary.json").read_text())["rows"]["events"]
        wall, rss, printed, cpu = _run_cpu(
            ["collect", "--from", str(fleet), "--out", str(out), "--cycle", "bench"], env=env
        )
        stats = json.loads((out / "training_data" / "bench" / "stats.json").read_text())
        ha_wall, _, _ = _run(
            ["export-ha", "--home", "h00000", "--from", str(fleet), "--out", str(work / "ha")],
            env=env,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stages = {
        stage: {"seconds": s, "events_per_s": round(events / s) if s else None}
        for stage, s in stats.get("stage_seconds", {}).items()
    }
    export = re.search(r"([0-9.]+)s export", printed)
    return {
        "homes": homes,
        "days": days,
        "events": events,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "cpu_over_wall": round(cpu / wall, 2),
        "collection_s": stats["collection_seconds"],
        "collection_events_per_s": round(events / stats["collection_seconds"]),
        "stages": stages,
        "export_s": float(export.group(1)) if export else None,
        "peak_rss_mb": round(rss, 1),
        "records_kept": {k: v["kept"] for k, v in stats["datasets"].items()},
        "pattern_metrics": stats["metrics"]["patterns"],
        "budget_wall_s": 60.0,
        "export_ha_one_home_wall_s": round(ha_wall, 3),
        "stdout": printed.strip().splitlines(),
    }


def incremental_vs_full(homes: int = 20, days: int = 14, cycles: int = 3) -> dict:
    """For each model that can be updated from a champion: the champion trained on the first
    `cycles - 1` cycles, then the last cycle added by full retraining (every cycle) and by an
    incremental update (the champion plus the new cycle); training time and headline metric on
    the benchmark homes (with its 95 % interval and the paired difference), side by side."""
    import datetime as dt

    from homeiq_assets.collect.pipeline import collect_cycle
    from homeiq_assets.ml import scoring
    from homeiq_assets.ml.benchmark import BENCHMARK, build_reserved_fleet
    from homeiq_assets.ml.data import load_datasets
    from homeiq_assets.ml.gates import HEADLINE
    from homeiq_assets.ml.registry import ModelRegistry
    from homeiq_assets.ml.training import (
        MODEL_NAMES,
        TRAINING_DATASETS,
        supports_incremental,
        train_model,
    )
    from homeiq_assets.sim.config import SimConfig
    from homeiq_assets.sim.fleet import generate_fleet
    from homeiq_assets.sim.health.config import HealthConfig
    from homeiq_assets.sim.health.fleet import write_fleet_device_health

    work = Path(tempfile.mkdtemp(prefix="homeiq-bench-incremental-"))
    try:
        keys = [f"c{i}" for i in range(1, cycles + 1)]
        for i, key in enumerate(keys):
            start = dt.date(2026, 1, 5) + dt.timedelta(days=91 * i)  # a season apart
            fleet = work / "fleets" / key
            config = SimConfig(homes=homes, days=days, seed=7_000 + i, start=start)
            generate_fleet(config, fleet, workers=os.cpu_count() or 1)
            write_fleet_device_health(fleet, fleet, start, days, config.seed, HealthConfig())
            collect_cycle(fleet, work, key, config.seed)
        bench = work / "benchmark"
        build_reserved_fleet(bench, BENCHMARK, 40, 28, workers=os.cpu_count() or 1)
        out = {
            "cycles": f"{cycles} × {homes} homes × {days} days, a season apart",
            "benchmark": "40 homes × 28 days over four seasons",
            "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "cpu_count": os.cpu_count(),
            "models": {},
        }
        for model in MODEL_NAMES:
            if not supports_incremental(model):
                continue
            registry = ModelRegistry(work / "models" / model)
            plots = work / "plots"
            champion = train_model(model, work, keys[:-1], bench, plots, registry)
            registry.deploy(model, champion.version, allow_low_quality=True)
            full = train_model(model, work, keys, bench, plots, registry, mode="full")
            inc = train_model(model, work, keys, bench, plots, registry, mode="incremental")
            data = load_datasets(bench, BENCHMARK.cycles, TRAINING_DATASETS[model])
            head = HEADLINE[model]
            rows = {
                name: scoring.score(model, registry.load(model, o.version), data)
                for name, o in (("champion", champion), ("full", full), ("incremental", inc))
            }
            est = {k: scoring.measure(model, head, r).to_dict() for k, r in rows.items()}
            out["models"][model] = {
                "headline": head,
                "champion": {"seconds": champion.seconds, head: est["champion"]},
                "full": {
                    "seconds": full.seconds,
                    "records": sum(full.records.values()),
                    head: est["full"],
                },
                "incremental": {
                    "seconds": inc.seconds,
                    "records": sum(inc.records.values()),
                    head: est["incremental"],
                },
                "incremental_minus_full": scoring.measure(
                    model, head, rows["incremental"], rows["full"]
                ).to_dict(),
                "time_ratio_incremental_to_full": round(inc.seconds / full.seconds, 3),
            }
            print(
                f"  {model}: full {full.seconds:.1f} s {head} {est['full']['value']:.3f}; "
                f"incremental {inc.seconds:.1f} s {head} {est['incremental']['value']:.3f}",
                file=sys.stderr,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def cycle(homes: int = 100, days: int = 21, code: Path | None = None) -> dict:
    """A whole data cycle as the CLI runs it without Dagster: `homeiq generate` (simulation,
    device health) then `homeiq collect` (collection, curation, export), each a fresh process;
    wall and CPU time (workers included) and the peak RSS of the larger process tree."""
    work = Path(tempfile.mkdtemp(prefix="homeiq-bench-cycle-"))
    env = code_env(code)
    try:
        fleet, out = work / "fleet", work / "out"
        sim_wall, sim_rss, _, sim_cpu = _run_cpu(
            ["generate", "--homes", str(homes), "--days", str(days), "--seed", "1"]
            + ["--out", str(fleet)],
            env=env,
        )
        col_wall, col_rss, _, col_cpu = _run_cpu(
            ["collect", "--from", str(fleet), "--out", str(out), "--cycle", "bench"], env=env
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall, cpu = sim_wall + col_wall, sim_cpu + col_cpu
    return {
        "homes": homes,
        "days": days,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "cpu_over_wall": round(cpu / wall, 2),
        "simulate": {"wall_s": round(sim_wall, 3), "cpu_s": round(sim_cpu, 3)},
        "collect_export": {"wall_s": round(col_wall, 3), "cpu_s": round(col_cpu, 3)},
        "peak_rss_mb": round(max(sim_rss, col_rss), 1),
        "budget_cpu_over_wall": 1.6,
        "budget_peak_rss_mb": 1024,
    }


def dagster_cycle(homes: int = 100, days: int = 21, code: Path | None = None) -> dict:
    """`homeiq cycle` (a launched Dagster run of `cycle_job` on a fresh SQLite instance): the
    command's wall time, and the run's own (its start to its end, from the run's records).

    CPU is the whole machine's busy time over each window, from /proc/stat: the run happens in
    a worker process the command does not wait for (and its step workers), so the command's
    rusage would miss it. Measure on a quiet machine: other load counts too."""
    import threading

    tick = os.sysconf("SC_CLK_TCK")

    def busy() -> float:
        with open("/proc/stat") as fh:
            values = [int(v) for v in fh.readline().split()[1:]]
        return (sum(values) - values[3] - values[4]) / tick  # all but idle and iowait

    work = Path(tempfile.mkdtemp(prefix="homeiq-bench-dagster-"))
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.time(), busy()))
            done.wait(0.1)

    env = {
        **(code_env(code) or os.environ),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "HOMEIQ_DATA_DIR": str(work / "data"),
    }
    env.pop("HOMEIQ_DAGSTER_STORAGE_DIR", None)
    (work / "dagster_home").mkdir()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        wall, _, _ = _run(["cycle", "--homes", str(homes), "--days", str(days)], env=env)
        done.set()
        sampler.join()
        window = subprocess.run(
            [sys.executable, "-c", _RUN_WINDOW],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(env["PYTHONPATH"]) if "PYTHONPATH" in env else ROOT,
        ).stdout.split()
    finally:
        done.set()
        shutil.rmtree(work, ignore_errors=True)
    start, end = float(window[0]), float(window[1])

    def busy_at(ts: float) -> float:
        return min(samples, key=lambda s: abs(s[0] - ts))[1]

    command_cpu = samples[-1][1] - samples[0][1]
    run_cpu = busy_at(end) - busy_at(start)
    return {
        "homes": homes,
        "days": days,
        "command_wall_s": round(wall, 2),
        "command_cpu_over_wall": round(command_cpu / wall, 2),
        "run_wall_s": round(end - start, 2),
        "run_cpu_over_wall": round(run_cpu / (end - start), 2),
        "budget_cpu_over_wall": 1.6,
    }


# the start and end (epoch s) of the newest run of the instance at DAGSTER_HOME
_RUN_WINDOW = """
import dagster as dg
with dg.DagsterInstance.get() as instance:
    run = instance.get_runs(limit=1)[0]
    stats = instance.get_run_stats(run.run_id)
    print(stats.start_time, stats.end_time)
"""


def _linear_fit(points: dict[int, float]) -> dict[str, float]:
    """Least-squares wall = intercept + slope * x: a constant start-up cost plus linear work."""
    x = list(points)
    y = [points[k] for k in x]
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True)) / sxx
    intercept = my - slope * mx
    ss_res = sum((b - intercept - slope * a) ** 2 for a, b in zip(x, y, strict=True))
    ss_tot = sum((b - my) ** 2 for b in y)
    return {
        "intercept_s": round(intercept, 3),
        "slope_s_per_unit": round(slope, 5),
        "r2": round(1 - ss_res / ss_tot, 4) if ss_tot else 1.0,
    }


def main() -> None:
    if sys.argv[1:] == ["incremental"]:  # only this section, merged into results.json
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["incremental_vs_full"] = incremental_vs_full()
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(results["incremental_vs_full"], indent=2))
        return
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(f"benchmarking on {os.cpu_count()} cores…", file=sys.stderr)
    scaling = {}
    for homes in (25, 50, 100, 200):
        scaling[str(homes)] = simulate(homes)
        print(
            f"  {homes:>3} homes × 30 days: {scaling[str(homes)]['wall_s']:.2f}s, "
            f"{scaling[str(homes)]['peak_rss_mb']:.0f} MB",
            file=sys.stderr,
        )
    by_days = {str(d): simulate(100, d) for d in (15, 60)}
    by_days["30"] = scaling["100"]
    small = simulate(10)
    per_home_day = [scaling[k]["seconds_per_1000_home_days"] for k in scaling]
    h100, h200 = scaling["100"], scaling["200"]
    health_1m = device_health(33_334, 30)
    health_1k = device_health(1_000, 30)
    collect_50 = collection(50, 30)
    print(f"  collection + export 50 × 30: {collect_50['wall_s']:.2f}s", file=sys.stderr)
    cycle_100x21 = cycle(100, 21)
    cycle_100x30, cycle_200x30 = cycle(100, 30), cycle(200, 30)
    print(
        f"  cycle 100 × 21: {cycle_100x21['wall_s']:.1f}s wall, "
        f"{cycle_100x21['cpu_over_wall']:.2f} CPU/wall",
        file=sys.stderr,
    )
    dagster_100x21 = dagster_cycle(100, 21)
    print(
        f"  Dagster cycle 100 × 21: run {dagster_100x21['run_wall_s']:.1f}s, "
        f"{dagster_100x21['run_cpu_over_wall']:.2f} CPU/wall",
        file=sys.stderr,
    )
    prod = production()
    print(f"  prepare-for-production: {prod['wall_s']:.1f}s", file=sys.stderr)
    incremental = incremental_vs_full()
    results = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "git": git,
            "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "simulation_100x30": {
            **h100,
            "budget_events_per_s": 1_000_000,
            "budget_wall_s": 5.0,
            "budget_peak_rss_mb": 1024,
        },
        "simulation_10x30": {
            **small,
            "original_system_s": ORIGINAL_10x30_SECONDS,
            "speedup_vs_original": round(ORIGINAL_10x30_SECONDS / small["wall_s"], 1),
        },
        "peak_rss_mb": {k: scaling[k]["peak_rss_mb"] for k in ("50", "100", "200")},
        "rss_growth_100_to_200": round(h200["peak_rss_mb"] / h100["peak_rss_mb"] - 1, 3),
        "scaling_wall_s": {k: v["wall_s"] for k, v in scaling.items()},
        "scaling_seconds_per_1000_home_days": dict(zip(scaling, per_home_day, strict=True)),
        "scaling_fit_homes": _linear_fit({int(k): v["wall_s"] for k, v in scaling.items()}),
        "scaling_wall_s_100_homes_by_days": {k: by_days[k]["wall_s"] for k in ("15", "30", "60")},
        "scaling_fit_days": _linear_fit({int(k): v["wall_s"] for k, v in by_days.items()}),
        "device_health_1m": {**health_1m, "budget_wall_s": 10.0},
        "device_health_1000": {**health_1k, "original_target_s": 30.0},
        "collection_export_50x30": collect_50,
        "cycle_100x21": cycle_100x21,
        "dagster_cycle_100x21": dagster_100x21,
        "cycle_peak_rss_mb": {
            "100x30": cycle_100x30["peak_rss_mb"],
            "200x30": cycle_200x30["peak_rss_mb"],
        },
        "cycle_rss_growth_100_to_200": round(
            cycle_200x30["peak_rss_mb"] / cycle_100x30["peak_rss_mb"] - 1, 3
        ),
        "prepare_for_production": prod,
        "incremental_vs_full": incremental,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
