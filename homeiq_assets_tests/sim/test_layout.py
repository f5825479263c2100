"""Homes are shaped by type and size and named the way Home Assistant names things."""

from __future__ import annotations

import re

import numpy as np
import pytest

from homeiq_assets.sim.catalog import HOME_TYPES, SIZES
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import plan_fleet
from homeiq_assets.sim.layout import build_home, slugify
from homeiq_assets.sim.validate import ENTITY_ID_RE, HA_ENTITY_RULES


def _homes(home_type: str, n: int = 40, size: str = "medium"):
    return [build_home(7, f"h{i:05d}", home_type, size) for i in range(n)]


def test_entity_ids_are_valid_unique_slugs_with_accepted_classes():
    for home_type in HOME_TYPES:
        for size in SIZES:
            home = build_home(1, "h00001", home_type, size)
            ids = [e.entity_id for e in home.entities]
            assert len(ids) == len(set(ids))
            for e in home.entities:
                assert ENTITY_ID_RE.match(e.entity_id), e.entity_id
                assert e.entity_id.split(".")[0] == e.domain
                units, state_classes = HA_ENTITY_RULES[e.domain][e.device_class]
                assert e.unit in units and e.state_class in state_classes, e


def test_names_follow_has_entity_name_convention():
    home = build_home(2, "h00002", "single_family_house", "large")
    for e in home.entities:
        device = home.devices[e.device_index]
        expected = device.name if e.original_name is None else f"{device.name} {e.original_name}"
        assert e.friendly_name == expected
        assert e.entity_id.split(".", 1)[1].startswith(slugify(expected))
    assert slugify("Bedroom 2 Ceiling Light") == "bedroom_2_ceiling_light"


def test_type_shapes_the_plan():
    studios = _homes("studio")
    assert all(len(h.floors) == 1 and not h.area_indices("bedroom") for h in studios)
    assert all(len(h.occupants) <= 2 for h in studios)
    multi = _homes("multi_story")
    assert all(len([f for f in h.floors if f >= 0]) >= 3 for h in multi)
    apartments = _homes("apartment")
    assert not any(h.area_indices("garden") or h.area_indices("garage") for h in apartments)
    condos = _homes("condo")
    assert not any(h.devices_of("irrigation") for h in condos)
    ranches = _homes("ranch_house")
    assert np.mean([bool(h.area_indices("garage")) for h in ranches]) > 0.8
    assert (
        np.mean([any(d.device_type == "outdoor_light" for d in h.devices) for h in ranches]) > 0.8
    )


def test_bigger_homes_have_more_areas_and_devices_but_distributions_overlap():
    small = _homes("single_family_house", 60, "small")
    xl = _homes("single_family_house", 60, "extra_large")
    small_dev = np.array([len(h.devices) for h in small])
    xl_dev = np.array([len(h.devices) for h in xl])
    assert xl_dev.mean() > small_dev.mean() * 1.3
    assert np.mean([len(h.areas) for h in xl]) > np.mean([len(h.areas) for h in small])
    # overlapping, as real homes are: in a planned fleet (sizes follow the type) the best
    # equipped flats have more devices than many houses, so device count cannot tell the type
    config = SimConfig(homes=300, seed=7)
    homes = [build_home(config.seed, *planned) for planned in plan_fleet(config)]
    flats = ("studio", "apartment", "condo")
    house = np.array([len(h.devices) for h in homes if h.home_type not in flats])
    flat = np.array([len(h.devices) for h in homes if h.home_type in flats])
    assert np.percentile(flat, 95) > np.percentile(house, 25)


def test_device_ids_look_like_home_assistant_ids():
    home = build_home(3, "h00003", "cottage", "medium")
    assert all(re.fullmatch(r"[0-9a-f]{32}", d.device_id) for d in home.devices)
    assert len({d.device_id for d in home.devices}) == len(home.devices)


@pytest.mark.parametrize("home_type", HOME_TYPES)
def test_every_home_has_the_essentials(home_type):
    for home in _homes(home_type, 10):
        kinds = {a.kind for a in home.areas}
        assert {"entrance", "living_room", "kitchen", "bathroom"} <= kinds
        assert any(e.domain == "light" for e in home.entities)
        assert 1 <= len(home.occupants) <= 5
