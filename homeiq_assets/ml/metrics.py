"""The metric families of the models, defined once on per-home statistics (`ml.stats`).

Binary classification (synergy pairs, patterns, device-days) keeps per home the four cells of
the confusion matrix and, with scores, the ranked pairs of its AUC; multi-class classification
(home type) keeps per home the cells of its confusion matrix. Every metric below is a formula of
their weighted sums, so the model's report, the A/B comparison of two stored versions, the
monitoring of a champion and the audit compute it identically, with a bootstrap interval over
homes.

Conventions (scikit-learn's, where one exists): accuracy, precision, recall and F1 of the
positive class; F1 = 2 TP / (2 TP + FP + FN); a ratio with nothing to count is undefined (NaN,
which fails a gate) — precision with no positive prediction, recall with no positive; macro
averages run over the classes present in the truth or the predictions, a class never predicted
counting precision 0 and one never true recall 0 (`zero_division=0`); AUC is the Mann-Whitney
statistic (ties count half).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from homeiq_assets.ml.stats import HomeStats, Metric, Weighted, ratio

CELLS = ("tp", "fp", "fn", "tn")


# -- binary ----------------------------------------------------------------------------------


def add_binary(
    stats: HomeStats,
    prefix: str,
    keys: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    score: np.ndarray | None = None,
    *,
    by: np.ndarray | None = None,
    labels: Iterable[str] | None = None,
) -> None:
    """Per-home confusion cells (`<prefix>tp` …, `<prefix>rows`, `<prefix>pos`, `<prefix>pred`)
    and, with a score, the ranked pairs of its AUC (`<prefix>score`). With `by` and `labels`,
    the same per group as well (`<prefix>tp_by` …, `<prefix>score_by`)."""
    t, p = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    cells = {"tp": t & p, "fp": ~t & p, "fn": t & ~p, "tn": ~t & ~p}
    cells |= {"rows": np.ones(t.size, bool), "pos": t, "pred": p}
    for name, mask in cells.items():
        stats.add(f"{prefix}{name}", keys, mask.astype(np.float64))
        if by is not None:
            stats.add_grouped(f"{prefix}{name}_by", keys, by, labels or (), mask.astype(float))
    if score is not None:
        stats.add_ranked(f"{prefix}score", keys, score, t)
        if by is not None:
            stats.add_ranked(f"{prefix}score_by", keys, score, t, groups=by, labels=labels)


def add_binary_outputs(
    stats: HomeStats,
    keys: np.ndarray,
    y_true: np.ndarray,
    out: dict[str, np.ndarray],
    prefixes: Iterable[str],
    *,
    by: np.ndarray,
    labels: Iterable[str],
) -> None:
    """`add_binary` for the model (prefix "") and each baseline prefix whose outputs
    (`<prefix>pred`, `<prefix>score`) are in `out`, overall and per group of `by`."""
    for prefix in ("", *prefixes):
        if f"{prefix}pred" in out:
            add_binary(
                stats,
                prefix,
                keys,
                y_true,
                out[f"{prefix}pred"],
                out[f"{prefix}score"],
                by=by,
                labels=labels,
            )


def binary(prefix: str = "", unit: str = "rows", *, suffix: str = "") -> dict[str, Metric]:
    """accuracy, precision, recall, f1 and auc of the cells added by `add_binary(prefix)`; with
    `suffix="_by"` their grouped versions (one value per group)."""
    c = {k: f"{prefix}{k}{suffix}" for k in (*CELLS, "rows", "pos", "pred")}
    grouped = c["rows"] if suffix else None
    score = f"{prefix}score{suffix}"
    return {
        "accuracy": Metric(
            lambda v: ratio(v[c["tp"]] + v[c["tn"]], v[c["rows"]]),
            c["rows"],
            f"share of {unit} classified right",
            grouped,
        ),
        "precision": Metric(
            lambda v: ratio(v[c["tp"]], v[c["pred"]]),
            c["pred"],
            f"share of {unit} flagged positive that are positive",
            grouped,
        ),
        "recall": Metric(
            lambda v: ratio(v[c["tp"]], v[c["pos"]]),
            c["pos"],
            f"share of positive {unit} flagged",
            grouped,
        ),
        "f1": Metric(
            lambda v: ratio(2 * v[c["tp"]], 2 * v[c["tp"]] + v[c["fp"]] + v[c["fn"]]),
            c["rows"],
            "harmonic mean of precision and recall",
            grouped,
        ),
        "auc": Metric(
            lambda v: v.auc(score),
            c["rows"],
            "probability that a positive outranks a negative (ROC AUC)",
            grouped,
        ),
    }


# -- multi-class ---------------------------------------------------------------------------


def binary_by_group(prefixes: Iterable[str], unit: str, group: str) -> dict[str, Metric]:
    """`binary` metrics of the model and each baseline prefix, overall and per group
    (`<prefix><metric>_by_<group>`), for statistics added by `add_binary_outputs`."""
    out: dict[str, Metric] = {}
    for prefix in ("", *prefixes):
        out |= prefixed(binary(prefix, unit), prefix)
        grouped = binary(prefix, unit, suffix="_by")
        out |= {f"{prefix}{k}_by_{group}": m for k, m in grouped.items()}
    return out


def add_confusion(
    stats: HomeStats,
    name: str,
    keys: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    labels: Iterable[str],
) -> None:
    """Per-home confusion cells `name` ((homes, K·K), truth-major, labelled `t→p`) and per
    class `<name>_true`, `<name>_pred`, `<name>_tp` ((homes, K))."""
    labels = tuple(labels)
    t, p = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
    cells = np.char.add(np.char.add(t, "→"), p) if t.size else np.zeros(0, str)
    stats.add_grouped(name, keys, cells, [f"{a}→{b}" for a in labels for b in labels])
    stats.add_grouped(f"{name}_true", keys, t, labels)
    stats.add_grouped(f"{name}_pred", keys, p, labels)
    stats.add_grouped(f"{name}_tp", keys, np.where(t == p, t, ""), labels)


def _per_class(v: Weighted, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return v[f"{name}_tp"], v[f"{name}_true"], v[f"{name}_pred"]


def _macro(v: Weighted, name: str, which: str) -> np.ndarray:
    tp, true, pred = _per_class(v, name)
    present = (true + pred) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        per = {
            "precision": np.where(pred > 0, tp / np.where(pred > 0, pred, 1), 0.0),
            "recall": np.where(true > 0, tp / np.where(true > 0, true, 1), 0.0),
            "f1": np.where(present, 2 * tp / np.where(present, true + pred, 1), 0.0),
        }[which]
        count = present.sum(axis=1)
        return np.where(count > 0, (per * present).sum(axis=1) / np.maximum(count, 1), np.nan)


def multiclass(name: str, unit: str = "homes") -> dict[str, Metric]:
    """accuracy, macro precision/recall/F1, per-class precision/recall/F1 and the row shares
    of the confusion matrix, from the cells added by `add_confusion(name)`."""
    rows = f"{name}_true"
    return {
        "accuracy": Metric(
            lambda v: ratio(v[f"{name}_tp"].sum(axis=1), v[rows].sum(axis=1)),
            rows,
            f"share of {unit} whose class is predicted right",
        ),
        "macro_precision": Metric(
            lambda v: _macro(v, name, "precision"), rows, "precision averaged over classes"
        ),
        "macro_recall": Metric(
            lambda v: _macro(v, name, "recall"), rows, "recall averaged over classes"
        ),
        "macro_f1": Metric(lambda v: _macro(v, name, "f1"), rows, "F1 averaged over classes"),
        "class_precision": Metric(
            lambda v: ratio(v[f"{name}_tp"], v[f"{name}_pred"]),
            f"{name}_pred",
            "per class: share of its predictions that are right",
            f"{name}_pred",
        ),
        "class_recall": Metric(
            lambda v: ratio(v[f"{name}_tp"], v[rows]),
            rows,
            "per class: share of its homes predicted right",
            rows,
        ),
        "class_f1": Metric(
            lambda v: ratio(2 * v[f"{name}_tp"], v[rows] + v[f"{name}_pred"]),
            rows,
            "per class: F1",
            rows,
        ),
        "row_share": Metric(
            lambda v: ratio(v[name], np.repeat(v[rows], v[rows].shape[1], axis=1)),
            name,
            "confusion row shares: of the homes of a class, the share predicted as each class",
            name,
        ),
    }


def confusion_matrix(stats: HomeStats, name: str) -> list[list[int]]:
    """The summed confusion matrix (truth rows, prediction columns) of `add_confusion(name)`."""
    k = len(stats.labels[f"{name}_true"])
    return stats.total(name).reshape(k, k).round().astype(int).tolist()


# -- composition ---------------------------------------------------------------------------


def prefixed(metrics: dict[str, Metric], prefix: str) -> dict[str, Metric]:
    """The same metrics under `<prefix><name>`."""
    return {f"{prefix}{k}": m for k, m in metrics.items()}


def difference(a: Metric, b: Metric, about: str = "") -> Metric:
    """a − b on the same resampled homes (e.g. a model over its baseline: a paired interval)."""
    return Metric(lambda v: a.formula(v) - b.formula(v), a.n, about, a.grouped)


def over_baselines(
    metrics: dict[str, Metric], names: Iterable[str], baselines: dict[str, str]
) -> dict[str, Metric]:
    """`<name>_over_<tag>`: the model's metric minus the baseline's (`baselines`: tag → the
    baseline's metric prefix), for each of `names`."""
    out = {}
    for tag, prefix in baselines.items():
        for name in names:
            if name in metrics and f"{prefix}{name}" in metrics:
                out[f"{name}_over_{tag}"] = difference(
                    metrics[name],
                    metrics[f"{prefix}{name}"],
                    f"{name} minus the {tag}'s on the same homes (paired)",
                )
    return out


# -- used inside training (validation homes), not reported ------------------------------------


def binary_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray | None = None
) -> dict:
    """Point figures on one set of validation rows (early stopping, thresholds), by the same
    definitions; reported metrics go through `ml.stats` with their intervals instead."""
    y_true = np.asarray(y_true, dtype=bool)
    stats = HomeStats(["all"])
    keys = np.full(y_true.size, "all")
    add_binary(stats, "", keys, y_true, y_pred, y_score)
    v = Weighted(stats, np.ones((1, 1)))
    out = {"n": int(y_true.size), "positives": int(y_true.sum())}
    for name, metric in binary().items():
        if name == "auc" and y_score is None:
            continue
        value = float(metric.formula(v)[0])
        out[name] = round(value, 4) if np.isfinite(value) else 0.0
    return out


def best_f1_threshold(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """The score threshold with the best F1 (chosen on validation homes, never on test)."""
    y_true = np.asarray(y_true, dtype=bool)
    order = np.argsort(-np.asarray(y_score), kind="stable")
    scores = np.asarray(y_score)[order]
    hits = y_true[order]
    tp = np.cumsum(hits)
    fp = np.cumsum(~hits)
    positives = max(int(y_true.sum()), 1)
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / positives
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    if f1.size == 0:
        return 0.5
    # a threshold must include every row tied with the chosen one
    last_of_tie = np.r_[scores[1:] != scores[:-1], True]
    f1 = np.where(last_of_tie, f1, -1.0)
    best = int(f1.argmax())
    return float(scores[best])
