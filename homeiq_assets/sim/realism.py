"""Realism and ground-truth figures computed from a generated fleet's tables.

The README quotes these figures and the tests assert them, so every claim about the data is
reproducible: `homeiq generate … --out DIR` then `realism_report(DIR)`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from homeiq_assets.sim.tables import TableSource, table_dir


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

    `steady` excludes the first `settle_h` hours after a setpoint change (a heater raises a
    house by a degree or two per hour, so recovery from a night setback is not tracking error).
    """
    table = ds.dataset(table_dir(out_dir, "events")).to_table(
        columns=["home_id", "entity_id", "ts", "attributes"],
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
        }
    ).sort_values(["key", "ts"], kind="stable")
    changed = (df["sp"] != df["sp"].shift()) | (df["key"] != df["key"].shift())
    since = df["ts"] - df["ts"].where(changed).ffill()
    running = df["action"].isin(["heating", "cooling"]).to_numpy()
    steady = running & (since >= pd.Timedelta(hours=settle_h)).to_numpy()
    err = (df["cur"] - df["sp"]).abs().to_numpy()
    return {
        "mean_abs_error_running_c": float(np.nanmean(err[running])) if running.any() else np.nan,
        "mean_abs_error_steady_c": float(np.nanmean(err[steady])) if steady.any() else np.nan,
        "steady_samples": int(steady.sum()),
        "running_samples": int(running.sum()),
    }


def routine_agreement(out_dir: TableSource) -> dict[str, float]:
    """Share of routines whose recorded occurrences and event counts match the events table."""
    gt = _table(out_dir, "gt_routines")
    ev = ds.dataset(table_dir(out_dir, "events")).to_table(columns=["gt_cause", "gt_occurrence"])
    df = ev.to_pandas()
    df["gt_cause"] = df["gt_cause"].astype(str)
    df = df[df["gt_cause"].isin(set(gt["routine_id"]))]
    counts = df.groupby("gt_cause").size()
    occ = df.groupby("gt_cause")["gt_occurrence"].nunique()
    gt = gt.assign(
        seen_events=gt["routine_id"].map(counts).fillna(0).astype(int),
        seen_occurrences=gt["routine_id"].map(occ).fillna(0).astype(int),
    )
    match = (gt["seen_events"] == gt["event_count"]) & (gt["seen_occurrences"] == gt["occurrences"])
    return {
        "routines": int(len(gt)),
        "agreement": float(match.mean()) if len(gt) else 1.0,
        "max_adherence": float(gt["adherence"].max()) if len(gt) else 0.0,
        "min_lag_std_s": float(gt["lag_s_std"].min()) if len(gt) else 0.0,
    }


def synergy_balance(out_dir: TableSource) -> dict[str, float]:
    """Share of homes whose every linked relationship type also has unlinked candidates."""
    syn = _table(out_dir, "gt_synergies", ["home_id", "relationship", "gt_linked"])
    per = syn.groupby(["home_id", "relationship"])["gt_linked"].agg(["sum", "count"])
    linked = per[per["sum"] > 0]
    ok = (linked["count"] > linked["sum"]).groupby(level=0).all()
    return {
        "homes_with_links": int(len(ok)),
        "balanced_share": float(ok.mean()) if len(ok) else 1.0,
        "linked_pairs": int(syn["gt_linked"].sum()),
        "candidates": int(len(syn)),
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
        "synergies": synergy_balance(out_dir),
        "home_type_share": summary["home_type_share"],
    }


if __name__ == "__main__":  # `python -m homeiq_assets.sim.realism DIR`
    import sys

    print(json.dumps(realism_report(Path(sys.argv[1])), indent=2))
