"""The asset graph as a reviewed file: asset keys, groups, partitions and dependencies, checks,
jobs, schedules and sensors are compared with `snapshots/asset_graph.json`, so a structural
change shows up as a diff in review. After an intended change, regenerate the file with
`HOMEIQ_UPDATE_SNAPSHOTS=1 pytest homeiq_assets_tests/defs/test_graph_snapshot.py`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from homeiq_assets.definitions import build_defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def describe(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        partitions = node.partitions_def
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "partitions": getattr(partitions, "name", None)
            or (str(partitions) if partitions else None),
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
        }
    checks = sorted(
        f"{ck.asset_key.to_user_string()}:{ck.name}" + (" (blocking)" if spec.blocking else "")
        for ck, spec in ((spec.key, spec) for ad in graph.assets_defs for spec in ad.check_specs)
    )
    jobs = {}
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name.startswith("__"):
            continue
        selected = job.asset_layer.executable_asset_keys if job.asset_layer else set()
        jobs[job.name] = sorted(k.to_user_string() for k in selected)
    schedules = {
        s.name: {"cron": s.cron_schedule, "job": s.job_name}
        for s in sorted(defs.schedules or [], key=lambda s: s.name)
    }
    sensors = {
        s.name: {
            "type": type(s).__name__,
            "jobs": sorted(j.name for j in s.jobs) if s.has_jobs else [],
        }
        for s in sorted(defs.sensors or [], key=lambda s: s.name)
    }
    return {
        "assets": assets,
        "checks": checks,
        "jobs": jobs,
        "schedules": schedules,
        "sensors": sensors,
    }


def test_asset_graph_matches_the_reviewed_snapshot() -> None:
    current = describe(build_defs())
    if os.environ.get("HOMEIQ_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert current == expected, (
        "the asset graph changed; review the difference and regenerate the snapshot with "
        "HOMEIQ_UPDATE_SNAPSHOTS=1 (see this module's docstring)"
    )
