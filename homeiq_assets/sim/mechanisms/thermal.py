"""The building's thermal model and the thermostat schedule's smoothing.

First-order building: dT/dt = (T_eq − T)/τ with T_eq = T_out + gains + HVAC lift. The
thermostat asks for the lift that reaches its target within a step, limited by the system's
capacity, so the indoor temperature tracks the setpoint whenever the HVAC can keep up.
"""

from __future__ import annotations

import numpy as np

STEP_MIN = 15  # thermal model step (minutes)
COOL_BAND_C = 3.0  # cooling starts this far above the heating setpoint


def hold(regime: np.ndarray, min_len: int) -> np.ndarray:
    """Ignore regime changes that last less than `min_len` samples (a thermostat schedule
    does not react to a three-minute bathroom trip at night)."""
    change = np.flatnonzero(np.diff(regime)) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [len(regime)])))
    values = regime[starts].copy()
    keep = (lengths >= min_len) | (np.arange(len(starts)) == 0)
    kept_idx = np.maximum.accumulate(np.where(keep, np.arange(len(starts)), 0))
    return np.repeat(values[kept_idx], lengths)


def building_temperature(
    equilibrium_c: np.ndarray,
    decay: np.ndarray,
    setpoint_c: np.ndarray,
    enabled: np.ndarray,
    capacity: float,
    cool_capacity: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Indoor temperature at the end of each step and the HVAC lift used in it.

    `equilibrium_c` is where the building would settle without HVAC (outdoor + gains), `decay`
    the per-step factor exp(−step/τ). Positive lift heats, negative cools (only above
    setpoint + COOL_BAND_C and only with `cool_capacity`). This is the simulator's one
    sequential loop: 96 steps a day of plain float arithmetic.
    """
    n = len(equilibrium_c)
    temp = [0.0] * n
    lift = [0.0] * n
    cur = float(setpoint_c[0])
    # plain floats: numpy scalar indexing would cost more than the arithmetic
    steps = zip(
        equilibrium_c.tolist(), decay.tolist(), setpoint_c.tolist(), enabled.tolist(), strict=True
    )
    for i, (eq, a, sp, on) in enumerate(steps):
        free = eq + (cur - eq) * a
        need = 0.0
        if on:
            if free < sp:
                need = min((sp - free) / (1 - a), capacity)
            elif free > sp + COOL_BAND_C and cool_capacity:
                need = -min((free - sp - COOL_BAND_C) / (1 - a), cool_capacity)
        cur = free + need * (1 - a)
        temp[i] = cur
        lift[i] = need
    return np.asarray(temp), np.asarray(lift)
