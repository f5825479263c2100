"""The production-readiness report a team ships models on: per model, what it does, its headline
metric with its 95 % interval and sample size, its gate metric by metric with pass or fail, its
baselines on the same rows, a per-class or per-mode table, the audit fleet's figures beside the
benchmark's, and what is not gated and why — written for a reader who has never seen the project.

Every figure is read from the model's evaluation (`ml.training.TrainingOutcome.summary`, the
benchmark) and its audit scoring (`ml.audit`), both computed by the same metric definitions.
"""

from __future__ import annotations

import math
from pathlib import Path

from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.lineage import TRAINING
from homeiq_assets.ml.scoring import text
from homeiq_assets.storage import write_json_atomic

REPORTS = "reports"

GUIDE = """## How to read this report

- **Held-out homes only.** Each model trains on the simulated cycles so far. It is scored on the
  **benchmark fleet** — homes simulated from reserved seeds that no training cycle may use, a
  quarter of them starting in each season — which decides the gates and every champion /
  challenger comparison. Thresholds and early stopping use validation homes split off the
  training homes, never benchmark homes. The **audit fleet** is a second reserved fleet that
  nothing reads but this report: if a model's audit figures fall well below its benchmark
  figures, the benchmark has been overfitted.
- **Intervals.** `0.912 [0.871, 0.944] (n 1,204, 40 homes)` is a value, its 95 % interval from a
  bootstrap over homes (1,000 resamples of whole homes: rows of one home are not independent),
  the number of units the metric counts (homes, failure events, alert episodes, pairs,
  patterns, device-days) and how many homes hold them. A difference to a baseline (`… over …`)
  is paired: both are recomputed on the same resampled homes.
- **Device models** skip each home's first 14 days (a burn-in: they compare a device with its
  own history, which a new home does not have yet). A failure counts as warned when the device
  is alerted 1–7 days before it; consecutive alerted days of a device are one alert episode,
  false when no failure of the device follows within 7 days (failure) or when none of its days
  is a telemetry anomaly (anomaly).
- **Gates** are minimums on the benchmark figures; an undefined figure (nothing to count)
  fails. A model that fails its gate is not deployed unless the run allowed low quality.
"""

MODELS = {
    "home_type": {
        "task": "Which of eight home types a home is, from its device registry, layout and "
        "activity profile (a random forest). Gated on the four structures a home's sensors can "
        "tell apart: studio, flat (apartment or condo), townhouse, detached house.",
        "unit": "one prediction per home",
        "not_gated": "The eight-type accuracy and macro F1: the labels mix structure with "
        "tenure and style (a condo is an owned apartment), which a home's devices only hint at. "
        "They are reported beside the ceiling the simulated data allows (a forest that sees the "
        "simulator's hidden draws — size, tenure, storeys, rooms — directly).",
    },
    "device_failure": {
        "task": "Which devices will fail within 7 days, from their daily telemetry (LightGBM on "
        "rolling features), alerting at a threshold set by a false-alarm budget on training "
        "homes.",
        "unit": "failure events (device, failure date) and alert episodes, after the burn-in",
        "not_gated": "Sudden failures (about one in eight) have no precursor by design, so no "
        "model can warn of them: their recall is reported, not gated. Device-day precision, "
        "recall, F1 and AUC are reported beside the per-event figures (a user meets failures "
        "and alerts, not device-days); so are lead times.",
    },
    "device_anomaly": {
        "task": "Which devices report faulty telemetry — a stuck, drifting or glitching "
        "sensor, a device dropping off the network — without labels: each device against its "
        "own history and its area's peers.",
        "unit": "anomaly episodes (detected when flagged within their first 7 days) and alert "
        "episodes, after the burn-in",
        "not_gated": "Time to detect and device-day figures are reported; recall per anomaly "
        "kind is reported (a drift builds over weeks and is the hardest to catch within its "
        "first week).",
    },
    "synergy_gnn": {
        "task": "Which candidate trigger→action device pairs (compatible, not yet automated) a "
        "household links by hand — automation opportunities — from a graph neural network over "
        "each home.",
        "unit": "candidate pairs",
        "not_gated": "Precision and recall separately, and the gradient boosting on the same "
        "pair features: it shows what a pair's own statistics allow without the home graph. "
        "The gate asks the GNN to beat the rule tuned on validation homes, the baseline a team "
        "would otherwise ship.",
    },
    "pattern_quality": {
        "task": "Whether a pattern the detector found is one of the household's manual habits "
        "or a regularity of everyday life (gradient boosting on the detector's statistics).",
        "unit": "detected patterns",
        "not_gated": "Precision, recall and F1 at the chosen threshold: the gate is on ranking "
        "(AUC), which needs no threshold. Figures per pattern type are reported.",
    },
}

# per model: (title, [(column header, table name)], the table whose n is shown)
GROUP_TABLES: dict[str, list[tuple[str, list[tuple[str, str]], str]]] = {
    "home_type": [
        (
            "Per structure (the gated classes)",
            [
                ("precision", "structural_class_precision"),
                ("recall", "structural_class_recall"),
                ("F1", "structural_class_f1"),
                ("F1 of the device-count tree", "baseline_structural_class_f1"),
            ],
            "structural_class_recall",
        ),
        (
            "Per home type (not gated)",
            [("recall", "class_recall"), ("F1", "class_f1")],
            "class_recall",
        ),
    ],
    "device_failure": [
        (
            "Per failure mode: share of failures warned 1–7 days ahead",
            [("model", "recall_by_mode"), ("band rule", "baseline_recall_by_mode")],
            "recall_by_mode",
        )
    ],
    "device_anomaly": [
        (
            "Per anomaly kind: share of episodes detected within their first 7 days",
            [("model", "recall_by_kind"), ("z-score rule", "baseline_recall_by_kind")],
            "recall_by_kind",
        )
    ],
    "synergy_gnn": [
        (
            "Per relationship type",
            [
                ("GNN F1", "f1_by_relationship"),
                ("GNN AUC", "auc_by_relationship"),
                ("tuned rule F1", "baseline_f1_by_relationship"),
                ("gradient boosting F1", "gbm_f1_by_relationship"),
            ],
            "f1_by_relationship",
        )
    ],
    "pattern_quality": [
        (
            "Per pattern type",
            [
                ("model AUC", "auc_by_pattern_type"),
                ("baseline AUC", "baseline_auc_by_pattern_type"),
                ("model F1", "f1_by_pattern_type"),
            ],
            "auc_by_pattern_type",
        )
    ],
}


def _volumes(root: Path, cycles: list[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for cycle in cycles:
        stats = td.read_stats(root / TRAINING / cycle)
        for name, d in stats.get("datasets", {}).items():
            totals[name] = totals.get(name, 0) + int(d["kept"])
    return totals


def _short(est: dict | None, signed: bool = False) -> str:
    """`0.912 [0.871, 0.944] (n 1,204)`; the homes are stated once per model."""
    if not est:
        return "—"
    full = text(est, signed=signed, sizes=False)
    return f"{full} (n {est['n']:,})" if math.isfinite(est["value"]) else full


def _passes(est: dict | None, threshold: float) -> bool:
    return bool(est) and math.isfinite(est["value"]) and est["value"] >= threshold


def render(
    cycle: str,
    evals: dict[str, dict],
    deployed: dict[str, str],
    volumes: dict[str, int],
    timings: dict[str, float] | None = None,
    allow_low_quality: bool = False,
) -> str:
    """The report as markdown. `evals[model]` is the model's evaluation summary, with its audit
    figures under `audit` when the audit fleet was scored."""
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
    lines += ["", *_summary(evals, deployed), "", GUIDE]
    lines += [
        "## Training data (records kept, all cycles so far)",
        "",
        "| dataset | records |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:,} |" for k, v in sorted(volumes.items())]
    lines += ["", "## Models", ""]
    for model, ev in evals.items():
        lines += _model_section(model, ev, deployed)
    if timings:
        lines += ["## Timings", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in timings.items()]
    return "\n".join(lines) + "\n"


def _summary(evals: dict[str, dict], deployed: dict[str, str]) -> list[str]:
    lines = [
        "| model | headline metric | benchmark [95 %] (n) | audit [95 %] (n) | gate | deployed |",
        "|---|---|---|---|---|---|",
    ]
    for model, ev in evals.items():
        head = ev.get("headline", "")
        bench = (ev.get("estimates") or {}).get(head)
        audit = ((ev.get("audit") or {}).get("figures") or {}).get(head)
        gate = "pass" if ev["gate_passed"] else "FAIL"
        where = deployed.get(model, "not deployed")
        lines.append(f"| {model} | {head} | {_short(bench)} | {_short(audit)} | {gate} | {where} |")
    return lines


def _model_section(model: str, ev: dict, deployed: dict[str, str]) -> list[str]:
    notes = MODELS.get(model, {})
    status = "PASS" if ev["gate_passed"] else "FAIL"
    estimates = ev.get("estimates") or {}
    audit = ev.get("audit") or {}
    audit_figures = audit.get("figures") or {}
    head = ev.get("headline", "")
    samples = ev.get("samples", {})
    bench_homes = samples.get("test_homes", "?")
    lines = [
        f"### {model} — {status} (version {ev['version']}"
        + (f", deployed {deployed[model]}" if model in deployed else ", not deployed")
        + ")",
        "",
    ]
    if notes:
        lines += [f"{notes['task']} Scored per {notes['unit']}.", ""]
    if head:
        lines += [
            f"**Headline — {head}:** {text(estimates.get(head))} on the benchmark"
            + (f"; {text(audit_figures.get(head))} on the audit fleet" if audit_figures else "")
            + ".",
            "",
        ]
    lines += [
        f"Benchmark: {bench_homes} homes"
        + (
            f"; audit: {audit['homes']} homes (version {audit['version']})"
            if audit
            else "; audit fleet not scored"
        )
        + ". Training: "
        + ", ".join(
            f"{k.removeprefix('train_')} {v:,}"
            for k, v in samples.items()
            if k.startswith("train_") and isinstance(v, int)
        )
        + ".",
        "",
        "**Gate** (minimums on the benchmark; the audit is shown, never gated):",
        "",
        "| metric | minimum | benchmark [95 %] (n) | audit [95 %] (n) | pass |",
        "|---|---|---|---|---|",
    ]
    for metric, threshold in ev["thresholds"].items():
        signed = "_over_" in metric
        est = estimates.get(metric)
        if est is None and metric in ev.get("metrics", {}):  # a figure without an interval
            est = {"value": ev["metrics"][metric], "low": math.nan, "high": math.nan, "n": 0}
        mark = "yes" if _passes(est, threshold) else "NO"
        lines.append(
            f"| {metric} | {threshold:g} | {_short(est, signed)} | "
            f"{_short(audit_figures.get(metric), signed)} | {mark} |"
        )
    lines += ["", *_baselines(model, ev), ""]
    for title, columns, n_from in GROUP_TABLES.get(model, []):
        lines += _group_table(ev, title, columns, n_from)
    lines += _extras(model, ev)
    if notes:
        lines += [f"**Not gated:** {notes['not_gated']}", ""]
    lines.append(f"Training and evaluation took {ev.get('seconds', 0.0):.1f} s.\n")
    return lines


def _baselines(model: str, ev: dict) -> list[str]:
    """The model beside each baseline on the same benchmark rows, with the paired gaps."""
    estimates = ev.get("estimates") or {}
    baselines = ev.get("baselines") or {"baseline_": ev.get("baseline_name", "baseline")}
    metrics = [m for m in dict.fromkeys([ev.get("headline", ""), *ev["thresholds"]]) if m]
    metrics = [m for m in dict.fromkeys(m.removesuffix("_over_baseline") for m in metrics)]
    metrics = [m for m in metrics if m in estimates]
    if not metrics:
        return []
    named = ", ".join(f"**{p.rstrip('_')}** = {name}" for p, name in baselines.items())
    header = ["metric", "model", *(p.rstrip("_") for p in baselines)]
    gaps = [p for p in baselines if any(f"{m}_over_{p.rstrip('_')}" in estimates for m in metrics)]
    header += [f"model − {p.rstrip('_')} (paired)" for p in gaps]
    lines = [
        f"**Baselines** on the same benchmark rows ({named}):",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for m in metrics:
        cells = [m, _short(estimates.get(m))]
        cells += [_short(estimates.get(f"{p}{m}")) for p in baselines]
        cells += [_short(estimates.get(f"{m}_over_{p.rstrip('_')}"), True) for p in gaps]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _group_table(ev: dict, title: str, columns: list[tuple[str, str]], n_from: str) -> list[str]:
    tables = ev.get("tables") or {}
    present = [(h, t) for h, t in columns if t in tables]
    if n_from not in tables or not present:
        return []
    groups = [g for g, e in tables[n_from].items() if e["n"] > 0]
    if not groups:
        return []
    lines = [
        f"**{title}** (benchmark):",
        "",
        "| group | n | " + " | ".join(h for h, _ in present) + " |",
        "|---|---|" + "---|" * len(present),
    ]
    for g in groups:
        cells = [text(tables[t].get(g), sizes=False) for _, t in present]
        lines.append(f"| {g} | {tables[n_from][g]['n']:,} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _extras(model: str, ev: dict) -> list[str]:
    """Model-specific lines: ceiling, lead times, time to detect, the tuned baselines."""
    detail = ev.get("metrics_detail") or {}
    estimates = ev.get("estimates") or {}
    params = ev.get("params") or {}
    lines: list[str] = []
    if model == "home_type":
        conf = detail.get("structural_confusion")
        labels = detail.get("structural_labels")
        if conf and labels:
            lines += [
                "**Structural confusion** (benchmark homes; rows truth, columns predicted):",
                "",
                "| truth \\ predicted | " + " | ".join(labels) + " |",
                "|---|" + "---|" * len(labels),
                *(
                    f"| {t} | " + " | ".join(str(c) for c in row) + " |"
                    for t, row in zip(labels, conf, strict=True)
                ),
                "",
            ]
        rows = [
            (name, estimates.get(name), estimates.get(f"ceiling_{name}"))
            for name in ("structural_accuracy", "structural_macro_f1", "accuracy", "macro_f1")
        ]
        lines += [
            "**Against the ceiling** of the simulated data (a forest on the simulator's hidden "
            "draws, scored on 1,000 other simulated homes):",
            "",
            "| metric | model | ceiling |",
            "|---|---|---|",
            *(f"| {n} | {_short(m)} | {_short(c)} |" for n, m, c in rows),
            "",
        ]
    if model == "device_failure":
        lead = detail.get("lead_time_days") or {}
        lines += [
            f"**Lead time** of the warned predictable failures: median "
            f"{text(estimates.get('lead_time_median_days'), sizes=False)} days; by days ahead "
            + ", ".join(f"{d}: {n}" for d, n in lead.items())
            + f". False alert episodes per device-year: "
            f"{_short(estimates.get('false_alerts_per_device_year'))}; sudden failures "
            f"warned: {_short(estimates.get('event_recall_sudden'))}.",
            "",
        ]
    if model == "device_anomaly":
        ttd = detail.get("time_to_detect_days") or {}
        causes = detail.get("false_alert_causes") or {}
        lines += [
            f"**Time to detect** (days after the episode starts): median "
            f"{text(estimates.get('time_to_detect_median_days'), sizes=False)}; by day "
            + ", ".join(f"{d}: {n}" for d, n in ttd.items())
            + ". False alert episodes per device-year: "
            f"{_short(estimates.get('false_alerts_per_device_year'))}"
            + (
                "; what the device was going through when a false alert began: "
                + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in causes.items())
                if causes
                else ""
            )
            + ".",
            "",
        ]
    if model == "synergy_gnn" and params.get("baseline_rule"):
        rule = params["baseline_rule"]
        lines += [
            f"**The tuned rule:** a pair is linked when its action followed its trigger at "
            f"least {rule['min_cooccur']} times within {rule['window_s']} s and at least "
            f"{rule['min_lift']:g} times as often as chance (F1 {rule['valid_f1']:.3f} on "
            f"{rule['valid_rows']:,} validation pairs).",
            "",
        ]
    if model == "pattern_quality" and params.get("baseline"):
        base = params["baseline"]
        aucs = ", ".join(f"{k} {v:.3f}" for k, v in base.get("valid_auc", {}).items())
        lines += [
            f"**The baseline statistic:** {base['statistic']} (validation AUC: {aucs}), "
            f"flagging a pattern at {base['threshold']:.4g} or more.",
            "",
        ]
    return lines


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
    text_ = render(cycle, evals, deployed, _volumes(root, cycles), timings, allow_low_quality)
    path = folder / "readiness.md"
    tmp = path.with_name(".readiness.md.tmp")
    tmp.write_text(text_)
    tmp.replace(path)
    write_json_atomic(manifest, folder / "model_manifest.json")
    return path
