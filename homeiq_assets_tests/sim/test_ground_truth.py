"""Ground truth is known by construction and agrees with the events."""

from __future__ import annotations

import pyarrow.dataset as ds

from homeiq_assets.sim import validate


def test_every_routine_occurrence_is_in_the_events(fleet_dir, report):
    r = report["routines"]
    assert r["routines"] >= 32  # several per home
    assert r["agreement"] == 1.0
    assert validate.check_routines(fleet_dir).passed


def test_routines_have_adherence_below_one_and_timing_jitter(fleet_dir):
    gt = ds.dataset(fleet_dir / "gt_routines").to_table().to_pandas()
    assert (gt["adherence"] < 1).all() and (gt["adherence"] > 0.5).all()
    assert (gt["lag_s_std"] > 0).all()
    # adherence is real: occurrences fall short of opportunities for most routines
    busy = gt[gt["opportunities"] >= 10]
    assert (busy["occurrences"] < busy["opportunities"]).mean() > 0.8


def test_routine_events_carry_routine_ids_and_kinds(fleet_dir):
    gt = ds.dataset(fleet_dir / "gt_routines").to_table().to_pandas()
    ev = ds.dataset(fleet_dir / "events").to_table(columns=["gt_cause"]).to_pandas()
    causes = set(ev["gt_cause"].astype(str))
    assert {"occupant", "physics", "noise"} <= causes
    assert set(gt["kind"]) == {"routine", "automation"}
    fired = gt[gt["occurrences"] > 0]
    assert set(fired["routine_id"]) <= causes


def test_synergy_candidates_include_unlinked_pairs_of_linked_types(fleet_dir, report):
    s = report["synergies"]
    assert s["homes_with_links"] >= 28
    assert s["balanced_share"] == 1.0
    syn = ds.dataset(fleet_dir / "gt_synergies").to_table().to_pandas()
    linked = syn[syn["gt_linked"]]
    assert linked["gt_automation_id"].notna().all()
    # device types alone do not give the answer: every linked type has unlinked pairs too
    for rel, g in syn.groupby("relationship"):
        if g["gt_linked"].any():
            assert (~g["gt_linked"]).sum() > g["gt_linked"].sum(), rel


def test_motion_light_automation_follows_motion_with_a_lag(fleet_dir):
    """A linked light's automation-caused `on` comes seconds after its motion sensor's `on`."""
    gt = ds.dataset(fleet_dir / "gt_routines").to_table().to_pandas()
    auto = gt[(gt["template"] == "motion_light") & (gt["occurrences"] > 5)].iloc[0]
    ev = ds.dataset(fleet_dir / "events").to_table().to_pandas()
    ev = ev[ev["home_id"].astype(str) == auto["home_id"]]
    lights = ev[
        (ev["gt_cause"].astype(str) == auto["routine_id"]) & (ev["state"].astype(str) == "on")
    ].sort_values("ts")
    motion = ev[
        (ev["entity_id"].astype(str) == auto["trigger_entity_id"])
        & (ev["state"].astype(str) == "on")
    ].sort_values("ts")
    import pandas as pd

    joined = pd.merge_asof(
        lights[["ts"]],
        motion[["ts"]].rename(columns={"ts": "m"}),
        left_on="ts",
        right_on="m",
        direction="backward",
    )
    lag = (joined["ts"] - joined["m"]).dt.total_seconds()
    assert (lag > 0).all() and (lag < 15).all(), lag.describe()
    assert lag.std() > 0
