"""A real `dagster-daemon run` on a tmp DAGSTER_HOME (the repository's dagster.yaml), driven in
the background: the daemon waits for its cron minute and then works for a minute or two, so the
test session starts it first (`conftest.py` at the top) and checks the outcome last, while the
other tests run.

What happens in it: the nightly schedule (cron pinned to the next minute) adds a cycle partition
and launches its run; the data-sufficiency sensor requests one retraining of pattern quality
(the only model whose threshold a 6-home cycle meets), which promotes a champion. Meanwhile the
driver submits, through the instance's run coordinator (`dagster job launch`), a second (2-home)
cycle while the first runs and a second pattern-quality training while the first trains; the
run-queue limits must hold them back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import dagster as dg

from homeiq_assets.ml.training import MODEL_NAMES
from homeiq_assets_tests.conftest import BENCH_DAYS, BENCH_HOMES, DAYS, HOMES

REPO = Path(__file__).parents[3]
BIN = Path(sys.executable).parent
LOCATION = "homeiq_assets"
DONE = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
# from the daemon's start: a minute for the tick, then the runs, on a loaded 2-core machine
BUDGET_S = 480


def cron_next_minute() -> str:
    """A cron that fires once, at the next minute the daemon can still catch."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    fire = (now + dt.timedelta(minutes=1 if now.second < 40 else 2)).replace(second=0)
    return f"{fire.minute} {fire.hour} * * *"


class DaemonRun:
    """The daemon process, its instance, and a driver thread that submits the extra runs."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "dagster_home"
        self.home.mkdir(parents=True)
        (self.home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
        self.workspace = base / "workspace.yaml"
        self.workspace.write_text(
            "load_from:\n  - python_module:\n      module_name: homeiq_assets.definitions\n"
            f"      location_name: {LOCATION}\n      working_directory: {REPO}\n"
        )
        self.data = base / "data"
        self.log = base / "daemon.log"
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(self.home),
            "HOMEIQ_DATA_DIR": str(self.data),
            "HOMEIQ_DAGSTER_STORAGE_DIR": str(base / "storage"),
            "HOMEIQ_TRAINING_SCHEDULE": cron_next_minute(),
            "HOMEIQ_TIMEZONE": "UTC",
            "HOMEIQ_DEFAULT_HOMES": str(HOMES),
            "HOMEIQ_DEFAULT_DAYS": str(DAYS),
            "HOMEIQ_BENCHMARK_HOMES": str(BENCH_HOMES),
            "HOMEIQ_BENCHMARK_DAYS": str(BENCH_DAYS),
            "HOMEIQ_WORKERS": "1",
            "HOMEIQ_SENSOR_INTERVAL_SECONDS": "5",
            **{f"HOMEIQ_RETRAIN_THRESHOLD_{m.upper()}": "1000000000" for m in MODEL_NAMES},
            # a 6-home cycle has well over 1,000 detected patterns, a 2-home one well under
            "HOMEIQ_RETRAIN_THRESHOLD_PATTERN_QUALITY": "1000",
        }
        self.env.pop("COVERAGE_PROCESS_START", None)  # the daemon's children are not measured
        self.deadline = time.monotonic() + BUDGET_S
        self.errors: list[str] = []
        self.submitted: list[str] = []
        self.instance = self._instance()  # creates the storage before the daemon's threads do
        self.proc = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
            env=self.env,
            cwd=base,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.driver = threading.Thread(target=self._drive, daemon=True)
        self.driver.start()

    def _instance(self) -> dg.DagsterInstance:
        """The daemon's instance, seen from this process (its yaml resolves the storage from
        the environment once, when it is opened)."""
        old = os.environ.get("HOMEIQ_DAGSTER_STORAGE_DIR")
        os.environ["HOMEIQ_DAGSTER_STORAGE_DIR"] = self.env["HOMEIQ_DAGSTER_STORAGE_DIR"]
        try:
            return dg.DagsterInstance.from_config(str(self.home))
        finally:
            if old is None:
                os.environ.pop("HOMEIQ_DAGSTER_STORAGE_DIR", None)
            else:
                os.environ["HOMEIQ_DAGSTER_STORAGE_DIR"] = old

    def runs(self, **tags: str) -> list[dg.DagsterRun]:
        return list(self.instance.get_runs(filters=dg.RunsFilter(tags=tags)))

    def wait(self, what: str, check, poll: float = 1.0):
        while True:  # checked at least once, however late the caller comes
            found = check()
            if found:
                return found
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"timed out waiting for {what}; daemon log:\n{self.tail()}")
            time.sleep(poll)

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""

    def launch(self, job: str, partition: str, config: dict | None = None) -> None:
        """Submit a run through the instance's run coordinator, as any launched run is."""
        cmd = [str(BIN / "dagster"), "job", "launch", "-w", str(self.workspace), "-l", LOCATION]
        cmd += ["-j", job, "--tags", json.dumps({"dagster/partition": partition})]
        if config:
            cmd += ["--config-json", json.dumps(config)]
        out = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=240)
        if out.returncode != 0:
            raise RuntimeError(f"dagster job launch {job} failed: {out.stdout[-1500:]}")
        self.submitted.append(job)

    def _drive(self) -> None:
        try:
            cycle = self.wait("the scheduled cycle", lambda: self.runs(**{"homeiq/job": "cycle"}))
            key = cycle[0].tags["dagster/partition"]
            self.instance.add_dynamic_partitions("cycle", ["q1"])
            self.launch("cycle_job", "q1", {"ops": {"simulate_fleet": {"config": {"homes": 2}}}})
            self.wait(
                "the data sensor's training",
                lambda: self.runs(**{"homeiq/model": "pattern_quality"}),
            )
            self.launch("retrain_pattern_quality", key)
        except Exception:  # reported by the test
            self.errors.append(traceback.format_exc())

    def all_done(self) -> list[dg.DagsterRun] | None:
        if self.driver.is_alive():
            return None
        runs = self.runs(**{"dagster/code_location": LOCATION})
        if len(runs) >= 4 and all(r.status in DONE for r in runs):
            return runs
        return None

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.instance.dispose()
