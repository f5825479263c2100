"""How much a single pair feature gives away: the check behind "truth before score".

For each synergy relationship type, the AUC with which each candidate feature alone separates
habit-linked pairs from the rest (direction-free: max(AUC, 1 − AUC)), and how common
incidental co-occurrence is among the negatives. If one feature separated a type almost
perfectly, the label would be readable from it and a model's score would say nothing (issue 10:
`coverage_5s` alone once separated motion→light pairs with AUC 0.9995).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PAIR_FEATURES = (
    "trigger_events",
    "action_events",
    *(f"{k}_{w}s" for w in (5, 30, 120, 600) for k in ("cooccur", "coverage", "lift")),
    "lag_s_median",
    "lag_s_iqr",
    "lag_s_std",
    "same_area",
    "same_floor",
)
LABEL = "gt_linked"


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney, ties counted half)."""
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(score, dtype=np.float64)).rank(method="average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def single_feature_auc(pairs: pd.DataFrame) -> dict[str, dict]:
    """Per relationship type: positives, negatives, every feature's direction-free AUC and the
    best one. A missing lag (no action followed the trigger) counts as the lowest value."""
    out: dict[str, dict] = {}
    for rel, g in pairs.groupby("relationship", sort=True):
        y = g[LABEL].astype(bool).to_numpy()
        row: dict = {"pairs": int(len(g)), "positives": int(y.sum())}
        scores = {}
        if 0 < y.sum() < len(y):
            for f in PAIR_FEATURES:
                if f not in g:
                    continue
                x = pd.to_numeric(g[f], errors="coerce").astype(float).fillna(-1.0).to_numpy()
                a = auc(x, y)
                scores[f] = round(max(a, 1.0 - a), 4)
        if scores:
            best = max(scores, key=scores.get)
            row |= {"best_feature": best, "best_auc": scores[best], "auc": scores}
        out[str(rel)] = row
    return out


def incidental_cooccurrence(pairs: pd.DataFrame) -> dict[str, float]:
    """How often negatives co-occur anyway: the share of negative pairs whose action follows
    the trigger within 30 s at least twice as often as chance (`lift_30s` ≥ 2), and within
    two minutes for at least a fifth of the action's changes (`coverage_120s` ≥ 0.2)."""
    neg = pairs[~pairs[LABEL].astype(bool)]
    if neg.empty:
        return {"negatives": 0}
    return {
        "negatives": int(len(neg)),
        "lift_30s_at_least_2": round(float((neg["lift_30s"] >= 2).mean()), 4),
        "coverage_120s_at_least_0_2": round(float((neg["coverage_120s"] >= 0.2).mean()), 4),
        "same_area": round(float(neg["same_area"].astype(bool).mean()), 4),
    }
