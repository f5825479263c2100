"""The devices whose health is simulated: per-device inputs (type, placement, daily usage and
room temperature) from a simulated fleet or drawn standalone, validated before any work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.catalog import DEVICE_TEMPLATES, HEALTH_CATEGORIES, REGIONS
from homeiq_assets.sim.health.physics import TYPE_USAGE
from homeiq_assets.sim.rng import derive_rng


@dataclass
class DeviceInputs:
    """Per-device rows (length n) plus daily usage and temperature grids of shape (n, days)."""

    home_id: np.ndarray
    device_id: np.ndarray
    device_type: np.ndarray
    category: np.ndarray
    power_source: np.ndarray
    area_id: np.ndarray
    floor_level: np.ndarray
    outdoor: np.ndarray
    usage: np.ndarray
    room_temp_c: np.ndarray

    def __len__(self) -> int:
        return int(np.asarray(self.home_id).shape[0])


def validate_inputs(devices: DeviceInputs, days: int) -> None:
    """Fail before any work, naming the offending argument (DESIGN section 11)."""
    if not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days must be an integer >= 1, got {days!r}")
    n = len(devices)
    if n == 0:
        raise ValueError("devices must contain at least one device (got zero devices)")
    for name in (
        "device_id",
        "device_type",
        "category",
        "power_source",
        "area_id",
        "floor_level",
        "outdoor",
    ):
        length = np.asarray(getattr(devices, name)).shape[0]
        if length != n:
            raise ValueError(f"devices.{name} has length {length}, expected {n} (home_id)")
    for name in ("usage", "room_temp_c"):
        shape = np.asarray(getattr(devices, name)).shape
        if shape != (n, days):
            raise ValueError(f"devices.{name} must have shape ({n}, {days}), got {shape}")
        if not np.isfinite(np.asarray(getattr(devices, name), dtype=float)).all():
            raise ValueError(f"devices.{name} contains non-finite values")
    if (np.asarray(devices.usage, dtype=float) < 0).any():
        raise ValueError("devices.usage must be >= 0")
    bad = sorted(set(np.asarray(devices.category).astype(str)) - set(HEALTH_CATEGORIES))
    if bad:
        raise ValueError(
            f"devices.category has unknown categories {bad}; known: {list(HEALTH_CATEGORIES)}"
        )
    bad = sorted(set(np.asarray(devices.power_source).astype(str)) - {"battery", "mains"})
    if bad:
        raise ValueError(f"devices.power_source must be 'battery' or 'mains', got {bad}")


# share of each device type in a typical smart home and the area kinds it is installed in
_STANDALONE_TYPES: dict[str, tuple[float, tuple[str, ...]]] = {
    "motion_sensor": (
        0.13,
        (
            "living_room",
            "kitchen",
            "hallway",
            "bedroom",
            "bathroom",
            "office",
            "entrance",
            "garage",
            "garden",
            "porch",
            "basement",
        ),
    ),
    "door_sensor": (0.06, ("entrance", "garage", "porch")),
    "window_sensor": (0.07, ("living_room", "bedroom", "kitchen", "office")),
    "climate_sensor": (0.08, ("bedroom", "bathroom", "living_room", "basement", "attic", "garden")),
    "ceiling_light": (
        0.16,
        (
            "living_room",
            "kitchen",
            "bedroom",
            "bathroom",
            "hallway",
            "office",
            "dining_room",
            "garage",
            "basement",
            "attic",
        ),
    ),
    "lamp": (0.07, ("living_room", "bedroom", "office")),
    "outdoor_light": (0.04, ("garden", "porch")),
    "smoke_detector": (0.05, ("kitchen", "hallway", "bedroom")),
    "door_lock": (0.03, ("entrance",)),
    "garage_door": (0.015, ("garage",)),
    "thermostat": (0.03, ("living_room", "hallway")),
    "coffee_plug": (0.03, ("kitchen",)),
    "dishwasher_plug": (0.02, ("kitchen",)),
    "washer_plug": (0.02, ("laundry", "basement")),
    "bathroom_fan": (0.03, ("bathroom",)),
    "irrigation": (0.015, ("garden",)),
    "tv": (0.04, ("living_room", "bedroom")),
    "speaker": (0.03, ("living_room", "kitchen", "office")),
    "vacuum": (0.025, ("living_room", "hallway")),
    "energy_meter": (0.025, ("basement", "garage", "hallway")),
}
_OUTDOOR_AREAS = {"garden", "porch"}
# weekend multiplier of usage (people at home use presence-driven devices more)
_WEEKEND_BOOST: dict[str, float] = {
    "motion_sensor": 1.25,
    "door_sensor": 1.3,
    "ceiling_light": 1.2,
    "lamp": 1.25,
    "tv": 1.6,
    "speaker": 1.4,
    "coffee_plug": 1.3,
    "washer_plug": 1.8,
    "vacuum": 0.7,
    "door_lock": 1.2,
}


def standalone_devices(n_devices: int, days: int, start: dt.date, seed: int) -> DeviceInputs:
    """Device rows without simulated homes: pseudo-homes "d000001"... of ~20 devices.

    Why: `homeiq generate --device-health-only` needs many device-days fast, without occupants
    and events. Usage gets a per-device level, a weekday/weekend rhythm, a darker-season boost
    for lights and day-to-day gamma noise; room temperature follows a regional seasonal cycle
    from `start` with autocorrelated weather, and each room kind's coupling to the outdoors.
    """
    if not isinstance(n_devices, int | np.integer) or n_devices < 1:
        raise ValueError(f"n_devices must be an integer >= 1, got {n_devices!r}")
    if not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days must be an integer >= 1, got {days!r}")
    rng = derive_rng(seed, "standalone-devices", n_devices, days, start.isoformat())
    sizes = rng.integers(14, 27, size=n_devices // 14 + 2)
    home_of = np.repeat(np.arange(sizes.size), sizes)[:n_devices]
    n_homes = int(home_of[-1]) + 1
    n_within = np.arange(n_devices) - np.r_[0, np.cumsum(sizes)][home_of]

    types = list(_STANDALONE_TYPES)
    shares = np.array([_STANDALONE_TYPES[t][0] for t in types])
    type_idx = rng.choice(len(types), size=n_devices, p=shares / shares.sum())
    # every pseudo-home gets at least one device of each category's staple
    staples = ["ceiling_light", "motion_sensor", "thermostat", "smoke_detector", "tv"]
    for j, name in enumerate(staples):
        type_idx[n_within == j] = types.index(name)
    device_type = np.array(types, dtype=object)[type_idx]
    area_u = rng.random(n_devices)
    area = np.array(
        [
            _STANDALONE_TYPES[d][1][int(u * len(_STANDALONE_TYPES[d][1]))]
            for d, u in zip(device_type, area_u, strict=True)
        ],
        dtype=object,
    )
    floors = rng.integers(1, 4, size=n_homes)
    upper = np.isin(area, ["bedroom", "office", "bathroom"]) & (floors[home_of] > 1)
    floor_level = np.where(upper, 1, 0)
    floor_level = np.where(area == "attic", floors[home_of], floor_level)
    floor_level = np.where(area == "basement", -1, floor_level)
    outdoor = np.isin(area, list(_OUTDOOR_AREAS))
    tmpl = [DEVICE_TEMPLATES[d] for d in device_type]
    category = np.array([tp.category for tp in tmpl], dtype=object)
    power = np.array([tp.power_source for tp in tmpl], dtype=object)
    homes = np.array([f"d{i + 1:06d}" for i in range(n_homes)], dtype=object)
    home_id = homes[home_of]
    device_id = np.array(
        [f"{h}_{d}_{j:02d}" for h, d, j in zip(home_id, device_type, n_within, strict=True)],
        dtype=object,
    )

    dates = np.datetime64(start, "D") + np.arange(days)
    weekday = (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    weekend = weekday >= 5
    doy = np.array(
        [(start + dt.timedelta(days=int(i))).timetuple().tm_yday for i in range(days)], dtype=float
    )
    region_idx = rng.integers(0, len(REGIONS), size=n_homes)
    lat = np.array([REGIONS[i].latitude for i in region_idx])
    mean_c = np.array([REGIONS[i].annual_mean_c for i in region_idx])
    amp_c = np.array([REGIONS[i].seasonal_amp_c for i in region_idx])
    peak = np.where(lat >= 0, 200.0, 17.0)
    season = np.cos(2 * np.pi * (doy[None, :] - peak[:, None]) / 365.25)  # +1 at mid-summer
    weather = rng.standard_normal((n_homes, days)) * 2.2
    for d in range(1, days):  # AR(1) weather systems, one vector op per day (cheap)
        weather[:, d] = 0.75 * weather[:, d - 1] + weather[:, d]
    outdoor_t = mean_c[:, None] + amp_c[:, None] * season + weather * 0.66
    indoor_t = 20.5 + 0.08 * (outdoor_t - 12.0) + 0.4 * rng.standard_normal((n_homes, days))
    out_h, in_h = outdoor_t[home_of], indoor_t[home_of]
    room = in_h + 0.6 * rng.standard_normal(n_devices)[:, None]
    room = np.where((area == "basement")[:, None], 15.0 + 0.15 * (out_h - 10.0), room)
    room = np.where((area == "garage")[:, None], 0.45 * out_h + 7.0, room)
    room = np.where((area == "attic")[:, None], in_h + 0.35 * (out_h - 15.0), room)
    room = np.where(outdoor[:, None], out_h, room)

    mean_use = np.array([TYPE_USAGE[d] for d in device_type]) * rng.lognormal(0, 0.5, n_devices)
    wk = np.array([_WEEKEND_BOOST.get(d, 1.0) for d in device_type])
    rhythm = np.where(weekend[None, :], wk[:, None], 1.0)
    is_light = np.isin(device_type, ["ceiling_light", "lamp", "outdoor_light"])
    dark = 1.0 + 0.3 * np.where(is_light[:, None], -season[home_of], 0.0)
    usage = mean_use[:, None] * rhythm * dark * rng.gamma(6.0, 1 / 6.0, (n_devices, days))
    return DeviceInputs(
        home_id=home_id,
        device_id=device_id,
        device_type=device_type,
        category=category,
        power_source=power,
        area_id=area,
        floor_level=floor_level.astype(np.int64),
        outdoor=outdoor,
        usage=usage,
        room_temp_c=room,
    )
