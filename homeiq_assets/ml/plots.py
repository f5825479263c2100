"""PNG plots a person would rather look at than read: confusion matrix, ROC and PR curves,
feature importance. Rendered off-screen (Agg) so they work on a headless server."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: E402

DPI = 100


def confusion_png(confusion: list[list[int]], labels: list[str], path: Path, title: str) -> Path:
    cm = np.asarray(confusion)
    # at least 6 × 5 inches at 100 dpi: readable in the UI even for two classes (600 px wide)
    side = 0.6 * len(labels)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.8 + side), max(5.0, 1.6 + side)), dpi=DPI)
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=10)
    ax.set_yticks(range(len(labels)), labels, fontsize=10)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(textwrap.fill(title, 50), fontsize=12)
    top = cm.max() if cm.size else 0
    for (i, j), v in np.ndenumerate(cm):
        ax.text(
            j,
            i,
            str(v),
            ha="center",
            va="center",
            fontsize=10,
            color="white" if v > top / 2 else "black",
        )
    return _save(fig, path)


def roc_pr_png(
    y_true: np.ndarray,
    curves: dict[str, np.ndarray],
    path: Path,
    title: str,
) -> Path:
    """ROC and precision-recall curves of one or more scorers (model vs baseline)."""
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(9, 4.2), dpi=DPI)
    for name, score in curves.items():
        fpr, tpr, _ = roc_curve(y_true, score)
        prec, rec, _ = precision_recall_curve(y_true, score)
        roc_ax.plot(fpr, tpr, label=name)
        pr_ax.plot(rec, prec, label=name)
    roc_ax.plot([0, 1], [0, 1], color="grey", lw=0.5, ls="--")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    pr_ax.set(xlabel="recall", ylabel="precision", title="precision-recall")
    roc_ax.legend(fontsize=8)
    fig.suptitle(textwrap.fill(title, 80), fontsize=12)
    return _save(fig, path)


def importance_png(
    names: list[str], values: np.ndarray, path: Path, title: str, top: int = 20
) -> Path:
    values = np.asarray(values, dtype=float)
    order = np.argsort(values)[-top:]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(order) + 1.5), dpi=DPI)
    ax.barh([names[i] for i in order], values[order])
    ax.set_title(textwrap.fill(title, 60), fontsize=12)
    ax.tick_params(axis="y", labelsize=9)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(fig)
    tmp.replace(path)
    return path
