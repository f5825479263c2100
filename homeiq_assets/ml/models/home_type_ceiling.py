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

from homeiq_assets.ml.models.home_type_metrics import add_prediction, classification_metrics
from homeiq_assets.ml.stats import HomeStats, evaluate
from homeiq_assets.sim.catalog import AREA_KINDS, HOUSEHOLD_ARCHETYPES, REGIONS, SIZES
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import plan_fleet
from homeiq_assets.sim.layout import build_home

CEILING_SEEDS = (880_001, 880_002)  # reserved: layouts only, never a training cycle
CEILING_TRAIN_HOMES = 2000
CEILING_TEST_HOMES = 1000
ENVELOPE = ("thermal_tau_h", "heat_loss_w_per_k")
REPORTED = ("accuracy", "macro_f1", "structural_accuracy", "structural_macro_f1")


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
    metrics = classification_metrics()
    y = test["home_type"].to_numpy()
    homes = np.arange(len(test)).astype(str)
    out: dict[str, dict] = {}
    for prefix, cols in (
        ("ceiling", columns),
        ("ceiling_layout", [c for c in columns if c not in ENVELOPE]),
    ):
        model = RandomForestClassifier(
            200, min_samples_leaf=3, max_features=0.5, random_state=0, n_jobs=1
        )
        model.fit(train[cols].to_numpy(), train["home_type"].to_numpy())
        stats = HomeStats(homes)
        add_prediction(stats, "", homes, y, model.predict(test[cols].to_numpy()))
        for name, est in evaluate(metrics, stats, REPORTED).items():
            out[f"{prefix}_{name}"] = est.to_dict()
    return out
