"""Solar elevation, vectorised, accurate to a fraction of a degree (NOAA-style approximation)."""

from __future__ import annotations

import numpy as np


def solar_elevation_deg(epoch_s: np.ndarray, latitude: float, longitude: float) -> np.ndarray:
    """Sun elevation in degrees at UTC times `epoch_s` (seconds since 1970) for one place."""
    days = epoch_s / 86400.0 + 2440587.5 - 2451545.0  # days since J2000
    mean_long = np.deg2rad((280.460 + 0.9856474 * days) % 360)
    mean_anom = np.deg2rad((357.528 + 0.9856003 * days) % 360)
    ecl_long = (
        mean_long
        + np.deg2rad(1.915) * np.sin(mean_anom)
        + np.deg2rad(0.020) * np.sin(2 * mean_anom)
    )
    obliquity = np.deg2rad(23.439 - 0.0000004 * days)
    declination = np.arcsin(np.sin(obliquity) * np.sin(ecl_long))
    right_asc = np.arctan2(np.cos(obliquity) * np.sin(ecl_long), np.cos(ecl_long))
    gmst_h = (18.697374558 + 24.06570982441908 * days) % 24
    hour_angle = np.deg2rad(gmst_h * 15 + longitude) - right_asc
    lat = np.deg2rad(latitude)
    sin_elev = np.sin(lat) * np.sin(declination) + np.cos(lat) * np.cos(declination) * np.cos(
        hour_angle
    )
    return np.rad2deg(np.arcsin(np.clip(sin_elev, -1.0, 1.0)))
