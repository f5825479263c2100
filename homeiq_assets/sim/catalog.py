"""Static vocabularies of the simulator: home types, regions, areas, device templates.

Everything a home is built from lives here so that the shapes of the fleet can be read in one
place. Numbers are plausibility choices, not measurements; distributions overlap on purpose so
that no single feature gives away a home's type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOME_TYPE_SHARES: dict[str, float] = {
    "single_family_house": 0.30,
    "apartment": 0.20,
    "condo": 0.15,
    "townhouse": 0.10,
    "cottage": 0.10,
    "studio": 0.05,
    "multi_story": 0.05,
    "ranch_house": 0.05,
}
HOME_TYPES: tuple[str, ...] = tuple(HOME_TYPE_SHARES)

SIZE_SHARES: dict[str, float] = {"small": 0.30, "medium": 0.40, "large": 0.20, "extra_large": 0.10}
SIZES: tuple[str, ...] = tuple(SIZE_SHARES)
SIZE_RANK: dict[str, int] = {s: i for i, s in enumerate(SIZES)}


@dataclass(frozen=True)
class Region:
    """A region fixes the climate, the sun (latitude), the clock and the carbon grid."""

    name: str
    latitude: float
    longitude: float
    timezone: str
    climate_zone: str
    carbon_region: str
    annual_mean_c: float
    seasonal_amp_c: float
    daily_amp_c: float
    tariffs: tuple[str, ...]


REGIONS: tuple[Region, ...] = (
    Region(
        "us_northeast",
        42.36,
        -71.06,
        "America/New_York",
        "humid_continental",
        "us_isone",
        9.5,
        13.0,
        5.0,
        ("flat", "time_of_use"),
    ),
    Region(
        "us_south",
        30.27,
        -97.74,
        "America/Chicago",
        "humid_subtropical",
        "us_ercot",
        20.5,
        9.0,
        6.0,
        ("flat", "dynamic", "time_of_use"),
    ),
    Region(
        "us_west",
        37.77,
        -122.42,
        "America/Los_Angeles",
        "mediterranean",
        "us_caiso",
        14.5,
        4.0,
        4.5,
        ("time_of_use", "flat"),
    ),
    Region(
        "uk",
        51.51,
        -0.13,
        "Europe/London",
        "oceanic",
        "gb_grid",
        11.0,
        7.0,
        4.0,
        ("flat", "dynamic", "time_of_use"),
    ),
    Region(
        "germany",
        52.52,
        13.40,
        "Europe/Berlin",
        "temperate_continental",
        "de_grid",
        10.0,
        9.5,
        5.0,
        ("flat", "dynamic"),
    ),
    Region(
        "nordics",
        59.33,
        18.07,
        "Europe/Stockholm",
        "subarctic",
        "se_grid",
        7.0,
        10.5,
        4.0,
        ("dynamic", "flat"),
    ),
    Region(
        "australia_se",
        -37.81,
        144.96,
        "Australia/Melbourne",
        "oceanic",
        "au_nem",
        15.5,
        5.5,
        6.0,
        ("time_of_use", "flat"),
    ),
)
REGION_BY_NAME: dict[str, Region] = {r.name: r for r in REGIONS}


# Area kinds. `indoor` False means outdoors; `dark_elevation_deg` is the sun elevation below
# which an occupant wants the light on (interior rooms without windows want it earlier).
@dataclass(frozen=True)
class AreaKind:
    kind: str
    display: str
    indoor: bool
    dark_elevation_deg: float
    labels: tuple[str, ...] = ()


AREA_KINDS: dict[str, AreaKind] = {
    a.kind: a
    for a in (
        AreaKind("entrance", "Entrance", True, 8.0, ("security",)),
        AreaKind("living_room", "Living Room", True, 4.0, ("living",)),
        AreaKind("kitchen", "Kitchen", True, 6.0, ("living",)),
        AreaKind("dining_room", "Dining Room", True, 5.0, ("living",)),
        AreaKind("bedroom", "Bedroom", True, 4.0, ("sleeping",)),
        AreaKind("bathroom", "Bathroom", True, 90.0, ("wet_room",)),
        AreaKind("office", "Office", True, 6.0, ("work",)),
        AreaKind("laundry", "Laundry Room", True, 90.0, ("utility", "wet_room")),
        AreaKind("hallway", "Hallway", True, 15.0, ()),
        AreaKind("garage", "Garage", True, 90.0, ("utility", "security")),
        AreaKind("basement", "Basement", True, 90.0, ("utility",)),
        AreaKind("attic", "Attic", True, 90.0, ("utility",)),
        AreaKind("garden", "Garden", False, -2.0, ("outdoor",)),
        AreaKind("porch", "Porch", False, -2.0, ("outdoor", "security")),
        AreaKind("balcony", "Balcony", False, -2.0, ("outdoor",)),
    )
}


@dataclass(frozen=True)
class EntitySpec:
    """One Home Assistant entity of a device template.

    `key` names the entity's role inside the simulator (what mechanism drives it);
    `translation` is the entity name appended to the device name (has_entity_name=True), or
    None for the device's main feature, which takes the device name alone.
    """

    key: str
    domain: str
    translation: str | None
    device_class: str | None = None
    unit: str | None = None
    state_class: str | None = None


@dataclass(frozen=True)
class DeviceTemplate:
    """A kind of physical device: its health category, power source and entities."""

    device_type: str
    name: str
    category: str  # one of HEALTH_CATEGORIES
    power_source: str  # "battery" | "mains"
    manufacturers: tuple[tuple[str, str], ...]  # (manufacturer, model) choices
    entities: tuple[EntitySpec, ...] = field(default_factory=tuple)
    # how it is installed, which decides whether a renter can have it: "battery" (stick-on),
    # "plugin" (bulb or plug), "retrofit" (replaces a fitting's inner part), "hardwired"
    install: str = "battery"
    # (manufacturer, model) choices that are in-wall modules of a template that otherwise
    # plugs in (a Shelly dimmer behind the switch instead of a smart bulb)
    hardwired_models: tuple[tuple[str, str], ...] = ()


# The eight device-health categories device telemetry is shaped by.
HEALTH_CATEGORIES: tuple[str, ...] = (
    "sensor",
    "switch",
    "light",
    "climate",
    "security",
    "battery",
    "media",
    "vacuum",
)

_BATT = EntitySpec("battery", "sensor", "Battery", "battery", "%", "measurement")

DEVICE_TEMPLATES: dict[str, DeviceTemplate] = {
    t.device_type: t
    for t in (
        DeviceTemplate(
            "ceiling_light",
            "Ceiling Light",
            "light",
            "mains",
            (
                ("Philips", "Hue White Ambiance"),
                ("IKEA", "TRADFRI bulb E27"),
                ("Shelly", "Dimmer 2"),
            ),
            (EntitySpec("light", "light", None),),
            install="plugin",
            hardwired_models=(("Shelly", "Dimmer 2"),),
        ),
        DeviceTemplate(
            "lamp",
            "Lamp",
            "light",
            "mains",
            (("Philips", "Hue Go"), ("IKEA", "TRADFRI bulb E14")),
            (EntitySpec("light", "light", None),),
            install="plugin",
        ),
        DeviceTemplate(
            "outdoor_light",
            "Outdoor Light",
            "light",
            "mains",
            (("Philips", "Hue Lily"), ("Shelly", "Plus 1")),
            (EntitySpec("light", "light", None),),
            install="plugin",
            hardwired_models=(("Shelly", "Plus 1"),),
        ),
        DeviceTemplate(
            "motion_sensor",
            "Motion Sensor",
            "battery",
            "battery",
            (
                ("Aqara", "RTCGQ11LM"),
                ("Philips", "Hue motion sensor"),
                ("IKEA", "TRADFRI motion sensor"),
            ),
            (EntitySpec("motion", "binary_sensor", "Motion", "motion"), _BATT),
        ),
        DeviceTemplate(
            "door_sensor",
            "Door Sensor",
            "battery",
            "battery",
            (("Aqara", "MCCGQ11LM"), ("SONOFF", "SNZB-04")),
            (EntitySpec("door", "binary_sensor", "Door", "door"), _BATT),
        ),
        DeviceTemplate(
            "window_sensor",
            "Window Sensor",
            "battery",
            "battery",
            (("Aqara", "MCCGQ11LM"), ("SONOFF", "SNZB-04")),
            (EntitySpec("window", "binary_sensor", "Window", "window"), _BATT),
        ),
        DeviceTemplate(
            "climate_sensor",
            "Climate Sensor",
            "battery",
            "battery",
            (("Aqara", "WSDCGQ11LM"), ("SONOFF", "SNZB-02")),
            (
                EntitySpec(
                    "temperature", "sensor", "Temperature", "temperature", "°C", "measurement"
                ),
                EntitySpec("humidity", "sensor", "Humidity", "humidity", "%", "measurement"),
                _BATT,
            ),
        ),
        DeviceTemplate(
            "smoke_detector",
            "Smoke Detector",
            "security",
            "battery",
            (("Nest", "Protect"), ("Heiman", "HS1SA")),
            (EntitySpec("smoke", "binary_sensor", "Smoke", "smoke"), _BATT),
        ),
        DeviceTemplate(
            "door_lock",
            "Door Lock",
            "security",
            "battery",
            (("Nuki", "Smart Lock 4.0"), ("Yale", "Assure Lock 2")),
            (EntitySpec("lock", "lock", None), _BATT),
            install="retrofit",
        ),
        DeviceTemplate(
            "thermostat",
            "Thermostat",
            "climate",
            "mains",
            (
                ("ecobee", "SmartThermostat"),
                ("Nest", "Learning Thermostat"),
                ("tado", "Smart Thermostat X"),
            ),
            (
                EntitySpec("climate", "climate", None),
                EntitySpec(
                    "temperature", "sensor", "Temperature", "temperature", "°C", "measurement"
                ),
            ),
            install="hardwired",
        ),
        DeviceTemplate(
            "coffee_plug",
            "Coffee Maker Plug",
            "switch",
            "mains",
            (("Shelly", "Plug S"), ("TP-Link", "KP115")),
            (
                EntitySpec("switch", "switch", None, "outlet"),
                EntitySpec("power", "sensor", "Power", "power", "W", "measurement"),
            ),
            install="plugin",
        ),
        DeviceTemplate(
            "dishwasher_plug",
            "Dishwasher Plug",
            "switch",
            "mains",
            (("Shelly", "Plug S"), ("TP-Link", "KP115")),
            (
                EntitySpec("switch", "switch", None, "outlet"),
                EntitySpec("power", "sensor", "Power", "power", "W", "measurement"),
            ),
            install="plugin",
        ),
        DeviceTemplate(
            "washer_plug",
            "Washing Machine Plug",
            "switch",
            "mains",
            (("Shelly", "Plug S"), ("Eve", "Energy")),
            (
                EntitySpec("switch", "switch", None, "outlet"),
                EntitySpec("power", "sensor", "Power", "power", "W", "measurement"),
            ),
            install="plugin",
        ),
        DeviceTemplate(
            "bathroom_fan",
            "Fan",
            "switch",
            "mains",
            (("Shelly", "Plus 1"), ("SONOFF", "MINI R2")),
            (EntitySpec("fan", "fan", None),),
            install="hardwired",
        ),
        DeviceTemplate(
            "tv",
            "TV",
            "media",
            "mains",
            (("Samsung", "QE55Q80"), ("LG", "OLED55C3"), ("Sony", "KD-55X85")),
            (EntitySpec("media", "media_player", None, "tv"),),
            install="plugin",
        ),
        DeviceTemplate(
            "speaker",
            "Speaker",
            "media",
            "mains",
            (("Sonos", "One"), ("Google", "Nest Audio")),
            (EntitySpec("media", "media_player", None, "speaker"),),
            install="plugin",
        ),
        DeviceTemplate(
            "vacuum",
            "Robot Vacuum",
            "vacuum",
            "battery",
            (("Roborock", "S8"), ("iRobot", "Roomba j7")),
            (EntitySpec("vacuum", "vacuum", None), _BATT),
            install="plugin",
        ),
        DeviceTemplate(
            "garage_door",
            "Garage Door",
            "security",
            "mains",
            (("Meross", "MSG100"), ("Chamberlain", "myQ")),
            (EntitySpec("cover", "cover", None, "garage"),),
            install="hardwired",
        ),
        DeviceTemplate(
            "irrigation",
            "Irrigation Valve",
            "switch",
            "mains",
            (("Rachio", "3"), ("GARDENA", "smart Water Control")),
            (EntitySpec("switch", "switch", None, "switch"),),
            install="hardwired",
        ),
        DeviceTemplate(
            "energy_meter",
            "Energy Meter",
            "sensor",
            "mains",
            (("Shelly", "Pro 3EM"), ("Aeotec", "Home Energy Meter Gen5")),
            (
                EntitySpec("power", "sensor", "Power", "power", "W", "measurement"),
                EntitySpec("energy", "sensor", "Energy", "energy", "kWh", "total_increasing"),
            ),
            install="hardwired",
        ),
    )
}


def install_kind(device_type: str, manufacturer: str, model: str) -> str:
    """How a device is installed ("battery", "plugin", "retrofit", "hardwired"): what its
    model says, as a Home Assistant device registry's manufacturer and model do."""
    template = DEVICE_TEMPLATES[device_type]
    return "hardwired" if (manufacturer, model) in template.hardwired_models else template.install


# Which device templates an area kind gets, with the probability of each.
AREA_DEVICES: dict[str, tuple[tuple[str, float], ...]] = {
    "entrance": (
        ("door_lock", 0.9),
        ("door_sensor", 0.95),
        ("motion_sensor", 0.9),
        ("ceiling_light", 1.0),
    ),
    "living_room": (
        ("ceiling_light", 1.0),
        ("lamp", 0.6),
        ("motion_sensor", 0.95),
        ("tv", 0.85),
        ("speaker", 0.4),
        ("window_sensor", 0.5),
        ("climate_sensor", 0.4),
    ),
    "kitchen": (
        ("ceiling_light", 1.0),
        ("motion_sensor", 0.9),
        ("smoke_detector", 0.8),
        ("coffee_plug", 0.7),
        ("dishwasher_plug", 0.5),
        ("climate_sensor", 0.3),
    ),
    "dining_room": (("ceiling_light", 1.0), ("motion_sensor", 0.6)),
    "bedroom": (
        ("ceiling_light", 1.0),
        ("lamp", 0.5),
        ("motion_sensor", 0.7),
        ("climate_sensor", 0.6),
        ("window_sensor", 0.5),
        ("smoke_detector", 0.3),
    ),
    "bathroom": (
        ("ceiling_light", 1.0),
        ("motion_sensor", 0.8),
        ("climate_sensor", 0.9),
        ("bathroom_fan", 0.8),
    ),
    "office": (("ceiling_light", 1.0), ("motion_sensor", 0.8), ("lamp", 0.5), ("speaker", 0.3)),
    "laundry": (("ceiling_light", 1.0), ("washer_plug", 0.8), ("motion_sensor", 0.4)),
    "hallway": (("ceiling_light", 1.0), ("motion_sensor", 0.85), ("smoke_detector", 0.5)),
    "garage": (("ceiling_light", 1.0), ("garage_door", 0.85), ("motion_sensor", 0.6)),
    "basement": (("ceiling_light", 1.0), ("motion_sensor", 0.5), ("climate_sensor", 0.5)),
    "attic": (("ceiling_light", 0.8), ("climate_sensor", 0.5)),
    "garden": (("outdoor_light", 0.9), ("motion_sensor", 0.5), ("climate_sensor", 0.4)),
    "porch": (("outdoor_light", 1.0), ("motion_sensor", 0.6)),
    "balcony": (("outdoor_light", 0.5), ("climate_sensor", 0.35), ("window_sensor", 0.3)),
}


# Occupant archetypes: wake / leave / return / sleep times in local hours (weekday, weekend),
# and the standard deviation of day-to-day jitter in minutes. leave == None means stays home.
@dataclass(frozen=True)
class Archetype:
    name: str
    wake: tuple[float, float]
    leave: tuple[float | None, float | None]
    back: tuple[float | None, float | None]
    sleep: tuple[float, float]
    jitter_min: float
    weekend_out_p: float  # chance of a weekend outing (leave/back on weekend used then)
    errands_per_day: float  # mean short trips out while home and awake
    works_from_home: bool = False


ARCHETYPES: dict[str, Archetype] = {
    a.name: a
    for a in (
        Archetype(
            "office_worker", (6.75, 8.5), (7.75, 11.0), (18.0, 15.5), (23.0, 23.75), 25, 0.55, 0.3
        ),
        Archetype(
            "shift_worker", (9.5, 9.0), (14.5, 13.0), (23.25, 17.0), (1.0, 0.5), 30, 0.4, 0.4
        ),
        Archetype(
            "remote_worker",
            (7.25, 8.75),
            (None, 10.5),
            (None, 14.0),
            (23.25, 23.75),
            25,
            0.6,
            0.9,
            True,
        ),
        Archetype("retired", (7.0, 7.25), (10.0, 10.0), (12.0, 12.5), (22.25, 22.5), 30, 0.5, 0.8),
        Archetype("student", (8.0, 10.0), (9.0, 13.0), (16.5, 18.5), (0.25, 1.0), 35, 0.6, 0.5),
        Archetype("child", (7.0, 8.0), (7.75, 10.0), (15.25, 12.0), (20.5, 21.0), 15, 0.5, 0.2),
    )
}

HOUSEHOLD_ARCHETYPES: dict[str, tuple[tuple[str, ...], float]] = {
    # household archetype -> (occupant archetypes, share)
    "single_professional": (("office_worker",), 0.16),
    "remote_single": (("remote_worker",), 0.08),
    "couple_working": (("office_worker", "office_worker"), 0.16),
    "couple_mixed": (("office_worker", "remote_worker"), 0.12),
    "family_young": (("office_worker", "remote_worker", "child"), 0.12),
    "family_school": (("office_worker", "office_worker", "child", "child"), 0.10),
    "family_large": (("office_worker", "shift_worker", "student", "child", "child"), 0.04),
    "retired_couple": (("retired", "retired"), 0.10),
    "students_shared": (("student", "student", "student"), 0.06),
    "shift_single": (("shift_worker",), 0.06),
}
