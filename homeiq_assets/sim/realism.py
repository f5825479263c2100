"""Realism and ground-truth figures computed from a generated fleet's tables.

The README quotes these figures and the tests assert them, so every claim about the data is
reproducible: `homeiq generate … --out DIR` then `realism_report(DIR)`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.sim.ha_context import context_keys
from homeiq_assets.sim.tables import TableSource, table_dir
from homeiq_assets.workers import map_in_workers


def _table(out_dir: TableSource, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    return ds.dataset(table_dir(out_dir, name)).to_table(columns=columns).to_pandas()


def _local_hours(ts: pd.Series, tz: pd.Series) -> pd.Series:
    """Local hour (float) of UTC timestamps, per row timezone, converted per zone (not per row)."""
    out = pd.Series(np.nan, index=ts.index)
    for zone, idx in ts.groupby(tz.astype(str), observed=True).groups.items():
        local = ts.loc[idx].dt.tz_convert(zone)
        out.loc[idx] = local.dt.hour + local.dt.minute / 60.0
    return out


def light_evening_night_ratio(out_dir: TableSource) -> dict[str, float]:
    """Fleet-wide light turn-ons per hour in 18:00–23:00 local vs 02:00–05:00 local."""
    events = ds.dataset(table_dir(out_dir, "events"))
    table = events.to_table(
        columns=["home_id", "ts", "entity_id", "state"],
        filter=pc.starts_with(pc.field("entity_id").cast("string"), "light.")
        & (pc.field("state").cast("string") == "on"),
    )
    df = table.to_pandas()
    homes = _table(out_dir, "homes", ["home_id", "timezone"]).set_index("home_id")["timezone"]
    df["tz"] = df["home_id"].astype(str).map(homes)
    hours = _local_hours(df["ts"], df["tz"])
    evening = int(((hours >= 18) & (hours < 23)).sum())
    night = int(((hours >= 2) & (hours < 5)).sum())
    per_h_evening = evening / 5.0
    per_h_night = night / 3.0
    return {
        "evening_turn_ons": evening,
        "night_turn_ons": night,
        "ratio": per_h_evening / max(per_h_night, 1e-9),
    }


def office_departures(out_dir: TableSource) -> dict[str, float]:
    """Office workers' first departure of the day, weekdays vs weekends (local hours)."""
    occ = _table(out_dir, "occupancy", ["home_id", "occupant_id", "archetype", "start", "state"])
    occ = occ[(occ["archetype"] == "office_worker")]
    homes = _table(out_dir, "homes", ["home_id", "timezone"]).set_index("home_id")["timezone"]
    occ = occ.assign(tz=occ["home_id"].map(homes))
    local_date = pd.Series(index=occ.index, dtype="object")
    hours = _local_hours(occ["start"], occ["tz"])
    for zone, idx in occ.groupby("tz").groups.items():
        local_date.loc[idx] = occ.loc[idx, "start"].dt.tz_convert(zone).dt.date
    occ = occ.assign(hour=hours, date=local_date)
    occ["weekend"] = pd.to_datetime(occ["date"]).dt.day_of_week >= 5
    days = occ.groupby(["occupant_id", "date", "weekend"], observed=True)
    away = occ[(occ["state"].astype(str) == "away") & (occ["hour"] >= 5)]
    first = away.groupby(["occupant_id", "date", "weekend"], observed=True)["hour"].min()
    all_days = days.size().reset_index()[["occupant_id", "date", "weekend"]]
    merged = all_days.merge(first.rename("leave").reset_index(), how="left")
    wd = merged[~merged["weekend"]]
    we = merged[merged["weekend"]]
    return {
        "weekday_mean_leave_h": float(wd["leave"].mean()),
        "weekend_mean_leave_h": float(we["leave"].mean()),
        "weekday_stay_home_share": float(wd["leave"].isna().mean()),
        "weekend_stay_home_share": float(we["leave"].isna().mean()),
        "weekday_days": int(len(wd)),
        "weekend_days": int(len(we)),
    }


def events_per_home_day(out_dir: TableSource, days: int) -> dict[str, float]:
    homes = _table(out_dir, "homes", ["home_id", "size_category"])
    counts = (
        ds.dataset(table_dir(out_dir, "events"))
        .to_table(columns=["home_id"])
        .column("home_id")
        .to_pandas()
        .astype(str)
        .value_counts()
    )
    homes["per_day"] = homes["home_id"].map(counts).fillna(0) / days
    by_size = homes.groupby("size_category")["per_day"].mean()
    return {
        "min": float(homes["per_day"].min()),
        "max": float(homes["per_day"].max()),
        "mean": float(homes["per_day"].mean()),
        **{f"mean_{k}": float(v) for k, v in by_size.items()},
    }


def weather_figures(out_dir: TableSource) -> dict[str, float]:
    w = _table(out_dir, "weather", ["region", "ts", "temperature_c"])
    autocorr, daily_amp = [], []
    for _, g in w.groupby("region"):
        t = g.sort_values("ts")["temperature_c"].to_numpy(dtype=np.float64)
        autocorr.append(float(np.corrcoef(t[:-1], t[1:])[0, 1]))
        n = len(t) // 24 * 24
        daily = t[:n].reshape(-1, 24)
        daily_amp.append(float((daily.max(1) - daily.min(1)).mean()))
    return {"min_hourly_autocorr": min(autocorr), "mean_daily_range_c": float(np.mean(daily_amp))}


def thermostat_tracking(out_dir: TableSource, settle_h: float = 2.0) -> dict[str, float]:
    """|indoor − setpoint| from climate events while the HVAC runs.

    `steady` excludes the recovery after a setpoint change or after the heating was switched
    back on — until the reading first comes within 0.5 °C of the target, or `settle_h` hours
    (a heater raises a house by a degree or two per hour, so recovery from a night setback or
    an afternoon with the heating off is not tracking error).
    """
    table = ds.dataset(table_dir(out_dir, "events")).to_table(
        columns=["home_id", "entity_id", "ts", "state", "attributes"],
        filter=pc.starts_with(pc.field("entity_id").cast("string"), "climate."),
    )
    attrs = table.column("attributes").combine_chunks()
    values = [json.loads(v) for v in attrs.dictionary.to_pylist()]
    idx = attrs.indices.to_numpy(zero_copy_only=False)
    df = pd.DataFrame(
        {
            "key": table.column("home_id").to_pandas().astype(str)
            + "/"
            + table.column("entity_id").to_pandas().astype(str),
            "ts": table.column("ts").to_pandas(),
            "cur": np.array([v.get("current_temperature", np.nan) for v in values], float)[idx],
            # the target the HVAC is working towards: the setpoint, or the band edge it is at
            "sp": np.array(
                [
                    v.get(
                        "temperature",
                        v.get("target_temp_high")
                        if v.get("hvac_action") == "cooling"
                        else v.get("target_temp_low"),
                    )
                    for v in values
                ],
                float,
            )[idx],
            "action": np.array([v.get("hvac_action", "") for v in values], object)[idx],
            "mode": table.column("state").to_pandas().astype(str).to_numpy(),
        }
    ).sort_values(["key", "ts"], kind="stable")
    changed = (
        (df["sp"] != df["sp"].shift())
        | (df["mode"] != df["mode"].shift())
        | (df["key"] != df["key"].shift())
    )
    since = df["ts"] - df["ts"].where(changed).ffill()
    running = df["action"].isin(["heating", "cooling"]).to_numpy()
    err = (df["cur"] - df["sp"]).abs().to_numpy()
    # recovering until the reading first comes within 0.5 °C of the target (or settle_h)
    period = changed.cumsum().to_numpy()
    reached = pd.Series(err <= 0.5).groupby(period).cummax().to_numpy()
    steady = running & (reached | (since >= pd.Timedelta(hours=settle_h)).to_numpy())
    return {
        "mean_abs_error_running_c": float(np.nanmean(err[running])) if running.any() else np.nan,
        "mean_abs_error_steady_c": float(np.nanmean(err[steady])) if steady.any() else np.nan,
        "steady_samples": int(steady.sum()),
        "running_samples": int(running.sum()),
    }


STATE_TRIGGERS = ("state", "numeric_above")


def recorded_events(out_dir: TableSource | None, files: list[Path] | None = None) -> pd.DataFrame:
    """The events (of `files`, some of the event shards, or all) with what ground-truth
    agreement needs: context ids as 64-bit keys."""
    source = table_dir(out_dir, "events") if files is None else [str(f) for f in files]
    table = ds.dataset(source, format="parquet").to_table(
        columns=[
            "home_id",
            "ts",
            "event_type",
            "entity_id",
            "context_id",
            "context_parent_id",
            "gt_cause",
            "gt_occurrence",
        ]
    )
    ctx, _ = context_keys(table.column("context_id"))
    parent, has_parent = context_keys(table.column("context_parent_id"))

    def text(name: str) -> np.ndarray:
        return pc.cast(table.column(name), pa.string()).to_numpy(zero_copy_only=False)

    return pd.DataFrame(
        {
            "home_id": text("home_id"),
            "ts": pc.cast(table.column("ts"), pa.int64()).to_numpy(),
            "run": text("event_type") == "automation_triggered",
            "entity_id": text("entity_id"),
            "cause": text("gt_cause"),
            "occurrence": table.column("gt_occurrence").to_numpy(),
            "ctx": ctx,
            "parent": np.where(has_parent, parent, 0),
            "has_parent": has_parent,
        }
    )


def _ms(column: pd.Series) -> pd.Series:
    """Timestamps as epoch ms (missing stays missing)."""
    values = pd.to_datetime(column, utc=True)
    return (values - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)


def occurrence_agreement(
    events: pd.DataFrame, routines: pd.DataFrame, occurrences: pd.DataFrame
) -> dict[str, float]:
    """Does ground truth agree with what the events show, occurrence by occurrence?

    `events` as `recorded_events` returns them. An occurrence agrees when (1) the state changes
    carrying its id are exactly the ones ground truth counts, the first at `first_event_ts`;
    (2) a state trigger's change is in the events at `trigger_ts`; (3) its reaction (step 0)
    lies in the item's lag band; and for an automation run (4) exactly one
    `automation_triggered` event carries its id, (5) that event's context is on every change
    the run caused, none of them earlier than the event, and its parent is the trigger's
    context (none for time triggers). Across
    all rows: every change with a parent context carries a run's context, and every
    automation run's context has its `automation_triggered` event.
    """
    if routines.empty:
        return {"occurrences": 0, "agreeing": 0, "share": 1.0, "routines": 0}
    gt = routines.set_index("routine_id")
    planted = events["cause"].isin(gt.index) & (events["occurrence"] >= 0)
    state = events[~events["run"]]
    caused = state[planted[~events["run"]]]
    runs = events[events["run"] & planted]
    agg = caused.groupby(["cause", "occurrence"]).agg(
        n=("ts", "size"), first=("ts", "min"), home=("home_id", "first")
    )
    # merged on columns: with `right_index`, an empty left side (a home whose routines never
    # occurred in its window) takes the right index, and the next merge finds `routine_id` twice
    occ = occurrences.merge(
        gt[["kind", "trigger_kind", "trigger_entity_id", "lag_s_lo", "lag_s_hi"]].reset_index(),
        on="routine_id",
    )
    occ = occ.merge(
        agg.reset_index().rename(columns={"cause": "routine_id"}),
        on=["routine_id", "occurrence"],
        how="left",
    )
    first = _ms(occ["first_event_ts"])
    n = occ["n"].fillna(0)
    ok_events = (n == occ["events"]) & (
        (first.isna() & occ["first"].isna()) | (first == occ["first"])
    )
    # the trigger's own change, looked up by (home, entity, time)
    trig = state[["home_id", "entity_id", "ts", "ctx"]].rename(
        columns={"entity_id": "trigger_entity_id", "ts": "trigger_ms", "ctx": "trigger_ctx"}
    )
    occ["trigger_ms"] = _ms(occ["trigger_ts"])
    occ = occ.merge(
        trig.drop_duplicates(["home_id", "trigger_entity_id", "trigger_ms"]),
        on=["home_id", "trigger_entity_id", "trigger_ms"],
        how="left",
    )
    by_state = occ["trigger_kind"].isin(STATE_TRIGGERS).to_numpy()
    ok_trigger = ~by_state | occ["trigger_ctx"].notna().to_numpy()
    lag = occ["lag_s"]
    ok_lag = (
        (occ["step"] != 0)
        | lag.isna()
        | lag.between(occ["lag_s_lo"] - 1e-3, occ["lag_s_hi"] + 1e-3)
    )
    # automation runs and their context chain
    run_info = runs.groupby(["cause", "occurrence"]).agg(
        run_n=("ts", "size"),
        run_ts=("ts", "first"),
        run_ctx=("ctx", "first"),
        run_parent=("parent", "first"),
        run_has_parent=("has_parent", "first"),
    )
    occ = occ.merge(
        run_info.reset_index().rename(columns={"cause": "routine_id"}),
        on=["routine_id", "occurrence"],
        how="left",
    )
    auto = (occ["kind"] == "automation").to_numpy()
    ok_run = ~auto | (occ["run_n"] == 1).to_numpy()
    trigger_ctx = occ["trigger_ctx"].to_numpy()
    parent_ok = np.where(
        by_state,
        occ["run_has_parent"].eq(True).to_numpy() & (occ["run_parent"].to_numpy() == trigger_ctx),
        ~occ["run_has_parent"].eq(True).to_numpy(),
    )
    ok_parent = ~auto | parent_ok
    rows = caused.merge(run_info, left_on=["cause", "occurrence"], right_index=True, how="left")
    is_auto_row = rows["cause"].map(gt["kind"]).eq("automation")
    row_ok = ~is_auto_row | (
        (rows["ctx"] == rows["run_ctx"])
        & (rows["ts"] >= rows["run_ts"])
        & (rows["has_parent"] == rows["run_has_parent"])
        & (~rows["has_parent"] | (rows["parent"] == rows["run_parent"]))
    )
    bad_rows = rows[~row_ok].groupby(["cause", "occurrence"]).size()
    ok_rows = ~occ.set_index(["routine_id", "occurrence"]).index.isin(bad_rows.index)
    agree = ok_events.to_numpy() & ok_trigger & ok_lag.to_numpy() & ok_run & ok_parent & ok_rows
    # across all rows: a parent context only on changes a run caused, each run's context once
    run_ctx = set(runs["ctx"].tolist())
    with_parent = state[state["has_parent"]]
    orphan = int((~with_parent["ctx"].isin(run_ctx)).sum())
    other = state[~(planted[~events["run"]] & state["cause"].map(gt["kind"]).eq("automation"))]
    shares_run_ctx = int(other["ctx"].isin(run_ctx).sum())
    counts = caused.groupby("cause").size()
    per_routine = occurrences.groupby("routine_id").size()
    counts_match = (gt["event_count"] == counts.reindex(gt.index).fillna(0)) & (
        gt["occurrences"] == per_routine.reindex(gt.index).fillna(0)
    )
    habit = ~auto
    return {
        "routines": int(len(gt)),
        "routines_counts_match": int(counts_match.sum()),
        "occurrences": int(len(occ)),
        "agreeing": int(agree.sum()),
        "share": round(float(agree.mean()), 6) if len(occ) else 1.0,
        "habit_occurrences": int(habit.sum()),
        "habit_agreeing": int((agree & habit).sum()),
        "automation_runs": int(auto.sum()),
        "automation_runs_agreeing": int((agree & auto).sum()),
        "automation_caused_events": int(is_auto_row.sum()),
        "automation_caused_with_context": int((is_auto_row & row_ok).sum()),
        "changes_with_parent_outside_runs": orphan,
        "other_changes_with_run_context": shares_run_ctx,
        "max_adherence": float(gt["adherence"].max()),
        "min_lag_std_s": float(gt["lag_s_std"].min()),
    }


def routine_agreement(out_dir: TableSource, workers: int = 1) -> dict[str, float]:
    """`occurrence_agreement` over a generated fleet, one event shard at a time (a shard's
    homes with their own routines: every count is a sum over homes, contexts never cross
    homes), in `workers` processes; the same figures as over the whole fleet at once, in a
    shard's memory."""
    gt = _table(out_dir, "gt_routines")
    occ = _table(out_dir, "gt_occurrences")
    shards = sorted(Path(table_dir(out_dir, "events")).glob("*.parquet"))
    homes = [
        set(
            pc.unique(ds.dataset(str(f), format="parquet").to_table(["home_id"]).column(0))
            .cast(pa.string())
            .to_pylist()
        )
        for f in shards
    ]
    # paths, not `out_dir`: a Dagster store's table locator is a closure, which cannot be
    # sent to a worker process
    jobs = [
        ([f], gt[gt["home_id"].isin(h)], occ[occ["home_id"].isin(h)])
        for f, h in zip(shards, homes, strict=True)
    ]
    seen = set().union(*homes)
    rest = ~gt["home_id"].isin(seen)
    if rest.any() or not jobs:  # homes without a single event: their routines never happened
        jobs.append(([], gt[rest], occ[~occ["home_id"].isin(seen)]))
    out = _sum_agreement(list(map_in_workers(_shard_agreement, jobs, workers)))
    out["agreement"] = out["share"]
    return out


def _shard_agreement(job: tuple) -> dict:
    files, gt, occ = job
    events = recorded_events(None, files) if files else _no_events()
    return occurrence_agreement(events, gt, occ)


def _no_events() -> pd.DataFrame:
    columns = ["home_id", "ts", "run", "entity_id", "cause", "occurrence", "ctx", "parent"]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return frame.assign(has_parent=pd.Series(dtype=bool), run=pd.Series(dtype=bool))


# of the figures that are not counts, the one part's value the whole takes
_EXTREMES = {"max_adherence": max, "min_lag_std_s": min}


def _sum_agreement(parts: list[dict]) -> dict:
    """`occurrence_agreement` of the whole from its parts': counts add up, the share is
    recomputed, adherence and lag spread are the extremes over the parts with routines."""
    full = [p for p in parts if p.get("routines")] or parts[:1]
    out = {
        key: _EXTREMES[key](p[key] for p in full)
        if key in _EXTREMES
        else sum(int(p.get(key, 0)) for p in parts)
        for key in full[0]
    }
    n = out["occurrences"]
    out["share"] = round(out["agreeing"] / n, 6) if n else 1.0
    return out


def lag_overlap(out_dir: TableSource) -> dict[str, dict[str, float]]:
    """Per relationship type, how manual and automated reaction lags overlap: the share of
    habit lags inside the range automations' lags span, and vice versa (step-0 reactions)."""
    gt = _table(out_dir, "gt_routines", ["routine_id", "kind", "relationship"])
    occ = _table(out_dir, "gt_occurrences", ["routine_id", "lag_s", "step"])
    m = occ[(occ["step"] == 0) & occ["lag_s"].notna()].merge(gt, on="routine_id")
    out: dict[str, dict[str, float]] = {}
    for rel, g in m[m["relationship"].notna()].groupby("relationship"):
        a = g.loc[g["kind"] == "automation", "lag_s"].to_numpy()
        h = g.loc[g["kind"] == "habit", "lag_s"].to_numpy()
        row: dict[str, float] = {"automation_runs": int(a.size), "habit_occurrences": int(h.size)}
        if a.size:
            row |= {"automation_lag_p5_s": _q(a, 0.05), "automation_lag_p95_s": _q(a, 0.95)}
        if h.size:
            row |= {"habit_lag_p5_s": _q(h, 0.05), "habit_lag_p95_s": _q(h, 0.95)}
        if a.size and h.size:
            row["habit_in_automation_range"] = round(
                float(((h >= a.min()) & (h <= a.max())).mean()), 4
            )
            row["automation_in_habit_range"] = round(
                float(((a >= h.min()) & (a <= h.max())).mean()), 4
            )
            row["habit_within_3s"] = round(float((h <= 3.0).mean()), 4)
        out[str(rel)] = row
    return out


def _q(values: np.ndarray, q: float) -> float:
    return round(float(np.quantile(values, q)), 3)


def synergy_balance(out_dir: TableSource) -> dict[str, float]:
    """Device types alone never give the answer: the share of homes whose every habit-linked
    relationship type also has unlinked candidates there (or has a single candidate in the
    home, like its one lock→thermostat pair), and per type the fleet's share of linked
    candidates, which stays below a half wherever the type has enough candidates to say so
    (20 or more; pairs an automation links are not candidates)."""
    syn = _table(out_dir, "gt_synergies", ["home_id", "relationship", "candidate", "gt_linked"])
    cand = syn[syn["candidate"]]
    per = cand.groupby(["home_id", "relationship"])["gt_linked"].agg(["sum", "count"])
    linked = per[per["sum"] > 0]
    ok = ((linked["count"] > linked["sum"]) | (linked["count"] == 1)).groupby(level=0).all()
    by_type = cand.groupby("relationship")["gt_linked"].agg(["mean", "count"])
    share = by_type.loc[by_type["count"] >= 20, "mean"]
    return {
        "homes_with_links": int(len(ok)),
        "balanced_share": float(ok.mean()) if len(ok) else 1.0,
        "max_linked_share_of_a_type": round(float(share.max()), 4) if len(share) else 0.0,
        "linked_pairs": int(cand["gt_linked"].sum()),
        "candidates": int(len(cand)),
        "automated_pairs": int((~syn["candidate"]).sum()),
    }


def realism_report(
    out_dir: TableSource, summary: dict | None = None
) -> dict[str, dict[str, float]]:
    if summary is None:
        summary = json.loads((Path(out_dir) / "summary.json").read_text())
    return {
        "lights": light_evening_night_ratio(out_dir),
        "office_departures": office_departures(out_dir),
        "events_per_home_day": events_per_home_day(out_dir, summary["days"]),
        "weather": weather_figures(out_dir),
        "thermostat": thermostat_tracking(out_dir),
        "routines": routine_agreement(out_dir),
        "lag_overlap": lag_overlap(out_dir),
        "synergies": synergy_balance(out_dir),
        "home_type_share": summary["home_type_share"],
    }


if __name__ == "__main__":  # `python -m homeiq_assets.sim.realism DIR`
    import sys

    print(json.dumps(realism_report(Path(sys.argv[1])), indent=2))
