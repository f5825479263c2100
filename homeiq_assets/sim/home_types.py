"""What a home's type means for the simulator: structure, size, floor area, tenure, region.

The eight home types of DESIGN §5 mix four axes: *structure* (a flat in a shared building, an
attached house, a detached house), *tenure* (a condo is a flat its occupants own, an apartment
one they rent), *style* (ranch, cottage) and *storeys* (multi_story). Each type is generated
through latent draws a real home has, and every observable difference between types comes from
one of them:

    type → size category → floor area → bedrooms, bathrooms, storeys
    type → which rooms and outdoor spaces exist (balcony, garden, garage, basement, attic)
    type → tenure → which devices get installed (renters plug in, owners wire in)
    type → region (regional housing stock) → climate, sun, clock
    type → building envelope (shared walls) → thermal time constant, heat loss

The shares come from published housing statistics (docs/homes.md cites each one); where a
number is a judgement rather than a statistic, the comment says so. Condo and apartment share
every structural draw on purpose: tenure is the only thing that tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.catalog import HOME_TYPE_SHARES, HOME_TYPES, REGIONS, SIZE_SHARES, SIZES

# ------------------------------------------------------------------ structure
# The structural class is what a home's sensors can tell (DESIGN §7 gates on it).
STRUCTURE: dict[str, str] = {
    "studio": "studio",
    "apartment": "flat",
    "condo": "flat",
    "townhouse": "townhouse",
    "single_family_house": "detached",
    "cottage": "detached",
    "ranch_house": "detached",
    "multi_story": "detached",
}
STRUCTURES: tuple[str, ...] = ("studio", "flat", "townhouse", "detached")
# buildings shared with other households: no private garage, garden, basement or attic
SHARED_BUILDING = frozenset(t for t, s in STRUCTURE.items() if s in ("studio", "flat"))


@dataclass(frozen=True)
class HomeTypeShape:
    """Probabilities of optional rooms and outdoor spaces for one home type (before size)."""

    garage_p: float
    garden_p: float
    basement_p: float
    attic_p: float
    porch_p: float
    balcony_p: float
    office_p: float
    laundry_p: float
    irrigation_p: float  # given a garden


# Flats have balconies (most post-war European and North American blocks do; a judgement, no
# census counts balconies) and no private garage, garden, basement or attic: those belong to the
# building. Houses: attached houses have their own small grounds (ABS's definition of a
# townhouse) and less often a garage; ranch houses nearly always have a garage and a yard.
HOME_TYPE_SHAPES: dict[str, HomeTypeShape] = {
    "studio": HomeTypeShape(0.0, 0.0, 0.0, 0.0, 0.0, 0.55, 0.0, 0.0, 0.0),
    "apartment": HomeTypeShape(0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.4, 0.3, 0.0),
    "condo": HomeTypeShape(0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 0.4, 0.3, 0.0),
    "townhouse": HomeTypeShape(0.4, 0.75, 0.2, 0.25, 0.3, 0.15, 0.5, 0.6, 0.2),
    "single_family_house": HomeTypeShape(0.75, 0.9, 0.45, 0.4, 0.6, 0.15, 0.6, 0.8, 0.6),
    "cottage": HomeTypeShape(0.25, 0.95, 0.15, 0.5, 0.7, 0.05, 0.3, 0.5, 0.4),
    "ranch_house": HomeTypeShape(0.95, 0.95, 0.25, 0.1, 0.85, 0.02, 0.6, 0.8, 0.8),
    "multi_story": HomeTypeShape(0.7, 0.6, 0.6, 0.5, 0.4, 0.35, 0.8, 0.9, 0.4),
}

# ------------------------------------------------------------------ size
# P(size | type). Studios are small, flats and cottages mostly small or medium, multi-storey
# houses mostly large. The single-family row is not set by hand: it is the remainder that keeps
# the fleet's overall size shares (DESIGN §5: 30/40/20/10) exactly in expectation.
_SIZE_GIVEN_TYPE_FIXED: dict[str, tuple[float, float, float, float]] = {
    "studio": (0.85, 0.15, 0.0, 0.0),
    "apartment": (0.45, 0.40, 0.12, 0.03),
    "condo": (0.45, 0.40, 0.12, 0.03),
    "townhouse": (0.25, 0.50, 0.20, 0.05),
    "cottage": (0.40, 0.45, 0.12, 0.03),
    "ranch_house": (0.10, 0.45, 0.30, 0.15),
    "multi_story": (0.0, 0.20, 0.40, 0.40),
}
_REMAINDER_TYPE = "single_family_house"


def _size_given_type() -> dict[str, np.ndarray]:
    target = np.array([SIZE_SHARES[s] for s in SIZES])
    fixed = {t: np.array(v) for t, v in _SIZE_GIVEN_TYPE_FIXED.items()}
    used = sum(HOME_TYPE_SHARES[t] * p for t, p in fixed.items())
    rest = (target - used) / HOME_TYPE_SHARES[_REMAINDER_TYPE]
    if (rest < 0).any() or not np.isclose(rest.sum(), 1.0):
        raise ValueError(f"size shares cannot be kept: remainder row {rest}")
    rows = {**fixed, _REMAINDER_TYPE: rest}
    return {t: rows[t] for t in HOME_TYPES}


SIZE_GIVEN_TYPE: dict[str, np.ndarray] = _size_given_type()

# ------------------------------------------------------------------ floor area
# Median floor area (m²) of a medium home of each type, and the size multipliers. Anchors:
# AHS 2017 median of all US units 139 m² (1,500 sq ft); Statistics Sweden: flats 68 m², houses
# 122 m²; English Housing Survey 2024: owner-occupiers 110 m², private renters 75 m²; RentCafe:
# new US studios 48 m², one-bedroom flats 70 m²; Ireland 2023 new builds: single houses 216 m²,
# scheme houses 119 m², apartments 72 m².
MEDIUM_FLOOR_AREA_M2: dict[str, float] = {
    "studio": 38.0,
    "apartment": 72.0,
    "condo": 72.0,
    "townhouse": 105.0,
    "single_family_house": 140.0,
    "cottage": 95.0,
    "ranch_house": 150.0,
    "multi_story": 190.0,
}
SIZE_AREA_FACTOR: dict[str, float] = {
    "small": 0.72,
    "medium": 1.0,
    "large": 1.35,
    "extra_large": 1.8,
}
FLOOR_AREA_SIGMA = 0.14  # lognormal spread within a (type, size) cell

# ------------------------------------------------------------------ tenure
# Share of homes of each type lived in by their owners. US: about 85 % of single-family homes
# are owner-occupied and over 85 % of multifamily units are rented (ACS 2022, via O'Toole);
# Sweden: 91 % of one- or two-dwelling buildings privately owned (SCB). A condo is an owned
# flat, though some are let by their owner (judgement: 15 %); an apartment a rented one, though
# a few are owned through co-ops (judgement: 8 %). The fleet's owner share is 64 %
# (US 65 %, EU 69 %, Australia 66 %).
OWNER_SHARE: dict[str, float] = {
    "studio": 0.10,
    "apartment": 0.08,
    "condo": 0.85,
    "townhouse": 0.70,
    "single_family_house": 0.85,
    "cottage": 0.80,
    "ranch_house": 0.88,
    "multi_story": 0.85,
}
TENURES: tuple[str, ...] = ("owner", "renter")

# ------------------------------------------------------------------ building envelope
# Thermal time constant of the building (hours): flats are shielded by their neighbours,
# cottages are small and old. Heat loss per m² of floor area relative to a detached house:
# shared walls and floors lose less.
THERMAL_TAU_H: dict[str, float] = {
    "apartment": 40.0,
    "condo": 40.0,
    "studio": 34.0,
    "townhouse": 30.0,
    "single_family_house": 24.0,
    "multi_story": 26.0,
    "ranch_house": 22.0,
    "cottage": 16.0,
}
ENVELOPE_FACTOR: dict[str, float] = {"studio": 0.6, "flat": 0.65, "townhouse": 0.8, "detached": 1.0}
HEAT_LOSS_W_PER_K_M2 = (1.0, 1.8)  # whole-house loss coefficient of a detached house per m²

# ------------------------------------------------------------------ region priors
# Share of dwellings by structure in each region: (detached house, attached house, flat).
# US (all three US regions): ACS 2022 single-family 67.5 % with 5.6 % attached (Census 2000
# split), 2+ units 26.8 %, mobile homes 5.7 % counted as detached. UK: EU-SILC 2007 detached
# 24 %, semi-detached or terraced 59 %, flats 18 % (semi-detached houses count as attached).
# Germany: EU-SILC 2007 23 / 13 / 62 %. Nordics (Stockholm): Statistics Sweden 2021, 42 % of
# dwellings in one- or two-dwelling buildings and 52 % in multi-dwelling buildings; houses split
# detached / attached as in Norway (SSB 2020: 48.5 % detached, 21.2 % two-dwelling or row).
# Australia: ABS Census 2021, 70 % separate houses, 13 % townhouses, 16 % apartments.
REGION_STRUCTURE_SHARES: dict[str, tuple[float, float, float]] = {
    "us_northeast": (0.676, 0.056, 0.268),
    "us_south": (0.676, 0.056, 0.268),
    "us_west": (0.676, 0.056, 0.268),
    "uk": (0.24, 0.59, 0.18),
    "germany": (0.23, 0.13, 0.62),
    "nordics": (0.31, 0.136, 0.553),
    "australia_se": (0.70, 0.13, 0.16),
}
# Style within a structure by region, relative to the fleet's own mix (judgements, not
# statistics): ranch houses are an American (and Australian) single-storey style, cottages a
# British and Nordic one, owned flats commoner where tenant-ownership is (Sweden: 41 % of flats
# tenant-owned, SCB 2017) than where flats are mostly let (US, Germany).
REGION_STYLE_FACTOR: dict[str, dict[str, float]] = {
    "ranch_house": {
        "us_northeast": 1.0,
        "us_south": 3.0,
        "us_west": 2.0,
        "uk": 0.3,
        "germany": 0.2,
        "nordics": 0.4,
        "australia_se": 1.5,
    },
    "cottage": {
        "us_northeast": 0.8,
        "us_south": 0.5,
        "us_west": 0.5,
        "uk": 2.0,
        "germany": 0.7,
        "nordics": 2.0,
        "australia_se": 0.6,
    },
    "condo": {
        "us_northeast": 0.8,
        "us_south": 0.7,
        "us_west": 0.8,
        "uk": 1.0,
        "germany": 0.8,
        "nordics": 1.6,
        "australia_se": 1.2,
    },
}
_CLASS_INDEX = {"detached": 0, "townhouse": 1, "flat": 2, "studio": 2}


def region_prior(home_type: str) -> np.ndarray:
    """P(region | home type) over `REGIONS`: each region equally likely a priori, weighted by
    how common the type's structure is there and by its regional style factor (Bayes' rule on
    P(structure | region))."""
    col = _CLASS_INDEX[STRUCTURE[home_type]]
    w = np.array(
        [
            REGION_STRUCTURE_SHARES[r.name][col]
            * REGION_STYLE_FACTOR.get(home_type, {}).get(r.name, 1.0)
            for r in REGIONS
        ]
    )
    return w / w.sum()


# ------------------------------------------------------------------ tenure and devices
# How tenure scales the chance that a device of each installation kind is there. Renters may
# not rewire or drill: in-wall relays, thermostats, motorised covers and fixed meters are rare,
# retrofit locks less common, plug-in devices a little more common. Owners install at the base
# rate. (Judgement: no survey splits smart-home devices by tenure.)
TENURE_INSTALL_FACTOR: dict[str, dict[str, float]] = {
    "owner": {"hardwired": 1.0, "retrofit": 1.0, "plugin": 1.0, "battery": 1.0},
    "renter": {"hardwired": 0.3, "retrofit": 0.4, "plugin": 1.15, "battery": 1.0},
}
# where a template comes both as a bulb or plug and as an in-wall module: the chance an owner or
# a renter picks the in-wall one
HARDWIRED_VARIANT_P: dict[str, float] = {"owner": 0.45, "renter": 0.05}

# ------------------------------------------------------------------ people
PERSON_NAMES: tuple[str, ...] = (
    "Alex", "Sam", "Robin", "Charlie", "Jamie", "Taylor", "Jordan", "Morgan", "Casey", "Riley",
    "Avery", "Quinn", "Kim", "Noa", "Eli", "Mika", "Lou", "Ari", "Sasha", "Toni", "Kai", "Jo",
    "Luca", "Maya", "Nina", "Omar", "Priya", "Lena", "Jonas", "Emma", "Liam", "Sofia", "Mateo",
    "Hana", "Aiko", "Ines", "Oskar", "Freya", "Elif", "Yusuf",
)  # fmt: skip


# ------------------------------------------------------------------ draws
def floor_area_m2(rng: np.random.Generator, home_type: str, size: str) -> float:
    """Floor area of one home: lognormal around its type's and size's median, in whole m²."""
    median = MEDIUM_FLOOR_AREA_M2[home_type] * SIZE_AREA_FACTOR[size]
    return float(round(median * np.exp(rng.normal(0.0, FLOOR_AREA_SIGMA))))


def tenure_of(rng: np.random.Generator, home_type: str) -> str:
    return "owner" if rng.random() < OWNER_SHARE[home_type] else "renter"


def storeys(rng: np.random.Generator, home_type: str, area_m2: float) -> int:
    """Storeys above ground: flats one; townhouses two or three; detached houses one or two,
    more often two when large; ranch houses one; multi-storey houses three or four."""
    u = rng.random()
    structure = STRUCTURE[home_type]
    if structure in ("studio", "flat") or home_type == "ranch_house":
        return 1
    if home_type == "townhouse":
        return 2 + int(u < np.clip((area_m2 - 90.0) / 150.0, 0.1, 0.6))
    if home_type == "multi_story":
        return 3 + int(u < np.clip((area_m2 - 220.0) / 200.0, 0.05, 0.5))
    if home_type == "cottage":
        return 1 + int(u < 0.35)
    return 1 + int(u < np.clip((area_m2 - 70.0) / 130.0, 0.25, 0.85))


def bedrooms_for(rng: np.random.Generator, home_type: str, area_m2: float) -> int:
    """Bedrooms from floor area (a studio has none): about one at 50 m², three at 100 m²,
    four at 150 m², five at 240 m²."""
    if STRUCTURE[home_type] == "studio":
        return 0
    return int(np.clip(round(1.0 + 2.2 * np.log(area_m2 / 50.0) + rng.normal(0, 0.45)), 1, 6))


def bathrooms_for(rng: np.random.Generator, home_type: str, area_m2: float) -> int:
    """Bathrooms from floor area: one up to about 100 m², two around 150 m², three past
    250 m²; a studio has one."""
    if STRUCTURE[home_type] == "studio":
        return 1
    return int(np.clip(round(0.6 + 1.4 * np.log(area_m2 / 60.0) + rng.normal(0, 0.4)), 1, 4))
