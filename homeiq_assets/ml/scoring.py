"""Score a stored model version on any collected rows — the champion next to a challenger on
the benchmark (A/B with paired differences), a champion on a new cycle's homes (monitoring),
two versions side by side (`homeiq models compare`), a promoted version on the audit fleet —
with exactly the metric definitions the model's own report uses.

Each model module defines its evaluation once: `home_stats(predictor, data)` turns a version's
outputs (and those of the baselines stored with it) into per-home statistics, and `METRICS`
names the formulas on them (`ml.stats`). `train_and_evaluate` goes through the same two, so a
stored version scored here on the benchmark reproduces its report, and two versions scored on
the same rows differ by a paired interval over the same resampled homes.
"""

from __future__ import annotations

import importlib
import math

from homeiq_assets.ml.base import Datasets
from homeiq_assets.ml.bootstrap import N_RESAMPLES, Estimate
from homeiq_assets.ml.gates import GATES, HEADLINE
from homeiq_assets.ml.stats import HomeStats, Metric, estimate
from homeiq_assets.ml.training import TRAINERS, one_openmp_thread


def model_module(model: str):
    if model not in TRAINERS:
        raise ValueError(f"unknown model {model!r} (models: {', '.join(TRAINERS)})")
    return importlib.import_module(TRAINERS[model])


def metrics_of(model: str) -> dict[str, Metric]:
    """Every metric the model defines, by name."""
    return model_module(model).METRICS


def score(model: str, predictor, data: Datasets) -> HomeStats:
    """`predictor`'s per-home statistics on every row of its dataset in `data`."""
    with one_openmp_thread():
        return model_module(model).home_stats(predictor, data)


def gate_names(model: str) -> list[str]:
    """The headline first, then the model's gate metrics."""
    return list(dict.fromkeys([HEADLINE[model], *GATES[model]]))


def measure(
    model: str,
    metric: str,
    stats: HomeStats,
    against: HomeStats | None = None,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """`metric` of `stats` (minus `against`'s, paired) with its interval; an undefined one
    (no statistic for it, e.g. a baseline a version did not store) is NaN with n 0."""
    definition = metrics_of(model).get(metric)
    if definition is None:
        raise KeyError(f"{model} has no metric {metric!r}")
    if not definition.available(stats) or (
        against is not None and not definition.available(against)
    ):
        return Estimate(math.nan, math.nan, math.nan, 0, 0)
    out = estimate(definition, stats, against, n_resamples=n_resamples, seed=seed)
    assert isinstance(out, Estimate), f"{metric} is a per-group table"
    return out


def figures(
    model: str,
    stats: HomeStats,
    names: list[str] | None = None,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, dict]:
    """Estimates (as dicts) of the named metrics, default the headline and gate metrics and
    each one's baseline value."""
    defined = metrics_of(model)
    if names is None:
        names = gate_names(model)
        names += [f"baseline_{m}" for m in names if f"baseline_{m}" in defined]
    return {
        m: measure(model, m, stats, n_resamples=n_resamples, seed=seed).to_dict() for m in names
    }


def compare(
    model: str,
    champion: HomeStats | None,
    challenger: HomeStats,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, dict]:
    """Per headline and gate metric: the challenger's estimate, the champion's (if any) and
    the paired difference challenger − champion, each as `Estimate.to_dict()`."""
    out: dict[str, dict] = {}
    kw = {"n_resamples": n_resamples, "seed": seed}
    for metric in gate_names(model):
        row = {"challenger": measure(model, metric, challenger, **kw).to_dict()}
        if champion is not None:
            row["champion"] = measure(model, metric, champion, **kw).to_dict()
            row["difference"] = measure(model, metric, challenger, champion, **kw).to_dict()
        out[metric] = row
    return out


def ab_table(model: str, comparison: dict[str, dict], names: tuple[str, str]) -> str:
    """The A/B comparison as a markdown table (champion, challenger, paired difference)."""
    champion_name, challenger_name = names
    lines = [
        f"| metric | champion {champion_name} | challenger {challenger_name} | "
        "difference [95 % paired interval] |",
        "|---|---|---|---|",
    ]
    for metric, row in comparison.items():
        mark = " (headline)" if metric == HEADLINE[model] else ""
        champ = text(row.get("champion"))
        chal = text(row["challenger"])
        diff = text(row.get("difference"), signed=True, sizes=False)
        lines.append(f"| {metric}{mark} | {champ} | {chal} | {diff} |")
    return "\n".join(lines)


def text(est: dict | None, signed: bool = False, sizes: bool = True) -> str:
    """`0.912 [0.871, 0.944] (n 1,204, 40 homes)`; `—` when missing, `undefined` when NaN."""
    if not est:
        return "—"
    if not math.isfinite(est["value"]):
        return "undefined" + (f" (n {est['n']:,})" if sizes else "")
    fmt = "{:+.3f}" if signed else "{:.3f}"
    low = fmt.format(est["low"]) if math.isfinite(est["low"]) else "?"
    high = fmt.format(est["high"]) if math.isfinite(est["high"]) else "?"
    out = f"{fmt.format(est['value'])} [{low}, {high}]"
    return out + (f" (n {est['n']:,}, {est['homes']} homes)" if sizes else "")


def reported_names(model: str, estimates: dict[str, dict]) -> list[str]:
    """The figures a reader looks at first: the headline and gate metrics, each followed by its
    baselines' value and the paired difference with them (those present in `estimates`)."""
    prefixes = tuple(getattr(model_module(model), "BASELINES", {}))
    names = []
    for metric in gate_names(model):
        base = metric.removesuffix("_over_baseline")
        names += [base, *(f"{p}{base}" for p in prefixes)]
        names += [f"{base}_over_{p.rstrip('_')}" for p in prefixes]
    return [n for n in dict.fromkeys(names) if n in estimates]


def interval_metadata(model: str, estimates: dict[str, dict]) -> dict[str, float | int]:
    """`<metric>`, `<metric>_low`, `<metric>_high`, `<metric>_n` (numbers the UI plots across
    cycles) for the headline and gate metrics, their baselines and paired differences."""
    out: dict[str, float | int] = {}
    for name in reported_names(model, estimates):
        e = estimates[name]
        out |= {
            name: e["value"],
            f"{name}_low": e["low"],
            f"{name}_high": e["high"],
            f"{name}_n": e["n"],
        }
    return out


def estimates_table(model: str, estimates: dict[str, dict]) -> str:
    """The reported figures as a markdown table: value [95 % interval] (n, homes)."""
    lines = ["| metric | value [95 % interval] (sample) |", "|---|---|"]
    for name in reported_names(model, estimates):
        signed = "_over_" in name
        lines.append(f"| {name} | {text(estimates[name], signed=signed)} |")
    return "\n".join(lines)
