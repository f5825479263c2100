"""The ceiling a home-type classifier can reach on simulated homes, estimated from the simulator.

A home's type reaches its registry and event stream only through latent draws (`sim/home_types`):
size, floor area, tenure, storeys, which rooms and outdoor spaces exist, irrigation, household,
region and the building envelope. Given those, what a home shows no longer depends on its type,
so a classifier that sees the latents directly is at least as good as any classifier of what
they produce (data processing inequality). The ceiling is estimated by a random forest on
the latents of many simulated layouts (cheap: no events) from reserved seeds, scored on others:
from below an estimate of the Bayes accuracy on the latents, from above a bound for any model of
the observed profiles.

Two latent sets are scored: `all` (everything, including the envelope's thermal time constant
and heat loss, which a registry never states and events show only faintly), and `layout`
(without the envelope: what the plan, tenure, household and region allow).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from homeiq_assets.ml.bootstrap import ratio_estimate, statistic_estimate
from homeiq_assets.sim.catalog import AREA_KINDS, HOUSEHOLD_ARCHETYPES, REGIONS, SIZES
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import plan_fleet
from homeiq_assets.sim.home_types import STRUCTURE
from homeiq_assets.sim.layout import build_home

CEILING_SEEDS = (880_001, 880_002)  # reserved: layouts only, never a training cycle
CEILING_TRAIN_HOMES = 2000
CEILING_TEST_HOMES = 1000
ENVELOPE = ("thermal_tau_h", "heat_loss_w_per_k")


def latent_frame(seed: int, homes: int) -> pd.DataFrame:
    """The latent draws of `homes` simulated layouts (fleet shares by quota) and their type."""
    rows = []
    for home_id, home_type, size in plan_fleet(SimConfig(homes=homes, seed=seed)):
        home = build_home(seed, home_id, home_type, size)
        row = {
            "home_type": home_type,
            "size_rank": SIZES.index(size),
            "floor_area_m2": home.facts.floor_area_m2,
            "owner": float(home.facts.tenure == "owner"),
            "thermal_tau_h": home.facts.thermal_tau_h,
            "heat_loss_w_per_k": home.facts.heat_loss_w_per_k,
            "storeys": float(sum(level >= 0 for level in home.floors)),
            "irrigation": float(bool(home.devices_of("irrigation"))),
        }
        row |= {f"region_{r.name}": float(home.region.name == r.name) for r in REGIONS}
        row |= {f"areas_{k}": float(len(home.area_indices(k))) for k in AREA_KINDS}
        row |= {
            f"household_{h}": float(home.household_archetype == h) for h in HOUSEHOLD_ARCHETYPES
        }
        rows.append(row)
    return pd.DataFrame(rows)


def macro_f1_of(y_true: np.ndarray, y_pred: np.ndarray):
    """A statistic for `statistic_estimate`: macro F1 of the given rows over the classes that
    occur in their truth or predictions (scikit-learn's default), from integer codes with one
    bincount, so a thousand resamples cost milliseconds."""
    classes, codes = np.unique(np.concatenate((y_true, y_pred)), return_inverse=True)
    k = len(classes)
    t, p = codes[: len(y_true)], codes[len(y_true) :]

    def stat(rows: np.ndarray) -> float:
        cm = np.bincount(t[rows] * k + p[rows], minlength=k * k).reshape(k, k)
        support = cm.sum(1) + cm.sum(0)
        present = support > 0
        f1 = 2 * np.diag(cm)[present] / support[present]
        return float(f1.mean()) if present.any() else 0.0

    return stat


@lru_cache(maxsize=4)
def ceiling_estimates(
    train_homes: int = CEILING_TRAIN_HOMES, test_homes: int = CEILING_TEST_HOMES
) -> dict[str, dict]:
    """`ceiling_<metric>` (all latents) and `ceiling_layout_<metric>` (without the envelope):
    accuracy and macro F1 over the eight types and the four structures, each an
    `Estimate.to_dict()` with a bootstrap interval over the simulated test homes."""
    train = latent_frame(CEILING_SEEDS[0], train_homes)
    test = latent_frame(CEILING_SEEDS[1], test_homes)
    columns = [c for c in train.columns if c != "home_type"]
    y = test["home_type"].to_numpy()
    y_s = np.array([STRUCTURE[t] for t in y])
    homes = np.arange(len(test))
    out: dict[str, dict] = {}
    for prefix, cols in (
        ("ceiling", columns),
        ("ceiling_layout", [c for c in columns if c not in ENVELOPE]),
    ):
        model = RandomForestClassifier(
            200, min_samples_leaf=3, max_features=0.5, random_state=0, n_jobs=1
        )
        model.fit(train[cols].to_numpy(), train["home_type"].to_numpy())
        p = model.predict(test[cols].to_numpy())
        p_s = np.array([STRUCTURE[t] for t in p])
        ones = np.ones(len(y))
        out[f"{prefix}_accuracy"] = ratio_estimate(p == y, ones, homes).to_dict()
        out[f"{prefix}_macro_f1"] = statistic_estimate(macro_f1_of(y, p), homes).to_dict()
        out[f"{prefix}_structural_accuracy"] = ratio_estimate(p_s == y_s, ones, homes).to_dict()
        out[f"{prefix}_structural_macro_f1"] = statistic_estimate(
            macro_f1_of(y_s, p_s), homes
        ).to_dict()
    return out
