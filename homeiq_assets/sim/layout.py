"""Floor plan, devices, entities and people of one home, named the way Home Assistant names them.

A home's type acts only through latent draws a real home has (see `home_types`): its size and
floor area, storeys, which rooms and outdoor spaces exist, its tenure (which devices get
installed), its region and its building envelope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from homeiq_assets.sim.catalog import (
    ARCHETYPES,
    AREA_DEVICES,
    AREA_KINDS,
    DEVICE_TEMPLATES,
    HOUSEHOLD_ARCHETYPES,
    REGIONS,
    SIZE_RANK,
    Region,
)
from homeiq_assets.sim.home_types import (
    ENVELOPE_FACTOR,
    HARDWIRED_VARIANT_P,
    HEAT_LOSS_W_PER_K_M2,
    HOME_TYPE_SHAPES,
    PERSON_NAMES,
    STRUCTURE,
    TENURE_INSTALL_FACTOR,
    THERMAL_TAU_H,
    bathrooms_for,
    bedrooms_for,
    floor_area_m2,
    region_prior,
    storeys,
    tenure_of,
)
from homeiq_assets.sim.rng import derive_rng, stable_int

FLOOR_NAMES = {
    -1: "Basement",
    0: "Ground Floor",
    1: "First Floor",
    2: "Second Floor",
    3: "Third Floor",
    4: "Fourth Floor",
}
LABEL_STYLE = {  # label_id -> (name, colour, icon)
    "security": ("Security", "red", "mdi:shield-home"),
    "living": ("Living", "amber", "mdi:sofa"),
    "sleeping": ("Sleeping", "indigo", "mdi:bed"),
    "wet_room": ("Wet Room", "cyan", "mdi:water"),
    "work": ("Work", "blue-grey", "mdi:briefcase"),
    "utility": ("Utility", "brown", "mdi:tools"),
    "outdoor": ("Outdoor", "green", "mdi:tree"),
    "battery": ("Battery Powered", "orange", "mdi:battery"),
    "energy": ("Energy Monitoring", "yellow", "mdi:flash"),
}

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Home Assistant's object-id slug: lowercase ASCII, words joined by underscores."""
    return _SLUG_RE.sub("_", text.lower()).strip("_")


@dataclass
class Area:
    area_id: str
    name: str
    kind: str
    floor_level: int
    indoor: bool
    labels: list[str]


@dataclass
class Device:
    device_id: str
    name: str
    device_type: str
    area_index: int
    manufacturer: str
    model: str
    labels: list[str]


@dataclass
class Entity:
    entity_id: str
    device_index: int
    key: str  # role in the simulator, e.g. "motion", "light", "battery"
    domain: str
    device_class: str | None
    unit: str | None
    state_class: str | None
    original_name: str | None
    friendly_name: str
    labels: list[str]


@dataclass
class Occupant:
    occupant_id: str
    archetype: str
    bedroom_index: int


@dataclass
class Person:
    """Home Assistant's `person` entity of one occupant (no device; its state follows the
    occupant's presence)."""

    entity_id: str
    name: str
    person_id: str  # the person's id in `.storage/person` (a slug of the name)
    occupant_index: int


@dataclass(frozen=True)
class HomeFacts:
    """Latent physical facts of a home that no registry records (ground truth, `gt_*`)."""

    floor_area_m2: float
    tenure: str  # "owner" | "renter"
    thermal_tau_h: float  # the building's thermal time constant
    heat_loss_w_per_k: float  # whole-home heat loss coefficient


@dataclass
class Home:
    """A home's static description: what it is, what is in it and who lives there."""

    home_id: str
    home_type: str
    size_category: str
    region: Region
    tariff: str
    latitude: float
    longitude: float
    household_archetype: str
    floors: list[int]
    areas: list[Area]
    devices: list[Device]
    entities: list[Entity]
    occupants: list[Occupant]
    facts: HomeFacts
    labels: list[str] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    _entity_index: dict[tuple[int, str], int] | None = field(default=None, repr=False)

    def area_indices(self, kind: str) -> list[int]:
        return [i for i, a in enumerate(self.areas) if a.kind == kind]

    def devices_of(self, device_type: str) -> list[int]:
        return [i for i, d in enumerate(self.devices) if d.device_type == device_type]

    def entity_of(self, device_index: int, key: str) -> int | None:
        if self._entity_index is None:
            self._entity_index = {(e.device_index, e.key): i for i, e in enumerate(self.entities)}
        return self._entity_index.get((device_index, key))


def _pick_household(rng: np.random.Generator, home_type: str, size: str) -> str:
    names = list(HOUSEHOLD_ARCHETYPES)
    weights = []
    for name in names:
        members, share = HOUSEHOLD_ARCHETYPES[name]
        n = len(members)
        w = share
        if home_type == "studio":
            w *= 1.0 if n == 1 else (0.15 if n == 2 else 0.0)
        elif size == "small":
            w *= {1: 2.0, 2: 1.5, 3: 0.5}.get(n, 0.15)
        elif size in ("large", "extra_large"):
            w *= {1: 0.4, 2: 0.8, 3: 1.5}.get(n, 2.5)
        if home_type in ("apartment", "condo") and n >= 4:
            w *= 0.5
        weights.append(w)
    p = np.asarray(weights) / np.sum(weights)
    return names[int(rng.choice(len(names), p=p))]


def draw_facts(seed: int, home_id: str, home_type: str, size: str) -> HomeFacts:
    """Floor area, tenure and building envelope, from their own stream (so they can be drawn
    without laying the home out, e.g. to estimate what the data allows a classifier)."""
    rng = derive_rng(seed, home_id, "home_facts")
    area = floor_area_m2(rng, home_type, size)
    tenure = tenure_of(rng, home_type)
    tau = THERMAL_TAU_H[home_type] * float(rng.uniform(0.8, 1.25))
    loss = area * float(rng.uniform(*HEAT_LOSS_W_PER_K_M2)) * ENVELOPE_FACTOR[STRUCTURE[home_type]]
    return HomeFacts(area, tenure, round(tau, 3), round(loss, 1))


def _plan_areas(
    rng: np.random.Generator, home_type: str, size: str, area_m2: float, n_occupants: int
) -> tuple[list[int], list[tuple[str, int]]]:
    """Floors (levels) and (area kind, floor level) pairs for a home of this type and size."""
    shape = HOME_TYPE_SHAPES[home_type]
    rank = SIZE_RANK[size]
    n_floors = storeys(rng, home_type, area_m2)
    levels = list(range(n_floors))
    top = levels[-1]
    upper = levels[1:] or [0]
    studio = STRUCTURE[home_type] == "studio"
    bedrooms = bedrooms_for(rng, home_type, area_m2)
    # enough bedrooms for couples sharing one and children having their own
    bedrooms = max(bedrooms, 0 if studio else min(5, (n_occupants + 1) // 2))
    bathrooms = bathrooms_for(rng, home_type, area_m2)

    def bump(p: float) -> float:
        return min(1.0, p * (0.7 + 0.2 * rank))

    plan: list[tuple[str, int]] = [("entrance", 0), ("living_room", 0), ("kitchen", 0)]
    if not studio and rng.random() < float(np.clip((area_m2 - 40.0) / 160.0, 0.1, 0.85)):
        plan.append(("dining_room", 0))
    for b in range(bedrooms):
        plan.append(("bedroom", upper[b % len(upper)]))
    for b in range(bathrooms):
        plan.append(("bathroom", 0 if b == 0 or n_floors == 1 else upper[b % len(upper)]))
    if rng.random() < bump(shape.office_p):
        plan.append(("office", upper[-1]))
    if rng.random() < bump(shape.laundry_p):
        plan.append(("laundry", 0))
    if n_floors > 1 or rank >= 2:
        for level in levels:
            plan.append(("hallway", level))
    if rng.random() < shape.garage_p:
        plan.append(("garage", 0))
    if rng.random() < shape.basement_p * (0.6 + 0.2 * rank):
        levels = [-1, *levels]
        plan.append(("basement", -1))
    if rng.random() < shape.attic_p:
        plan.append(("attic", top))
    if rng.random() < shape.garden_p:
        plan.append(("garden", 0))
    if rng.random() < shape.porch_p:
        plan.append(("porch", 0))
    if rng.random() < shape.balcony_p:
        plan.append(("balcony", top))
    return levels, plan


def home_site(seed: int, home_id: str, home_type: str) -> tuple[Region, str, float, float]:
    """Region (drawn from the regional housing stock's prior for this type), tariff and
    coordinates, from their own stream so the fleet's regions are known without laying out
    the homes."""
    rng = derive_rng(seed, home_id, "site")
    region = REGIONS[int(rng.choice(len(REGIONS), p=region_prior(home_type)))]
    tariff = region.tariffs[int(rng.integers(len(region.tariffs)))]
    latitude = round(region.latitude + float(rng.normal(0, 0.35)), 5)
    longitude = round(region.longitude + float(rng.normal(0, 0.45)), 5)
    return region, tariff, latitude, longitude


def _pick_model(rng: np.random.Generator, device_type: str, tenure: str) -> tuple[str, str]:
    """Manufacturer and model: where a template comes as a bulb or plug and as an in-wall
    module, owners pick the in-wall one far more often than renters."""
    template = DEVICE_TEMPLATES[device_type]
    choices = template.manufacturers
    if template.hardwired_models:
        wired = rng.random() < HARDWIRED_VARIANT_P[tenure]
        choices = tuple(m for m in choices if (m in template.hardwired_models) == wired)
    return choices[int(rng.integers(len(choices)))]


def _install_factor(device_type: str, tenure: str) -> float:
    return TENURE_INSTALL_FACTOR[tenure][DEVICE_TEMPLATES[device_type].install]


def build_home(seed: int, home_id: str, home_type: str, size: str) -> Home:
    """Lay out one home: floors, areas, devices, entities and occupants, from its own seed."""
    rng = derive_rng(seed, home_id, "layout")
    region, tariff, latitude, longitude = home_site(seed, home_id, home_type)
    facts = draw_facts(seed, home_id, home_type, size)
    tenure = facts.tenure
    household = _pick_household(rng, home_type, size)
    members = HOUSEHOLD_ARCHETYPES[household][0]
    levels, plan = _plan_areas(rng, home_type, size, facts.floor_area_m2, len(members))

    areas: list[Area] = []
    kind_counts: dict[str, int] = {}
    for kind, level in plan:
        spec = AREA_KINDS[kind]
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        n = kind_counts[kind]
        if kind == "hallway":
            name = f"{FLOOR_NAMES[level]} Hallway" if len(levels) > 1 else "Hallway"
        elif kind == "bedroom":
            name = "Main Bedroom" if n == 1 else f"Bedroom {n}"
        else:
            name = spec.display if n == 1 else f"{spec.display} {n}"
        areas.append(Area(slugify(name), name, kind, level, spec.indoor, list(spec.labels)))

    devices: list[Device] = []
    name_counts: dict[str, int] = {}
    for ai, area in enumerate(areas):
        for device_type, p in AREA_DEVICES[area.kind]:
            # bigger homes are better equipped; renters plug in rather than wire in
            p_here = p * (0.75 + 0.15 * SIZE_RANK[size]) * _install_factor(device_type, tenure)
            if rng.random() >= min(1.0, p_here):
                continue
            template = DEVICE_TEMPLATES[device_type]
            base = f"{area.name} {template.name}"
            name_counts[base] = name_counts.get(base, 0) + 1
            name = base if name_counts[base] == 1 else f"{base} {name_counts[base]}"
            manufacturer, model = _pick_model(rng, device_type, tenure)
            labels = []
            if template.power_source == "battery":
                labels.append("battery")
            if any(e.device_class in ("power", "energy") for e in template.entities):
                labels.append("energy")
            if template.category == "security":
                labels.append("security")
            devices.append(Device("", name, device_type, ai, manufacturer, model, labels))
    # whole-home devices (a renter rarely may replace the thermostat or fit a meter)
    rank = SIZE_RANK[size]
    if rng.random() < (0.55 + 0.1 * rank) * _install_factor("thermostat", tenure):
        ai = next((i for i, a in enumerate(areas) if a.kind in ("living_room",)), 0)
        devices.append(
            Device(
                "",
                f"{areas[ai].name} Thermostat",
                "thermostat",
                ai,
                *_pick_model(rng, "thermostat", tenure),
                [],
            )
        )
    if rng.random() < 0.35 + 0.12 * rank:
        ai = next((i for i, a in enumerate(areas) if a.kind == "living_room"), 0)
        devices.append(
            Device(
                "", "Robot Vacuum", "vacuum", ai, *_pick_model(rng, "vacuum", tenure), ["battery"]
            )
        )
    if rng.random() < (0.45 + 0.1 * rank) * _install_factor("energy_meter", tenure):
        utility = [i for i, a in enumerate(areas) if a.kind in ("garage", "basement", "laundry")]
        ai = utility[0] if utility else 0
        devices.append(
            Device(
                "",
                "Energy Meter",
                "energy_meter",
                ai,
                *_pick_model(rng, "energy_meter", tenure),
                ["energy"],
            )
        )
    garden = [i for i, a in enumerate(areas) if a.kind == "garden"]
    irrigation_p = HOME_TYPE_SHAPES[home_type].irrigation_p * _install_factor("irrigation", tenure)
    if garden and rng.random() < irrigation_p:
        devices.append(
            Device(
                "",
                "Irrigation Valve",
                "irrigation",
                garden[0],
                *_pick_model(rng, "irrigation", tenure),
                ["outdoor"],
            )
        )
    for di, device in enumerate(devices):
        # Home Assistant device ids are 32 hex characters, unique per instance
        device.device_id = f"{stable_int(seed, home_id, 'device', di):016x}{di:016x}"

    entities: list[Entity] = []
    used_ids: set[str] = set()
    for di, device in enumerate(devices):
        template = DEVICE_TEMPLATES[device.device_type]
        for spec in template.entities:
            friendly = (
                device.name if spec.translation is None else (f"{device.name} {spec.translation}")
            )
            object_id = slugify(friendly)
            entity_id = f"{spec.domain}.{object_id}"
            n = 2
            while entity_id in used_ids:  # HA appends _2, _3 … on collisions
                entity_id = f"{spec.domain}.{object_id}_{n}"
                n += 1
            used_ids.add(entity_id)
            labels = ["battery"] if spec.key == "battery" else []
            entities.append(
                Entity(
                    entity_id,
                    di,
                    spec.key,
                    spec.domain,
                    spec.device_class,
                    spec.unit,
                    spec.state_class,
                    spec.translation,
                    friendly,
                    labels,
                )
            )

    bedrooms = [i for i, a in enumerate(areas) if a.kind == "bedroom"]
    living = next(i for i, a in enumerate(areas) if a.kind == "living_room")
    occupants = []
    for k, archetype in enumerate(members):
        assert archetype in ARCHETYPES
        if not bedrooms:
            bedroom = living
        elif archetype in ("child", "student") and len(bedrooms) > 1:
            bedroom = bedrooms[1 + (k % (len(bedrooms) - 1))]
        else:
            bedroom = bedrooms[0]
        occupants.append(Occupant(f"{home_id}_p{k + 1}", archetype, bedroom))
    persons = _persons(seed, home_id, len(occupants), {e.entity_id for e in entities})

    used_labels = sorted(
        {lab for a in areas for lab in a.labels}
        | {lab for d in devices for lab in d.labels}
        | {lab for e in entities for lab in e.labels}
    )
    return Home(
        home_id=home_id,
        home_type=home_type,
        size_category=size,
        region=region,
        tariff=tariff,
        latitude=latitude,
        longitude=longitude,
        household_archetype=household,
        floors=levels,
        areas=areas,
        devices=devices,
        entities=entities,
        occupants=occupants,
        facts=facts,
        labels=used_labels,
        persons=persons,
    )


def _persons(seed: int, home_id: str, n: int, used_ids: set[str]) -> list[Person]:
    """One `person` entity per occupant, with a first name as Home Assistant users give them."""
    rng = derive_rng(seed, home_id, "persons")
    names = [PERSON_NAMES[i] for i in rng.choice(len(PERSON_NAMES), size=n, replace=False)]
    out = []
    for k, name in enumerate(names):
        slug = slugify(name)
        entity_id, m = f"person.{slug}", 2
        while entity_id in used_ids:
            entity_id, m = f"person.{slug}_{m}", m + 1
        used_ids.add(entity_id)
        out.append(Person(entity_id, name, slug, k))
    return out
