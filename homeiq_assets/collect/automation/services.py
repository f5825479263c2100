"""The services Home Assistant offers per domain, as the builder and the validator need them.

The builder asks which call brings an entity to a state (`service_for`); the validator asks
whether a call exists, what data it cannot do without, and which numbers are in range. Both
read the same tables so a suggestion and its check never disagree on what a service is.
"""

from __future__ import annotations

from homeiq_assets.collect.automation.spec import Action

HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")

_ON_OFF = {"on": "turn_on", "off": "turn_off"}
_STATE_SERVICES: dict[str, dict[str, str]] = {
    "light": _ON_OFF,
    "switch": _ON_OFF,
    "fan": _ON_OFF,
    "input_boolean": _ON_OFF,
    "siren": _ON_OFF,
    "lock": {"locked": "lock", "unlocked": "unlock", "open": "open"},
    "cover": {"open": "open_cover", "closed": "close_cover"},
    "vacuum": {
        "cleaning": "start",
        "docked": "return_to_base",
        "returning": "return_to_base",
        "paused": "pause",
        "idle": "stop",
    },
    "media_player": {
        "playing": "media_play",
        "paused": "media_pause",
        "idle": "media_stop",
        "off": "turn_off",
        "on": "turn_on",
    },
}


def service_for(entity_id: str, to_state: str) -> Action | None:
    """The service call that brings `entity_id` to `to_state`, or None when none can."""
    domain = entity_id.split(".", 1)[0]
    if domain == "climate":
        if to_state not in HVAC_MODES:
            return None
        return Action("climate.set_hvac_mode", (entity_id,), (("hvac_mode", to_state),))
    service = _STATE_SERVICES.get(domain, {}).get(to_state)
    return Action(f"{domain}.{service}", (entity_id,)) if service else None


def _names(*words: str) -> frozenset[str]:
    return frozenset(" ".join(words).split())


_TOGGLE = _names("turn_on turn_off toggle")
KNOWN_SERVICES: dict[str, frozenset[str]] = {
    "light": _TOGGLE,
    "switch": _TOGGLE,
    "input_boolean": _TOGGLE,
    "siren": _TOGGLE,
    "script": _TOGGLE,
    "scene": _names("turn_on"),
    "fan": _TOGGLE | _names("set_percentage oscillate set_preset_mode increase_speed"),
    "lock": _names("lock unlock open"),
    "cover": _names("open_cover close_cover stop_cover toggle set_cover_position"),
    "climate": _TOGGLE
    | _names("set_hvac_mode set_temperature set_preset_mode set_fan_mode set_humidity"),
    "vacuum": _names("start pause stop return_to_base clean_spot locate send_command"),
    "media_player": _TOGGLE
    | _names(
        "media_play media_pause media_stop media_play_pause media_next_track",
        "media_previous_track volume_set volume_mute play_media select_source",
    ),
    "homeassistant": _TOGGLE | {"update_entity"},  # acts on entities of any domain
}
CROSS_DOMAIN = frozenset({"homeassistant"})
# data keys a service cannot do without (any one of each tuple), and numeric ranges
REQUIRED_DATA: dict[str, tuple[str, ...]] = {
    "climate.set_hvac_mode": ("hvac_mode",),
    "climate.set_temperature": ("temperature", "target_temp_low", "target_temp_high"),
    "climate.set_preset_mode": ("preset_mode",),
    "cover.set_cover_position": ("position",),
    "fan.set_percentage": ("percentage",),
    "media_player.volume_set": ("volume_level",),
}
NUMERIC_DATA: dict[str, tuple[float, float]] = {
    "temperature": (-50.0, 100.0),
    "target_temp_low": (-50.0, 100.0),
    "target_temp_high": (-50.0, 100.0),
    "brightness_pct": (0.0, 100.0),
    "brightness": (0.0, 255.0),
    "position": (0.0, 100.0),
    "percentage": (0.0, 100.0),
    "volume_level": (0.0, 1.0),
    "transition": (0.0, 3600.0),
}
