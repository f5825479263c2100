"""Home types carry the signals real homes carry: size and floor area follow the type, flats have
balconies and no private garage or garden, tenure shapes the device mix, every occupant has a
person entity that follows their presence, energy grows with floor area and cold, and regions
have the housing stock their statistics say."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from homeiq_assets.collect.observations import iter_homes
from homeiq_assets.sim.behaviour import Vocabs, simulate_home
from homeiq_assets.sim.catalog import HOME_TYPE_SHARES, REGION_BY_NAME, SIZE_SHARES, SIZES
from homeiq_assets.sim.clock import Window
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import plan_fleet
from homeiq_assets.sim.home_types import SHARED_BUILDING, SIZE_GIVEN_TYPE, STRUCTURE
from homeiq_assets.sim.layout import build_home


@pytest.fixture(scope="module")
def fleet_homes():
    """1,000 laid-out homes of a planned fleet (layouts only: no events)."""
    config = SimConfig(homes=1000, seed=77)
    return [build_home(config.seed, *planned) for planned in plan_fleet(config)]


def test_size_follows_type_and_keeps_the_fleet_shares(fleet_homes):
    by_type: dict[str, list] = {}
    for h in fleet_homes:
        by_type.setdefault(h.home_type, []).append(h)
    # no extra-large studio with three bathrooms: studios are small or medium, one bathroom
    studios = by_type["studio"]
    assert {h.size_category for h in studios} <= {"small", "medium"}
    assert all(len(h.area_indices("bathroom")) == 1 for h in studios)
    # multi-storey homes have three or more storeys and are large more often than the fleet
    multi = by_type["multi_story"]
    assert all(sum(level >= 0 for level in h.floors) >= 3 for h in multi)
    big = lambda hs: np.mean([h.size_category in ("large", "extra_large") for h in hs])  # noqa: E731
    assert big(multi) > 0.6 > big(fleet_homes) + 0.2
    # floor area follows type: studios smallest, multi-storey largest; condo = apartment
    area = {t: np.median([h.facts.floor_area_m2 for h in hs]) for t, hs in by_type.items()}
    assert area["studio"] < area["apartment"] < area["single_family_house"] < area["multi_story"]
    assert abs(area["condo"] - area["apartment"]) / area["apartment"] < 0.15
    # bigger floor areas have more bedrooms (one row per home)
    sfh = by_type["single_family_house"]
    areas = np.array([h.facts.floor_area_m2 for h in sfh])
    beds = np.array([len(h.area_indices("bedroom")) for h in sfh])
    assert np.corrcoef(areas, beds)[0, 1] > 0.5
    # overall: types by quota exactly, sizes within a few homes of 30/40/20/10
    types = Counter(h.home_type for h in fleet_homes)
    assert {t: types[t] for t in HOME_TYPE_SHARES} == {
        t: round(s * 1000) for t, s in HOME_TYPE_SHARES.items()
    }
    sizes = Counter(h.size_category for h in fleet_homes)
    for size, share in SIZE_SHARES.items():
        assert abs(sizes[size] - share * 1000) <= len(HOME_TYPE_SHARES), (size, sizes)


def test_size_shares_given_type_keep_the_design_marginals():
    marginal = sum(HOME_TYPE_SHARES[t] * SIZE_GIVEN_TYPE[t] for t in HOME_TYPE_SHARES)
    assert np.allclose(marginal, [SIZE_SHARES[s] for s in SIZES])
    assert SIZE_GIVEN_TYPE["studio"][SIZES.index("extra_large")] == 0


def test_flats_have_balconies_and_no_private_garage_or_garden(fleet_homes):
    flats = [h for h in fleet_homes if h.home_type in SHARED_BUILDING]
    houses = [h for h in fleet_homes if h.home_type not in SHARED_BUILDING]
    private = ("garage", "garden", "basement", "attic", "porch")
    assert not any(h.area_indices(k) for h in flats for k in private)
    assert not any(h.devices_of("garage_door") or h.devices_of("irrigation") for h in flats)
    assert all(len(h.floors) == 1 for h in flats)
    balcony = lambda hs: np.mean([bool(h.area_indices("balcony")) for h in hs])  # noqa: E731
    assert balcony(flats) > 0.6 and balcony(houses) < 0.25


def test_tenure_shifts_the_device_mix(fleet_homes):
    """Renters mostly plug in; owners wire in locks, thermostats, fans, dimmers and covers.
    Compared within flats (apartments and condos share every structural draw)."""
    from homeiq_assets.sim.catalog import install_kind

    rows = []
    for h in fleet_homes:
        kinds = Counter(install_kind(d.device_type, d.manufacturer, d.model) for d in h.devices)
        rows.append(
            {
                "flat": h.home_type in ("apartment", "condo"),
                "house": STRUCTURE[h.home_type] in ("detached", "townhouse"),
                "owner": h.facts.tenure == "owner",
                "hardwired_share": kinds["hardwired"] / len(h.devices),
                "plugin_share": kinds["plugin"] / len(h.devices),
                "thermostat": bool(h.devices_of("thermostat")),
                "lock": bool(h.devices_of("door_lock")),
                "garage_cover": bool(h.devices_of("garage_door")),
            }
        )
    df = pd.DataFrame(rows)
    flats = df[df["flat"]].groupby("owner").mean(numeric_only=True)
    assert flats.loc[True, "hardwired_share"] > 2 * flats.loc[False, "hardwired_share"]
    assert flats.loc[False, "plugin_share"] > flats.loc[True, "plugin_share"]
    assert flats.loc[True, "thermostat"] > flats.loc[False, "thermostat"] + 0.3
    assert flats.loc[True, "lock"] > flats.loc[False, "lock"] + 0.2
    houses = df[df["house"]].groupby("owner").mean(numeric_only=True)
    assert houses.loc[True, "garage_cover"] > houses.loc[False, "garage_cover"]
    # condo owners and apartment renters are what tells the two types apart
    tenure = {
        t: np.mean([h.facts.tenure == "owner" for h in fleet_homes if h.home_type == t])
        for t in ("apartment", "condo")
    }
    assert tenure["condo"] > 0.7 and tenure["apartment"] < 0.2


def test_regions_have_their_housing_stock(fleet_homes):
    region = pd.DataFrame(
        {"type": [h.home_type for h in fleet_homes], "region": [h.region.name for h in fleet_homes]}
    )
    share = pd.crosstab(region["type"], region["region"], normalize="index")
    assert share.loc["townhouse", "uk"] > share.loc["apartment", "uk"]
    assert share.loc["apartment", "germany"] > share.loc["single_family_house", "germany"]
    us = ["us_northeast", "us_south", "us_west"]
    assert share.loc["ranch_house", us].sum() > 0.6


def test_one_person_entity_per_occupant_following_presence(fleet_dir: Path):
    homes = ds.dataset(fleet_dir / "homes").to_table().to_pandas()
    entities = ds.dataset(fleet_dir / "entities").to_table().to_pandas()
    people = entities[entities["domain"] == "person"]
    assert people["device_id"].isna().all()
    counts = people.groupby("home_id").size().reindex(homes["home_id"], fill_value=0)
    assert (counts.to_numpy() == homes["occupants"].to_numpy()).all()
    occ = ds.dataset(fleet_dir / "occupancy").to_table()
    occ = occ.set_column(3, "start", occ.column("start").cast(pa.int64())).to_pandas()
    agree, total = 0.0, 0.0
    for obs, _ in iter_homes(fleet_dir, homes=sorted(homes["home_id"])[:8], with_truth=False):
        grid = obs.ts_ms[0] + np.arange(0, int(obs.ts_ms[-1] - obs.ts_ms[0]), 600_000)
        mine = occ[occ["home_id"] == obs.home_id]
        persons = sorted(e for e in obs.entity_ids if str(e).startswith("person."))
        occupants = sorted(mine["occupant_id"].unique())
        assert len(persons) == len(occupants)
        away_any = []
        for entity in persons:
            code = obs.entity_code(entity)
            t, st = obs.ts_ms[obs.entity == code], obs.states[obs.state[obs.entity == code]]
            assert set(st) <= {"home", "not_home"}
            last = np.searchsorted(t, grid, side="right") - 1
            away_any.append(np.where(last >= 0, st[np.maximum(last, 0)] == "not_home", False))
        truth_any = []
        for occupant in occupants:
            rows = mine[mine["occupant_id"] == occupant]
            start = rows["start"].to_numpy()
            idx = np.searchsorted(start, grid, side="right") - 1
            truth_any.append(rows["state"].astype(str).to_numpy()[idx] == "away")
        # persons are named, not numbered: compare how many are away at each moment
        agree += (np.sum(away_any, 0) == np.sum(truth_any, 0)).sum()
        total += len(grid)
    assert agree / total > 0.95


def _home_with_meter(region: str = "germany"):
    for i in range(200):
        home = build_home(5, f"h{i:05d}", "single_family_house", "medium")
        if home.devices_of("energy_meter"):
            r = REGION_BY_NAME[region]
            return dataclasses.replace(
                home, region=r, latitude=r.latitude, longitude=r.longitude, _entity_index=None
            )
    raise AssertionError("no home with an energy meter")


def test_energy_grows_with_floor_area_and_cold():
    base = _home_with_meter("germany")
    double = dataclasses.replace(
        base,
        facts=dataclasses.replace(
            base.facts,
            floor_area_m2=base.facts.floor_area_m2 * 2,
            heat_loss_w_per_k=base.facts.heat_loss_w_per_k * 2,
        ),
    )
    mild = _home_with_meter("us_west")

    def kwh(home) -> float:
        vocabs = Vocabs.new()
        sim = simulate_home(home, Window(dt.date(2026, 1, 12), 7), 5, False, vocabs)
        meter = next(i for i, e in enumerate(home.entities) if e.key == "energy")
        states = np.asarray(vocabs.states.values, dtype=object)[sim.events.state]
        values = states[sim.events.entity == meter].astype(float)
        return float(values[-1] - values[0])

    assert kwh(double) > 1.5 * kwh(base)
    assert kwh(base) > 1.2 * kwh(mild)  # a Berlin January heats more than a San Francisco one


def test_ground_truth_home_facts_are_stored_but_never_observed(fleet_dir: Path):
    homes = ds.dataset(fleet_dir / "homes").to_table().to_pandas()
    assert homes["gt_floor_area_m2"].between(15, 800).all()
    assert set(homes["gt_tenure"]) <= {"owner", "renter"}
    for obs, truth in iter_homes(fleet_dir, homes=sorted(homes["home_id"])[:3]):
        assert not [k for k in obs.home if k.startswith("gt_")]
        assert {"gt_floor_area_m2", "gt_tenure", "home_type"} <= set(truth.home_labels)
