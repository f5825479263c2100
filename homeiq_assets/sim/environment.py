"""Weather, carbon intensity, electricity prices: the context every home lives in.

Weather is generated per region (homes of a region share it) from a seasonal cycle, a daily
cycle damped by clouds, and autocorrelated weather systems (AR(1) processes run through a compiled
first-order filter, `filters.ar1_filter`, so no Python loop per hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from homeiq_assets.sim.catalog import REGIONS, Region
from homeiq_assets.sim.clock import Window, hourly_utc_offsets_min
from homeiq_assets.sim.filters import ar1_filter
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.sim.sun import solar_elevation_deg

CONDITIONS = ("sunny", "clear-night", "partlycloudy", "cloudy", "rainy", "snowy")
CURRENCY = {
    "us_northeast": "USD",
    "us_south": "USD",
    "us_west": "USD",
    "uk": "GBP",
    "germany": "EUR",
    "nordics": "SEK",
    "australia_se": "AUD",
}
BASE_PRICE = {  # per kWh in local currency
    "us_northeast": 0.27,
    "us_south": 0.15,
    "us_west": 0.32,
    "uk": 0.25,
    "germany": 0.36,
    "nordics": 1.9,
    "australia_se": 0.30,
}
CARBON_BASE = {  # g CO2 / kWh without renewables, typical renewable capacity share
    "us_isone": (330, 0.35),
    "us_ercot": (470, 0.45),
    "us_caiso": (330, 0.6),
    "gb_grid": (330, 0.55),
    "de_grid": (620, 0.6),
    "se_grid": (120, 0.7),
    "au_nem": (800, 0.4),
}


def _ar1(rng: np.random.Generator, n: int, phi: float, std: float) -> np.ndarray:
    """Stationary AR(1) series with the given lag-1 correlation and standard deviation."""
    shocks = rng.normal(0.0, std * np.sqrt(1 - phi**2), n)
    shocks[0] = rng.normal(0.0, std)
    return ar1_filter(shocks, phi)


@dataclass(frozen=True)
class RegionWeather:
    """Hourly weather of a region over a window (index i = hour i after window start)."""

    temperature_c: np.ndarray
    humidity_pct: np.ndarray
    cloud_cover: np.ndarray
    wind_speed_ms: np.ndarray
    precipitation_mm: np.ndarray
    condition: np.ndarray  # index into CONDITIONS


@lru_cache(maxsize=64)
def region_weather(region_name: str, window: Window, seed: int) -> RegionWeather:
    """Weather of one region, identical for every home and worker that asks."""
    region = next(r for r in REGIONS if r.name == region_name)
    hours = window.days * 24
    rng = derive_rng(seed, "weather", region.name, window.start.isoformat(), window.days)
    epoch_h = window.start_ms / 3_600_000 + np.arange(hours)
    doy = (epoch_h / 24.0) % 365.2425  # phase only matters relative to mid January
    doy_from_jan = (doy - 15.0) % 365.2425  # 1970-01-01 is doy 0, coldest ~ Jan 15-20
    hemisphere = 1.0 if region.latitude >= 0 else -1.0
    seasonal = region.annual_mean_c - hemisphere * region.seasonal_amp_c * np.cos(
        2 * np.pi * (doy_from_jan - 5) / 365.2425
    )
    offsets_h = hourly_utc_offsets_min(region.timezone, window.start, hours) / 60.0
    local_hour = (np.arange(hours) + offsets_h) % 24

    system = _ar1(rng, hours, 0.985, 3.2)  # multi-day warm/cold spells
    cloud_latent = _ar1(rng, hours, 0.95, 1.2) - 0.25 * system / 3.2
    cloud = 1.0 / (1.0 + np.exp(-1.6 * cloud_latent))
    daily = region.daily_amp_c * np.cos(2 * np.pi * (local_hour - 15.0) / 24.0) * (1 - 0.6 * cloud)
    temperature = seasonal + daily + system + rng.normal(0, 0.25, hours)

    wind = np.abs(3.5 + _ar1(rng, hours, 0.9, 2.0))
    rain_draw = rng.random(hours)
    precipitation = np.where(
        (cloud > 0.75) & (rain_draw < (cloud - 0.75) * 2.5), rng.gamma(1.2, 1.0, hours), 0.0
    )
    humidity = np.clip(
        55 + 30 * cloud - 1.2 * (daily) + rng.normal(0, 3, hours) + 8 * (precipitation > 0),
        15,
        100,
    )
    sun = solar_elevation_deg(epoch_h * 3600.0, region.latitude, region.longitude)
    condition = np.where(
        precipitation > 0,
        np.where(temperature < 0.5, 5, 4),
        np.where(cloud > 0.7, 3, np.where(cloud > 0.35, 2, np.where(sun > 0, 0, 1))),
    )
    return RegionWeather(
        temperature_c=np.round(temperature, 2),
        humidity_pct=np.round(humidity, 1),
        cloud_cover=np.round(cloud, 3),
        wind_speed_ms=np.round(wind, 2),
        precipitation_mm=np.round(precipitation, 2),
        condition=condition.astype(np.int8),
    )


def outdoor_temperature_minutes(region: Region, window: Window, seed: int) -> np.ndarray:
    """Outdoor temperature per minute, linearly interpolated from the hourly weather."""
    hourly = region_weather(region.name, window, seed).temperature_c
    minutes = np.arange(window.minutes) / 60.0
    return np.interp(minutes, np.arange(len(hourly)), hourly)


@dataclass(frozen=True)
class CarbonSeries:
    intensity_g_per_kwh: np.ndarray  # 15-minute steps
    renewable_share: np.ndarray


@lru_cache(maxsize=64)
def carbon_intensity(carbon_region: str, window: Window, seed: int) -> CarbonSeries:
    """15-minute grid carbon intensity: fossil base × (1 − renewables), with a daily shape."""
    region = next(r for r in REGIONS if r.carbon_region == carbon_region)
    steps = window.days * 96
    rng = derive_rng(seed, "carbon", carbon_region, window.start.isoformat(), window.days)
    base, capacity = CARBON_BASE[carbon_region]
    epoch_s = window.start_ms / 1000 + np.arange(steps) * 900.0
    sun = np.clip(solar_elevation_deg(epoch_s, region.latitude, region.longitude), 0, None)
    solar = capacity * 0.45 * np.sin(np.deg2rad(sun))
    wind = capacity * 0.55 / (1 + np.exp(-_ar1(rng, steps, 0.995, 1.3)))
    renewable = np.clip(solar + wind, 0.0, 0.97)
    offsets_h = (
        np.repeat(hourly_utc_offsets_min(region.timezone, window.start, window.days * 24), 4) / 60.0
    )
    local_hour = (np.arange(steps) / 4.0 + offsets_h) % 24
    demand = (
        1.0
        + 0.12 * np.exp(-((local_hour - 18.5) ** 2) / 6.0)
        - 0.08 * np.exp(-((local_hour - 3.5) ** 2) / 8.0)
    )
    intensity = base * (1 - renewable) * demand + rng.normal(0, base * 0.01, steps) + 15
    return CarbonSeries(
        intensity_g_per_kwh=np.round(np.clip(intensity, 5, None), 1),
        renewable_share=np.round(renewable, 3),
    )


def hourly_price(region: Region, tariff: str, window: Window, seed: int) -> np.ndarray:
    """Hourly retail price per kWh for a tariff: flat, time-of-use or dynamic (wholesale)."""
    hours = window.days * 24
    base = BASE_PRICE[region.name]
    offsets_h = hourly_utc_offsets_min(region.timezone, window.start, hours) / 60.0
    local_hour = (np.arange(hours) + offsets_h) % 24
    if tariff == "flat":
        return np.full(hours, round(base, 4))
    if tariff == "time_of_use":
        peak = (local_hour >= 16) & (local_hour < 21)
        off_peak = (local_hour < 7) | (local_hour >= 23)
        return np.round(np.where(peak, base * 1.6, np.where(off_peak, base * 0.6, base)), 4)
    if tariff == "dynamic":
        carbon = carbon_intensity(region.carbon_region, window, seed).intensity_g_per_kwh
        hourly_carbon = carbon.reshape(-1, 4).mean(axis=1)
        rel = hourly_carbon / max(float(hourly_carbon.mean()), 1e-6)
        rng = derive_rng(seed, "price", region.name, window.start.isoformat(), window.days)
        wholesale = base * (0.45 + 0.5 * rel) + rng.normal(0, base * 0.04, hours)
        return np.round(np.clip(wholesale, 0.0, None), 4)
    raise ValueError(f"unknown tariff {tariff!r}")
