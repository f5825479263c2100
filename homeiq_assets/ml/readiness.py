"""The production-readiness report: data volumes, every model's held-out metrics against its
threshold and baseline with sample sizes, pass/fail, what was deployed, and timings."""

from __future__ import annotations

from pathlib import Path

from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.lineage import TRAINING
from homeiq_assets.storage import write_json_atomic

REPORTS = "reports"


def _volumes(root: Path, cycles: list[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for cycle in cycles:
        stats = td.read_stats(root / TRAINING / cycle)
        for name, d in stats.get("datasets", {}).items():
            totals[name] = totals.get(name, 0) + int(d["kept"])
    return totals


def render(
    cycle: str,
    evals: dict[str, dict],
    deployed: dict[str, str],
    volumes: dict[str, int],
    timings: dict[str, float] | None = None,
    allow_low_quality: bool = False,
) -> str:
    failing = [m for m, ev in evals.items() if not ev["gate_passed"]]
    verdict = (
        "READY" if not failing else ("LOW QUALITY ALLOWED" if allow_low_quality else "NOT READY")
    )
    lines = [
        f"# Production readiness — cycle {cycle}: {verdict}",
        "",
        f"Models passing their gate: {len(evals) - len(failing)} of {len(evals)}."
        + (f" Failing: {', '.join(failing)}." if failing else ""),
    ]
    if allow_low_quality and failing:
        lines.append(
            "Deployed with `--allow-low-quality`: the failing models are marked so in their "
            "metadata (`allow_low_quality: true`)."
        )
    lines += [
        "",
        "## Training data (records kept, all cycles so far)",
        "",
        "| dataset | records |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:,} |" for k, v in sorted(volumes.items())]
    lines += ["", "## Models on the benchmark homes (held out)", ""]
    for model, ev in evals.items():
        status = "PASS" if ev["gate_passed"] else "FAIL"
        lines += [
            f"### {model} — {status} (version {ev['version']}"
            + (f", deployed {deployed[model]}" if model in deployed else ", not deployed")
            + ")",
            "",
            f"Baseline: {ev['baseline_name']}. Samples: "
            + ", ".join(f"{k} {v}" for k, v in ev["samples"].items() if not isinstance(v, dict)),
            "",
            "| metric | model | threshold | baseline | pass |",
            "|---|---|---|---|---|",
        ]
        for metric, threshold in ev["thresholds"].items():
            value = ev["metrics"].get(metric)
            base_key = metric.replace("_over_baseline", "")
            base = ev["baseline"].get(base_key) if "_over_baseline" not in metric else "—"
            ok = value is not None and value >= threshold
            mark = "yes" if ok else "NO"
            lines.append(f"| {metric} | {_fmt(value)} | ≥ {threshold} | {_fmt(base)} | {mark} |")
        extra = [
            k
            for k in (
                *("auc", "average_precision", "precision", "recall", "f1"),
                *("accuracy", "macro_f1", "ceiling_structural_accuracy", "ceiling_accuracy"),
            )
            if k in ev["metrics"] and k not in ev["thresholds"]
        ]
        if extra:
            lines.append("")
            lines.append("Also: " + ", ".join(f"{k} {_fmt(ev['metrics'][k])}" for k in extra))
        lines.append(f"\nTraining and evaluation took {ev['seconds']:.1f} s.\n")
    if timings:
        lines += ["## Timings", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in timings.items()]
    return "\n".join(lines) + "\n"


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "—" if v is None else str(v)


def write_readiness(
    root: Path,
    cycle: str,
    evals: dict[str, dict],
    deployed: dict[str, str],
    manifest: dict,
    timings: dict[str, float] | None = None,
    allow_low_quality: bool = False,
) -> Path:
    """Write `<root>/reports/<cycle>/readiness.md` and `model_manifest.json`; return the report."""
    folder = root / REPORTS / cycle
    folder.mkdir(parents=True, exist_ok=True)
    cycles = next(iter(evals.values())).get("cycles", [cycle]) if evals else [cycle]
    text = render(cycle, evals, deployed, _volumes(root, cycles), timings, allow_low_quality)
    path = folder / "readiness.md"
    tmp = path.with_name(".readiness.md.tmp")
    tmp.write_text(text)
    tmp.replace(path)
    write_json_atomic(manifest, folder / "model_manifest.json")
    return path
