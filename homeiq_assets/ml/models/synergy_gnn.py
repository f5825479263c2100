"""Synergy GNN (DESIGN §7): which candidate trigger→action device pairs (compatible, not already
automated) a household's manual habit links — automation opportunities — scored by a small
graph neural network over each home.

One graph per home and cycle. Nodes are the home's devices, areas and floors; structural edges
say where a device sits (device–area, area–floor, both ways), and every candidate pair adds a
directed trigger→action edge carrying the pair's event statistics (co-occurrence, coverage and
lift within 5 s … 10 min, lag median/IQR/std, same area/floor, relationship type). Message
passing along the candidate edges (max and mean over a device's candidates) lets each pair be
judged against its rivals — the other motion sensors that could drive the same light — and the
pair's probability comes from both endpoint embeddings plus its own edge features.

All homes are trained at once as one disjoint union of graphs (full batch; ~100 homes is a few
thousand nodes). The decision threshold and the early-stopping epoch are chosen on validation
homes split off the training data by home. Columns starting `gt_`, `rule_linked`, `pair_id`
and `record_id` are never features.

Baselines (DESIGN §7), fitted on the same training homes and stored with the version so every
later scoring shows them on the same rows:

* **the rule tuned on validation homes** (the one the GNN must beat by 0.10 F1): a pair is
  linked when its action followed its trigger at least `c` times within `w` seconds and that
  co-occurrence is at least `l` times what chance gives (`cooccur_<w>s >= c`, `lift_<w>s >= l`);
  `w`, `c` and `l` are the grid point with the best F1 on the validation homes;
* **gradient boosting on the same pair features, no graph**: what the pair's own statistics
  allow without its home's graph (threshold at its best F1 on the validation homes).

Unlike the `Predictor` protocol's `fit(X, y)`, this graph model takes the whole `Datasets` dict
(`"synergy_gnn"` pairs + `"synergy_gnn.nodes"`), since a pair's prediction needs its home's
graph; the label is the pairs' `gt_linked` column.
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import average_precision_score
from torch import nn

from homeiq_assets.ml import plots, safe_skops
from homeiq_assets.ml.base import Datasets, ModelReport, evaluate_report
from homeiq_assets.ml.data import count_homes, home_key, split_by_home
from homeiq_assets.ml.metrics import (
    add_binary_outputs,
    best_f1_threshold,
    binary_by_group,
    binary_metrics,
    over_baselines,
)
from homeiq_assets.ml.stats import HomeStats, Metric
from homeiq_assets.sim.routines import RELATIONSHIPS

with warnings.catch_warnings():
    # torch-geometric 2.8 still calls torch.jit.script while importing, deprecated in torch 2.13
    warnings.filterwarnings("ignore", r"`torch\.jit\.script` is deprecated", DeprecationWarning)
    from torch_geometric.nn import MessagePassing, SAGEConv

PAIRS, NODES = "synergy_gnn", "synergy_gnn.nodes"
LABEL = "gt_linked"
WINDOWS = (5, 30, 120, 600)
COUNT_COLUMNS = ("trigger_events", "action_events", *(f"cooccur_{w}s" for w in WINDOWS))
COVERAGE_COLUMNS = tuple(f"coverage_{w}s" for w in WINDOWS)
LIFT_COLUMNS = tuple(f"lift_{w}s" for w in WINDOWS)
LAG_COLUMNS = ("lag_s_median", "lag_s_iqr", "lag_s_std")
FLAG_COLUMNS = ("same_area", "same_floor")
NODE_CATEGORIES = ("device_type", "category", "power_source", "area_kind")
NODE_KINDS = ("device", "area", "floor")
BASELINE_NAME = "co-occurrence and lift rule tuned on validation homes"
GBM_NAME = "gradient boosting on the same pair features (no graph)"
WEIGHTS_FILE, CONFIG_FILE, GBM_FILE = "synergy_gnn.pt", "synergy_gnn.json", "pair_gbm.skops"
# the tuned rule's grid: minimum co-occurrences and minimum lift over chance, per window
RULE_MIN_COOCCUR = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100)
RULE_MIN_LIFT = (1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 64.0, 128.0)
GBM_PARAMS = {
    "max_iter": 200,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "l2_regularization": 1.0,
}
RELATIONSHIP_LABELS = tuple(RELATIONSHIPS)
FORMAT_VERSION = 1
FINETUNE_LR_SCALE = 0.3  # fine-tuning from a champion's weights takes smaller steps

DEFAULT_PARAMS: dict = {
    "hidden": 32,
    "layers": 2,
    "dropout": 0.1,
    "lr": 0.005,
    "weight_decay": 1e-4,
    "max_epochs": 300,
    "eval_every": 5,
    "patience": 10,  # evaluations without a better validation score before stopping
    "pos_weight_cap": 20.0,
    "valid_share": 0.2,
    "threads": 1,  # more threads thrash on a shared 2-core machine
}


# ---------------------------------------------------------------- features and graphs


def _vocabularies(pairs: pd.DataFrame, nodes: pd.DataFrame) -> dict[str, list[str]]:
    """Category values seen in training (anything else maps to an 'unknown' slot)."""
    vocab = {"relationship": sorted(pairs["relationship"].dropna().astype(str).unique())}
    for col in NODE_CATEGORIES:
        values = nodes[col].dropna().astype(str).unique() if col in nodes else []
        vocab[col] = sorted(values)
    return vocab


def _one_hot(values: pd.Series, vocab: list[str]) -> np.ndarray:
    """One column per vocabulary entry plus a last one for unknown or missing values."""
    index = {v: i for i, v in enumerate(vocab)}
    codes = values.map(lambda v: index.get(str(v), len(vocab)) if pd.notna(v) else len(vocab))
    out = np.zeros((len(values), len(vocab) + 1), np.float32)
    out[np.arange(len(values)), codes.to_numpy(dtype=np.int64)] = 1.0
    return out


def edge_feature_names(vocab: dict[str, list[str]]) -> list[str]:
    rel = [f"relationship={r}" for r in vocab["relationship"]] + ["relationship=?"]
    lags = [f"log_{c}" for c in LAG_COLUMNS] + [f"{c}_missing" for c in LAG_COLUMNS]
    return [
        *rel,
        *FLAG_COLUMNS,
        *(f"log_{c}" for c in COUNT_COLUMNS),
        *COVERAGE_COLUMNS,
        *(f"log_{c}" for c in LIFT_COLUMNS),
        *lags,
    ]


def _edge_raw(pairs: pd.DataFrame, vocab: dict[str, list[str]]) -> np.ndarray:
    """Pair features before standardisation (rows aligned with `pairs`)."""

    def num(col: str) -> np.ndarray:
        return pd.to_numeric(pairs[col], errors="coerce").to_numpy(dtype=np.float64)

    lags = np.column_stack([num(c) for c in LAG_COLUMNS]) if len(pairs) else np.zeros((0, 3))
    parts = [
        _one_hot(pairs["relationship"], vocab["relationship"]),
        np.column_stack([pairs[c].astype(float).to_numpy() for c in FLAG_COLUMNS]),
        np.log1p(np.clip(np.column_stack([num(c) for c in COUNT_COLUMNS]), 0, None)),
        np.column_stack([num(c) for c in COVERAGE_COLUMNS]),
        np.log1p(np.clip(np.column_stack([num(c) for c in LIFT_COLUMNS]), 0, None)),
        np.log1p(np.clip(np.nan_to_num(lags, nan=0.0), 0, None)),
        np.isnan(lags).astype(float),
    ]
    out = np.concatenate([p.reshape(len(pairs), -1) for p in parts], axis=1)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def _continuous_edge_columns(vocab: dict[str, list[str]]) -> list[int]:
    """Indices of the edge features that get standardised (not one-hots or flags)."""
    names = edge_feature_names(vocab)
    return [i for i, n in enumerate(names) if n.startswith(("log_", "coverage_"))]


@dataclass
class Graph:
    """A disjoint union of home graphs as tensors; candidate edge i is row i of the pairs."""

    x: torch.Tensor  # [nodes, node features]
    struct_index: torch.Tensor  # [2, structural edges]
    pair_index: torch.Tensor  # [2, candidate edges] trigger → action
    pair_attr: torch.Tensor  # [candidate edges, edge features]


def node_feature_names(vocab: dict[str, list[str]]) -> list[str]:
    names = [f"kind={k}" for k in NODE_KINDS]
    for col in NODE_CATEGORIES:
        names += [f"{col}={v}" for v in vocab[col]] + [f"{col}=?"]
    return [*names, "indoor", "indoor=?", "log_events", "log_events_vs_home", "log_devices"]


def _node_frame(pairs: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Device, area and floor nodes of every home in `pairs` with their raw attributes."""
    cols = ["device_id", *NODE_CATEGORIES, "area_id", "floor_id", "indoor", "events"]
    nodes = nodes if len(nodes) else pd.DataFrame(columns=["cycle", "home_id", *cols])
    homes = set(home_key(pairs))
    dev = nodes.assign(home=home_key(nodes)) if len(nodes) else nodes.assign(home=[])
    dev = dev[dev["home"].isin(homes)][["home", *cols]].copy()
    # devices that appear in pairs but not in the node table get a node with unknown features
    for side in ("trigger_device_id", "action_device_id"):
        seen = pd.DataFrame({"home": home_key(pairs), "device_id": pairs[side].to_numpy()})
        dev = pd.concat([dev, seen], ignore_index=True)
    dev = dev.drop_duplicates(["home", "device_id"], keep="first")
    dev["events"] = pd.to_numeric(dev["events"], errors="coerce").fillna(0.0)
    dev["key"] = dev["home"] + "|d|" + dev["device_id"].astype(str)
    dev["area_key"] = np.where(
        dev["area_id"].notna(), dev["home"] + "|a|" + dev["area_id"].astype(str), None
    )
    dev["floor_key"] = np.where(
        dev["floor_id"].notna(), dev["home"] + "|f|" + dev["floor_id"].astype(str), None
    )
    dev["kind"] = "device"
    dev["n_devices"] = 0.0

    has_area = dev[dev["area_key"].notna()]
    area = (
        has_area.groupby("area_key", sort=True)
        .agg(
            home=("home", "first"),
            area_kind=("area_kind", "first"),
            indoor=("indoor", "first"),
            floor_key=("floor_key", "first"),
            events=("events", "sum"),
            n_devices=("device_id", "size"),
        )
        .reset_index()
        .rename(columns={"area_key": "key"})
        .assign(kind="area", area_key=lambda f: f["key"])
    )
    has_floor = area[area["floor_key"].notna()]
    floor = (
        has_floor.groupby("floor_key", sort=True)
        .agg(home=("home", "first"), events=("events", "sum"), n_devices=("n_devices", "sum"))
        .reset_index()
        .rename(columns={"floor_key": "key"})
        .assign(kind="floor", floor_key=lambda f: f["key"])
    )
    dev = dev.sort_values("key", kind="stable")
    out = pd.concat([dev, area, floor], ignore_index=True)
    out["log_events"] = np.log1p(out["events"].astype(float))
    home_median = out.groupby(["home", "kind"])["log_events"].transform("median")
    out["log_events_vs_home"] = out["log_events"] - home_median
    out["log_devices"] = np.log1p(out["n_devices"].astype(float))
    return out


def build_graph(data: Datasets, cfg: dict) -> Graph:
    """The disjoint union of the graphs of every home in `data[PAIRS]`, using the training
    vocabularies and standardisation statistics in `cfg`."""
    pairs = data[PAIRS].reset_index(drop=True)
    nodes = data.get(NODES, pd.DataFrame())
    vocab = cfg["vocab"]
    frame = _node_frame(pairs, nodes)
    is_dev = (frame["kind"] == "device").to_numpy()
    parts = [_one_hot(frame["kind"], list(NODE_KINDS))[:, : len(NODE_KINDS)]]
    for col in NODE_CATEGORIES:
        block = _one_hot(frame[col], vocab[col])
        if col != "area_kind":  # device attributes: zero on area and floor nodes
            block[~is_dev] = 0.0
        parts.append(block)
    indoor = frame["indoor"]
    known = indoor.notna().to_numpy()
    parts.append(np.where(known, indoor.fillna(False).astype(float), 0.0)[:, None])
    parts.append((~known).astype(float)[:, None])
    cont = frame[["log_events", "log_events_vs_home", "log_devices"]].to_numpy(dtype=float)
    mean, std = np.asarray(cfg["node_mean"]), np.asarray(cfg["node_std"])
    parts.append((cont - mean) / std)
    x = np.concatenate(parts, axis=1).astype(np.float32)

    index = pd.Series(np.arange(len(frame)), index=frame["key"].to_numpy())
    dev = frame[is_dev & frame["area_key"].notna().to_numpy()]
    area = frame[(frame["kind"] == "area") & frame["floor_key"].notna()]
    src = np.concatenate([index.loc[dev["key"]].to_numpy(), index.loc[area["key"]].to_numpy()])
    dst = np.concatenate(
        [index.loc[dev["area_key"]].to_numpy(), index.loc[area["floor_key"]].to_numpy()]
    )
    struct = np.stack([np.concatenate([src, dst]), np.concatenate([dst, src])])

    keys = home_key(pairs)
    trig = index.loc[keys + "|d|" + pairs["trigger_device_id"].astype(str)].to_numpy()
    act = index.loc[keys + "|d|" + pairs["action_device_id"].astype(str)].to_numpy()
    attr = _edge_raw(pairs, vocab)
    cols = cfg["edge_scaled"]
    attr[:, cols] = (attr[:, cols] - np.asarray(cfg["edge_mean"])) / np.asarray(cfg["edge_std"])
    return Graph(
        x=torch.from_numpy(x),
        struct_index=torch.from_numpy(struct.astype(np.int64)),
        pair_index=torch.from_numpy(np.stack([trig, act]).astype(np.int64)),
        pair_attr=torch.from_numpy(attr.astype(np.float32)),
    )


def _feature_config(train: Datasets) -> dict:
    """Vocabularies and standardisation statistics, from training data only."""
    pairs, nodes = train[PAIRS], train.get(NODES, pd.DataFrame())
    vocab = _vocabularies(pairs, nodes)
    frame = _node_frame(pairs.reset_index(drop=True), nodes)
    cont = frame[["log_events", "log_events_vs_home", "log_devices"]].to_numpy(dtype=float)
    cols = _continuous_edge_columns(vocab)
    raw = _edge_raw(pairs, vocab)[:, cols].astype(float)
    return {
        "vocab": vocab,
        "node_mean": cont.mean(axis=0).round(6).tolist(),
        "node_std": np.maximum(cont.std(axis=0), 1e-6).round(6).tolist(),
        "edge_scaled": cols,
        "edge_mean": raw.mean(axis=0).round(6).tolist(),
        "edge_std": np.maximum(raw.std(axis=0), 1e-6).round(6).tolist(),
        "node_features": node_feature_names(vocab),
        "edge_features": edge_feature_names(vocab),
    }


# ---------------------------------------------------------------- network


class CandidateConv(MessagePassing):
    """Messages along candidate edges from both endpoints and the edge's features,
    relu(W_dst h_i + W_src h_j + W_e e), aggregated by max and mean (the strongest rival and
    the typical one). The projections run per node, not per edge, to keep it cheap."""

    def __init__(self, hidden: int) -> None:
        super().__init__(aggr=["max", "mean"])
        self.dst = nn.Linear(hidden, hidden)
        self.src = nn.Linear(hidden, hidden, bias=False)
        self.edge = nn.Linear(hidden, hidden, bias=False)
        self.out = nn.Linear(2 * hidden, hidden)

    def forward(self, h: torch.Tensor, edge_index: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        agg = self.propagate(edge_index, a=self.dst(h), b=self.src(h), c=self.edge(e))
        return self.out(agg)

    def message(self, a_i: torch.Tensor, b_j: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return torch.relu(a_i + b_j + c)


class SynergyNet(nn.Module):
    """Node encoder → `layers` rounds of (location SAGE + candidate messages both ways) →
    edge head on [trigger, action, trigger⊙action, edge features]."""

    def __init__(self, node_dim: int, edge_dim: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.node_in = nn.Sequential(nn.Linear(node_dim, hidden), nn.ReLU())
        self.edge_in = nn.Sequential(nn.Linear(edge_dim, hidden), nn.ReLU())
        self.location = nn.ModuleList(SAGEConv(hidden, hidden) for _ in range(layers))
        self.forward_conv = nn.ModuleList(CandidateConv(hidden) for _ in range(layers))
        self.backward_conv = nn.ModuleList(CandidateConv(hidden) for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.head = nn.Sequential(
            nn.Linear(4 * hidden, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1)
        )

    def forward(self, g: Graph) -> torch.Tensor:
        h = self.node_in(g.x)
        e = self.edge_in(g.pair_attr)
        back = g.pair_index.flip(0)
        for loc, fwd, bwd, norm in zip(
            self.location, self.forward_conv, self.backward_conv, self.norms, strict=True
        ):
            msg = loc(h, g.struct_index) + fwd(h, g.pair_index, e) + bwd(h, back, e)
            h = norm(h + torch.relu(msg))
        t, a = h[g.pair_index[0]], h[g.pair_index[1]]
        return self.head(torch.cat([t, a, t * a, e], dim=-1)).squeeze(-1)


@contextlib.contextmanager
def _torch_settings(threads: int) -> Iterator[None]:
    """Fixed thread count and deterministic kernels, restored afterwards."""
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det, warn_only=old_warn)


def _safe_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The best-F1 threshold moved halfway (in logit space) to the next lower score, so the
    cut sits between validation scores instead of on one."""
    best = best_f1_threshold(y, score)
    lower = score[score < best]
    if lower.size == 0:
        return best
    lo, hi = np.clip([lower.max(), best], 1e-7, 1 - 1e-7)
    mid = (np.log(lo / (1 - lo)) + np.log(hi / (1 - hi))) / 2
    return float(1 / (1 + np.exp(-mid)))


# ---------------------------------------------------------------- estimator


class SynergyGNN:
    """Edge classifier over home graphs; `fit(train_datasets, seed)` and `predict_proba(data)`
    take `Datasets` (pairs + nodes), outputs are aligned with `data["synergy_gnn"]` rows."""

    model_name = "synergy_gnn"

    def __init__(self, params: dict | None = None) -> None:
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.config: dict = {}
        self.threshold = 0.5
        self.net: SynergyNet | None = None
        self.history: dict = {}
        self.validation: Datasets | None = None  # validation homes of the last fit (not saved)
        self.rule: dict | None = None  # the tuned rule: window_s, min_cooccur, min_lift
        self.gbm = None  # the pair-feature gradient boosting baseline
        self.gbm_threshold = 0.5

    def _new_net(self) -> SynergyNet:
        p = self.params
        return SynergyNet(
            len(self.config["node_features"]),
            len(self.config["edge_features"]),
            p["hidden"],
            p["layers"],
            p["dropout"],
        )

    def fit(self, train: Datasets, seed: int = 0, init: SynergyGNN | None = None) -> Self:
        """Train on `train` minus validation homes; pick the epoch and threshold on those.

        With `init` (a fitted model), fine-tune: start from its weights with its feature
        vocabularies and scaling (so the inputs mean what they meant), take smaller steps, and
        keep its weights unless an epoch scores better on the validation homes."""
        started = time.perf_counter()
        if init is not None:
            assert init.net is not None, "init is not fitted"
            self.params = dict(init.params)
        p = self.params
        pairs = train[PAIRS].reset_index(drop=True)
        nodes = train.get(NODES, pd.DataFrame())
        fit_mask, valid_mask = split_by_home(pairs, p["valid_share"], seed)
        fit_part = _subset(pairs, nodes, fit_mask)
        valid_part = _subset(pairs, nodes, valid_mask)
        self.config = init.config if init is not None else _feature_config(fit_part)
        y_fit = torch.tensor(fit_part[PAIRS][LABEL].astype(float).to_numpy(), dtype=torch.float32)
        y_valid = valid_part[PAIRS][LABEL].astype(bool).to_numpy()
        with _torch_settings(p["threads"]):
            torch.manual_seed(seed)
            g_fit, g_valid = (
                build_graph(fit_part, self.config),
                build_graph(valid_part, self.config),
            )
            self.net = net = self._new_net()
            lr = p["lr"]
            best = (-np.inf, -np.inf)
            best_state, best_epoch, stale, epoch = None, 0, 0, 0
            if init is not None:
                net.load_state_dict(init.net.state_dict())
                lr = p["lr"] * FINETUNE_LR_SCALE
                best = _validation_key(y_valid, self._scores(g_valid))
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            positives = float(y_fit.sum())
            ratio = (len(y_fit) - positives) / max(positives, 1.0)
            loss_fn = nn.BCEWithLogitsLoss(
                pos_weight=torch.tensor(min(ratio, p["pos_weight_cap"]), dtype=torch.float32)
            )
            opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=p["weight_decay"])
            for epoch in range(1, p["max_epochs"] + 1):
                net.train()
                opt.zero_grad()
                loss = loss_fn(net(g_fit), y_fit)
                loss.backward()
                opt.step()
                if epoch % p["eval_every"]:
                    continue
                score = self._scores(g_valid)
                key = _validation_key(y_valid, score)
                if key > best:
                    best, best_epoch, stale = key, epoch, 0
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    stale += 1
                    if stale >= p["patience"]:
                        break
            if best_state is not None:
                net.load_state_dict(best_state)
            valid_score = self._scores(g_valid)
        self.threshold = (
            _safe_threshold(y_valid, valid_score) if 0 < y_valid.sum() < y_valid.size else 0.5
        )
        valid_metrics = binary_metrics(y_valid, valid_score >= self.threshold, valid_score)
        self.history = {
            "epochs_run": epoch,
            "best_epoch": best_epoch,
            "fine_tuned": init is not None,
            "valid_homes": count_homes(valid_part[PAIRS]),
            "valid_rows": int(valid_mask.sum()),
            "valid": {k: v for k, v in valid_metrics.items() if k != "confusion"},
            "fit_seconds": round(time.perf_counter() - started, 3),
        }
        self.validation = valid_part
        self.fit_baselines(fit_part, valid_part, seed)
        return self

    def fit_baselines(self, fit_part: Datasets, valid_part: Datasets, seed: int) -> Self:
        """The tuned rule (grid on the validation homes) and the pair-feature gradient
        boosting (fitted on the fit homes, thresholded on the validation homes)."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        valid = valid_part[PAIRS]
        self.rule = tune_rule(valid, valid[LABEL].astype(bool).to_numpy())
        fit = fit_part[PAIRS]
        y_fit = fit[LABEL].astype(bool).to_numpy()
        if 0 < y_fit.sum() < y_fit.size:
            self.gbm = HistGradientBoostingClassifier(random_state=seed, **GBM_PARAMS)
            self.gbm.fit(_edge_raw(fit, self.config["vocab"]), y_fit)
            y_valid = valid[LABEL].astype(bool).to_numpy()
            if 0 < y_valid.sum() < y_valid.size:
                self.gbm_threshold = best_f1_threshold(y_valid, self.gbm_scores(valid))
        return self

    def rule_scores(self, pairs: pd.DataFrame) -> np.ndarray:
        """The tuned rule as a score: min(co-occurrences / c, lift / l); linked when >= 1."""
        if self.rule is None:
            raise RuntimeError("no tuned rule (a version saved before baselines were stored)")
        return rule_score(pairs, self.rule)

    def gbm_scores(self, pairs: pd.DataFrame) -> np.ndarray:
        if self.gbm is None:
            raise RuntimeError("no gradient-boosting baseline")
        return self.gbm.predict_proba(_edge_raw(pairs, self.config["vocab"]))[:, 1]

    def _scores(self, g: Graph) -> np.ndarray:
        assert self.net is not None, "not fitted"
        self.net.eval()
        with torch.no_grad():
            out = torch.sigmoid(self.net(g)).numpy().astype(np.float64)
        return out

    def predict_proba(self, data: Datasets) -> np.ndarray:
        """P(linked) for every row of `data["synergy_gnn"]`, in row order."""
        if len(data[PAIRS]) == 0:
            return np.zeros(0)
        with _torch_settings(self.params["threads"]):
            return self._scores(build_graph(data, self.config))

    def predict(self, data: Datasets) -> np.ndarray:
        return self.predict_proba(data) >= self.threshold

    # -------------------------------------------------------------- persistence (no pickle)

    def save(self, folder: Path) -> list[str]:
        """`synergy_gnn.pt` (a tensor-only state_dict) and `synergy_gnn.json` (the rest)."""
        assert self.net is not None, "not fitted"
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self.net.state_dict(), folder / WEIGHTS_FILE)
        config = {
            "model": self.model_name,
            "format_version": FORMAT_VERSION,
            "params": self.params,
            "threshold": self.threshold,
            "features": self.config,
            "history": self.history,
        }
        config["baseline_rule"] = self.rule
        config["gbm_threshold"] = self.gbm_threshold
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=1, sort_keys=True) + "\n")
        files = [WEIGHTS_FILE, CONFIG_FILE]
        if self.gbm is not None:
            safe_skops.dump(self.gbm, folder / GBM_FILE)
            files.append(GBM_FILE)
        return files

    @classmethod
    def load(cls, folder: Path) -> Self:
        """Rebuild from the JSON config and the state_dict, read with `weights_only=True` (a
        file holding anything but tensors and plain containers is refused)."""
        config = json.loads((folder / CONFIG_FILE).read_text())
        if config.get("model") != cls.model_name:
            raise ValueError(f"{folder} holds {config.get('model')!r}, not {cls.model_name!r}")
        model = cls(config["params"])
        model.config = config["features"]
        model.threshold = float(config["threshold"])
        model.history = config.get("history", {})
        model.net = model._new_net()
        state = torch.load(folder / WEIGHTS_FILE, weights_only=True, map_location="cpu")
        model.net.load_state_dict(state)
        model.net.eval()
        model.rule = config.get("baseline_rule")
        model.gbm_threshold = float(config.get("gbm_threshold", 0.5))
        if (folder / GBM_FILE).exists():
            model.gbm = safe_skops.load(folder / GBM_FILE)
        return model


def _validation_key(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """Early-stopping criterion: average precision, then best F1 (higher is better)."""
    if not 0 < y.sum() < y.size:
        return (0.0, 0.0)
    ap = float(average_precision_score(y, score))
    f1 = binary_metrics(y, score >= best_f1_threshold(y, score))["f1"]
    return (round(ap, 4), f1)


def _subset(pairs: pd.DataFrame, nodes: pd.DataFrame, mask: np.ndarray) -> Datasets:
    part = pairs[mask].reset_index(drop=True)
    if len(nodes):
        nodes = nodes[np.isin(home_key(nodes), np.unique(home_key(part)))].reset_index(drop=True)
    return {PAIRS: part, NODES: nodes}


# ---------------------------------------------------------------- evaluation


def permutation_importance(
    model: SynergyGNN, data: Datasets, seed: int = 0, repeats: int = 3
) -> dict[str, float]:
    """Drop in average precision when one pair column (or node attribute) is shuffled across
    rows — a cheap importance on validation homes."""
    pairs = data[PAIRS].reset_index(drop=True)
    nodes = data.get(NODES, pd.DataFrame()).reset_index(drop=True)
    y = pairs[LABEL].astype(bool).to_numpy()
    if not 0 < y.sum() < y.size:
        return {}
    base = average_precision_score(y, model.predict_proba({PAIRS: pairs, NODES: nodes}))
    pair_cols = [
        "relationship",
        *FLAG_COLUMNS,
        *COUNT_COLUMNS,
        *COVERAGE_COLUMNS,
        *LIFT_COLUMNS,
        *LAG_COLUMNS,
    ]
    node_cols = [c for c in ("device_type", "area_kind", "events") if c in nodes]
    rng = np.random.default_rng(seed)
    out = {}
    for col in pair_cols + [f"node.{c}" for c in node_cols]:
        drops = []
        for _ in range(repeats):
            p, n = pairs, nodes
            if col.startswith("node."):
                c = col[5:]
                n = nodes.assign(**{c: rng.permutation(nodes[c].to_numpy())})
            else:
                p = pairs.assign(**{col: rng.permutation(pairs[col].to_numpy())})
            drops.append(
                base - average_precision_score(y, model.predict_proba({PAIRS: p, NODES: n}))
            )
        out[col] = round(float(np.mean(drops)), 4)
    return out


# ---------------------------------------------------------------- baselines


def rule_score(pairs: pd.DataFrame, rule: dict) -> np.ndarray:
    """min(cooccur_<w>s / c, lift_<w>s / l): at least 1 exactly when the rule links the pair."""
    w = int(rule["window_s"])
    cooccur = pd.to_numeric(pairs[f"cooccur_{w}s"], errors="coerce").fillna(0).to_numpy(float)
    lift = pd.to_numeric(pairs[f"lift_{w}s"], errors="coerce").fillna(0).to_numpy(float)
    return np.minimum(cooccur / float(rule["min_cooccur"]), lift / float(rule["min_lift"]))


def tune_rule(pairs: pd.DataFrame, y: np.ndarray) -> dict:
    """The window, minimum co-occurrences and minimum lift with the best F1 on `pairs` (the
    validation homes); ties keep the first grid point (shortest window, lowest thresholds)."""
    y = np.asarray(y, bool)
    best, best_f1 = {"window_s": WINDOWS[0], "min_cooccur": 1, "min_lift": 1.0}, -1.0
    c_grid = np.asarray(RULE_MIN_COOCCUR, float)
    l_grid = np.asarray(RULE_MIN_LIFT, float)
    for w in WINDOWS:
        cooccur = pd.to_numeric(pairs[f"cooccur_{w}s"], errors="coerce").fillna(0).to_numpy()
        lift = pd.to_numeric(pairs[f"lift_{w}s"], errors="coerce").fillna(0).to_numpy()
        linked = (cooccur[:, None, None] >= c_grid[None, :, None]) & (
            lift[:, None, None] >= l_grid[None, None, :]
        )
        tp = (linked & y[:, None, None]).sum(axis=0)
        flagged = linked.sum(axis=0)
        f1 = 2 * tp / np.maximum(flagged + y.sum(), 1)
        i, j = np.unravel_index(int(np.argmax(f1)), f1.shape)
        if f1[i, j] > best_f1:
            best_f1 = float(f1[i, j])
            best = {"window_s": int(w), "min_cooccur": int(c_grid[i]), "min_lift": float(l_grid[j])}
    return {**best, "valid_f1": round(max(best_f1, 0.0), 4), "valid_rows": int(y.size)}


# ---------------------------------------------------------------- evaluation


BASELINES = {"baseline_": BASELINE_NAME, "gbm_": GBM_NAME}


def outputs(predictor: SynergyGNN, data: Datasets) -> dict[str, np.ndarray]:
    """Per pair: the GNN's score and verdict, the tuned rule's and the gradient boosting's
    (stored with the version; absent for a version saved without them)."""
    pairs = data[PAIRS].reset_index(drop=True)
    score = predictor.predict_proba({PAIRS: pairs, NODES: data.get(NODES, pd.DataFrame())})
    out = {"score": score, "pred": score >= predictor.threshold}
    if predictor.rule is not None:
        rule = predictor.rule_scores(pairs)
        out |= {"baseline_score": rule, "baseline_pred": rule >= 1.0}
    if predictor.gbm is not None:
        gbm = predictor.gbm_scores(pairs)
        out |= {"gbm_score": gbm, "gbm_pred": gbm >= predictor.gbm_threshold}
    return out


def statistics(data: Datasets, out: dict[str, np.ndarray]) -> HomeStats:
    pairs = data[PAIRS].reset_index(drop=True)
    keys = home_key(pairs) if len(pairs) else np.zeros(0, str)
    stats = HomeStats(keys)
    y = pairs[LABEL].astype(bool).to_numpy()
    relationship = pairs["relationship"].astype(str).to_numpy()
    add_binary_outputs(stats, keys, y, out, BASELINES, by=relationship, labels=RELATIONSHIP_LABELS)
    return stats


def home_stats(predictor: SynergyGNN, data: Datasets) -> HomeStats:
    return statistics(data, outputs(predictor, data))


def _metrics() -> dict[str, Metric]:
    out = binary_by_group(BASELINES, "pairs", "relationship")
    tags = {"baseline": "baseline_", "gbm": "gbm_"}
    return out | over_baselines(out, ("f1", "auc", "precision", "recall"), tags)


METRICS: dict[str, Metric] = _metrics()


def describe(stats: HomeStats, tables: dict, prefix: str = "") -> dict:
    """Counts and the per-relationship summary of one set of verdicts (point values)."""
    if f"{prefix}tp" not in stats:
        return {}
    total = lambda name: int(round(float(stats.total(f"{prefix}{name}"))))  # noqa: E731
    by_rel = {}
    n_by = stats.total(f"{prefix}rows_by")
    pos_by = stats.total(f"{prefix}pos_by")
    fp_by = stats.total(f"{prefix}fp_by")
    for j, rel in enumerate(RELATIONSHIP_LABELS):
        if n_by[j] == 0:
            continue
        row = {
            k: tables[f"{prefix}{k}_by_relationship"][rel]["value"]
            for k in ("f1", "precision", "recall", "auc")
        }
        by_rel[rel] = {
            **{k: (v if np.isfinite(v) else 0.0) for k, v in row.items() if k != "auc"},
            "n": int(n_by[j]),
            "positives": int(pos_by[j]),
            "false_positives": int(fp_by[j]),
            **({"auc": row["auc"]} if np.isfinite(row["auc"]) else {}),
        }
    return {
        "n": total("rows"),
        "positives": total("pos"),
        "confusion": [[total("tn"), total("fp")], [total("fn"), total("tp")]],
        "by_relationship": by_rel,
    }


def train_and_evaluate(
    train: Datasets,
    test: Datasets,
    plots_dir: Path,
    seed: int = 0,
    init: SynergyGNN | None = None,
) -> tuple[SynergyGNN, ModelReport]:
    """Fit on the training cycles (or fine-tune `init`, the champion, on the new cycles in
    `train`), evaluate on the benchmark homes against the tuned rule and the pair-feature
    gradient boosting."""
    started = time.perf_counter()
    model = SynergyGNN().fit(train, seed, init=init)
    test_pairs = test[PAIRS].reset_index(drop=True)
    test = {PAIRS: test_pairs, NODES: test.get(NODES, pd.DataFrame())}
    y = test_pairs[LABEL].astype(bool).to_numpy()
    out = outputs(model, test)
    stats = statistics(test, out)
    metrics, baseline, estimates, tables = evaluate_report(
        METRICS, BASELINES, stats, seed, lambda prefix, t: describe(stats, t, prefix)
    )
    gbm = {k[len("gbm_") :]: e["value"] for k, e in estimates.items() if k.startswith("gbm_")}
    for rel, row in metrics["by_relationship"].items():
        row["baseline_f1"] = baseline["by_relationship"].get(rel, {}).get("f1", 0.0)

    assert model.validation is not None
    importance = permutation_importance(model, model.validation, seed)
    plots_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "confusion": plots.confusion_png(
            metrics["confusion"],
            ["not linked", "linked"],
            plots_dir / "synergy_gnn_confusion.png",
            "synergy GNN — benchmark homes",
        ),
        "roc_pr": plots.roc_pr_png(
            y,
            {
                "synergy GNN": out["score"],
                "tuned rule": out["baseline_score"],
                "gradient boosting (no graph)": out["gbm_score"],
            }
            if "gbm_score" in out
            else {"synergy GNN": out["score"], "tuned rule": out["baseline_score"]},
            plots_dir / "synergy_gnn_roc_pr.png",
            "synergy GNN vs its baselines — benchmark homes",
        ),
        "importance": plots.importance_png(
            list(importance),
            np.asarray(list(importance.values())),
            plots_dir / "synergy_gnn_importance.png",
            "permutation importance (drop in average precision, validation homes)",
        ),
    }
    train_pairs = train[PAIRS]
    samples = {
        "train_rows": int(len(train_pairs)),
        "train_homes": count_homes(train_pairs),
        "train_positives": int(train_pairs[LABEL].astype(bool).sum()),
        "valid_rows": model.history["valid_rows"],
        "valid_homes": model.history["valid_homes"],
        "test_rows": int(len(test_pairs)),
        "test_homes": count_homes(test_pairs),
        "test_positives": int(y.sum()),
    }
    report = ModelReport(
        model=model.model_name,
        metrics=metrics,
        baseline_name=BASELINE_NAME,
        baseline=baseline,
        samples=samples,
        plots={k: str(v) for k, v in paths.items()},
        seconds=round(time.perf_counter() - started, 3),
        params={
            **model.params,
            "seed": seed,
            "threshold": round(model.threshold, 6),
            "node_features": len(model.config["node_features"]),
            "edge_features": len(model.config["edge_features"]),
            "epochs_run": model.history["epochs_run"],
            "best_epoch": model.history["best_epoch"],
            "fit_seconds": model.history["fit_seconds"],
            "validation": model.history["valid"],
            "importance": importance,
            "baseline_rule": model.rule,
            "gbm": {**GBM_PARAMS, "threshold": round(model.gbm_threshold, 6), **gbm},
        },
        estimates=estimates,
        tables=tables,
        baselines=BASELINES,
    )
    return model, report
