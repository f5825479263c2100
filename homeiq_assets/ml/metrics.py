"""Classification metrics with their sample sizes, as plain numbers (so Dagster plots them)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)


def binary_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray | None = None
) -> dict:
    """Accuracy and positive-class precision/recall/F1 (+ ROC AUC and average precision when
    scores are given), with n, positives and the confusion matrix [[tn, fp], [fn, tp]]."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    tn = int((~y_true & ~y_pred).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "n": int(y_true.size),
        "positives": int(y_true.sum()),
        "accuracy": round((tp + tn) / y_true.size, 4) if y_true.size else 0.0,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "confusion": [[tn, fp], [fn, tp]],
    }
    if y_score is not None and 0 < y_true.sum() < y_true.size:
        out["auc"] = round(float(roc_auc_score(y_true, y_score)), 4)
        out["average_precision"] = round(float(average_precision_score(y_true, y_score)), 4)
    return out


def multiclass_metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Accuracy, macro precision/recall/F1, per-class figures and the confusion matrix."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "n": int(y_true.size),
        "accuracy": round(float((y_true == y_pred).mean()), 4) if y_true.size else 0.0,
        "macro_precision": round(float(p.mean()), 4),
        "macro_recall": round(float(r.mean()), 4),
        "macro_f1": round(float(f.mean()), 4),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "n": int(support[i]),
            }
            for i, lab in enumerate(labels)
        },
        "labels": list(labels),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def best_f1_threshold(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """The score threshold with the best F1 (chosen on validation homes, never on test)."""
    y_true = np.asarray(y_true, dtype=bool)
    order = np.argsort(-np.asarray(y_score))
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
    best = int(f1.argmax())
    return float(scores[best])
