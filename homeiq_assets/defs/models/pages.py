"""How a model's asset page reads: what a person looks for first comes first.

Dagster shows an asset's metadata in the order it was attached, so each lifecycle asset builds
it here in reading order: the headline metric with its 95 % interval, the gate and what it
means for promotion; then the gate table (each metric, its interval and its threshold), the
baseline it must beat, the sample sizes; then one entry per plot (each a readable image of its
own); then the details of the version. Numbers stay numbers, so the UI plots them across
cycles. No Dagster definitions live here (a helper of `defs/models` and `defs/deployment`).
"""

from __future__ import annotations

import base64
from pathlib import Path

import dagster as dg

from homeiq_assets.ml.gates import GATES, HEADLINE

PLOT_TITLES = {
    "confusion": "confusion matrix",
    "structural_confusion": "confusion matrix of the four structures",
    "roc_pr": "ROC and precision-recall curves",
    "importance": "feature importance",
    "learning_curve": "learning curve",
}


# counts a report lists beside its metrics: shown under the sample sizes, not as metrics
SIZES = ("n", "positives")


def label(model: str) -> str:
    return model.replace("_", " ")


def interval_text(est: dict | None, digits: int = 3, sizes: bool = True) -> str:
    """`0.912 [0.871, 0.944] · n 1,204 · 40 homes` (without the sample sizes for a table
    cell), or `—`."""
    if not est:
        return "—"
    text = f"{est['value']:.{digits}f} [{est['low']:.{digits}f}, {est['high']:.{digits}f}]"
    if not sizes:
        return text
    if est.get("n") is not None:
        text += f" · n {int(est['n']):,}"
    if est.get("homes") is not None:
        text += f" · {int(est['homes'])} homes"
    return text


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def gate_table(model: str, metrics: dict, estimates: dict) -> str:
    """Markdown: each gate metric with its interval, its threshold and whether it passes."""
    rows = ["| metric | value [95 % interval] | threshold | pass |", "|---|---|---|---|"]
    for metric, minimum in GATES[model].items():
        value = metrics.get(metric)
        est = estimates.get(metric)
        shown = (
            interval_text(est, sizes=False) if est else (_fmt(value) if value is not None else "—")
        )
        ok = value is not None and value == value and value >= minimum
        rows.append(f"| {metric} | {shown} | ≥ {minimum:g} | {'yes' if ok else '**NO**'} |")
    return "\n".join(rows)


def baseline_table(summary: dict) -> str:
    """Markdown: the model next to the baseline it must beat, metric by metric."""
    metrics, baseline = summary["metrics"], summary["baseline"]
    estimates = summary.get("estimates") or {}
    rows = [
        f"Baseline: **{summary['baseline_name']}**, scored on exactly the same benchmark rows.",
        "",
        "| metric | model | baseline |",
        "|---|---|---|",
    ]
    for metric, value in baseline.items():
        if metric in SIZES or metric not in metrics:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            est = estimates.get(metric)
            model_text = interval_text(est, sizes=False) if est else _fmt(metrics[metric])
            base_est = estimates.get(f"baseline_{metric}")
            base_text = interval_text(base_est, sizes=False) if base_est else _fmt(value)
            rows.append(f"| {metric} | {model_text} | {base_text} |")
    return "\n".join(rows)


def samples_table(samples: dict) -> str:
    rows = ["| sample | size |", "|---|---|"]
    for key, value in samples.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, int):
            value = f"{value:,}"
        rows.append(f"| {key.replace('_', ' ')} | {value} |")
    return "\n".join(rows)


def plot_entries(model: str, plots: dict[str, str]) -> dict[str, dg.MetadataValue]:
    """One metadata entry per plot, each an image of its own with its title."""
    out: dict[str, dg.MetadataValue] = {}
    for name, path in plots.items():
        file = Path(path)
        if not file.exists():
            continue
        title = f"{label(model)}: {PLOT_TITLES.get(name, name.replace('_', ' '))}"
        data = base64.b64encode(file.read_bytes()).decode()
        # the UI shows a large markdown entry behind "[Show Markdown]": one click, one image
        out[f"plot: {PLOT_TITLES.get(name, name.replace('_', ' '))}"] = dg.MetadataValue.md(
            f"### {title}\n\n![{title}](data:image/png;base64,{data})"
        )
    return out


def promotion_text(gate_passed: bool, allow_low_quality: bool, model: str) -> str:
    if gate_passed:
        return (
            f"eligible: {model}_evaluation promotes it unless it is worse than the champion "
            "beyond the tolerance"
        )
    if allow_low_quality:
        return "gate failed, promotion allowed anyway (--allow-low-quality, recorded)"
    return "blocked by the gate: the champion stays"


def challenger_metadata(model: str, summary: dict, details: dict) -> dict:
    """The challenger's page, in reading order (see the module doc)."""
    headline = HEADLINE[model]
    metrics = summary["metrics"]
    estimates = summary.get("estimates") or {}
    head = estimates.get(headline) or {}
    gate_passed = summary["gate_passed"]
    failing = summary.get("failing") or {}
    gate = (
        "PASSED"
        if gate_passed
        else "FAILED: " + ", ".join(f"{m} {v[0]:.3f} < {v[1]:g}" for m, v in failing.items())
    )
    out: dict = {
        headline: round(float(metrics.get(headline, float("nan"))), 4),
        f"{headline} [95 % interval]": interval_text(head),
        "gate": gate,
        "promotion": promotion_text(gate_passed, summary["allow_low_quality"], model),
        "gate_passed": gate_passed,
        "gate_thresholds": dg.MetadataValue.md(gate_table(model, metrics, estimates)),
        "baseline": dg.MetadataValue.md(baseline_table(summary)),
        "samples": dg.MetadataValue.md(samples_table(summary.get("samples") or {})),
        **plot_entries(model, summary.get("plots") or {}),
    }
    # every numeric metric (plotted by the UI across cycles), then the version's details
    for metric, value in metrics.items():
        if metric != headline:
            out[metric] = round(float(value), 4)
    out.update(details)
    return out
