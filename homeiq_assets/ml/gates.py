"""Quality gates of DESIGN §7: each metric's threshold on held-out homes."""

from __future__ import annotations

from dataclasses import dataclass, field

# metric -> minimum; `*_over_baseline` metrics are model minus baseline
GATES: dict[str, dict[str, float]] = {
    # on the four structures a home's sensors can tell apart (studio, flat, townhouse,
    # detached house); eight-class figures and the ceiling are reported beside it
    "home_type": {"structural_accuracy": 0.90, "structural_macro_f1": 0.85},
    # per failure event and alert episode after the burn-in (`ml.device_events`): predictable
    # failures warned 1-7 days ahead, alert episodes followed by a failure, device-day accuracy
    "device_failure": {"event_recall": 0.80, "alert_precision": 0.80, "day_accuracy": 0.85},
    # per anomaly episode: detected within its first DETECTION_DAYS days; alert episodes that
    # overlap an anomaly
    "device_anomaly": {"episode_recall": 0.80, "alert_precision": 0.80},
    "synergy_gnn": {"f1": 0.85, "auc": 0.90, "f1_over_baseline": 0.10},
    "pattern_quality": {"auc": 0.85, "auc_over_baseline": 0.0001},
}


# the one metric that sums a model up: what the readiness report leads with, what a challenger
# is compared on with the champion, and what the degradation sensor watches
HEADLINE: dict[str, str] = {
    "home_type": "structural_accuracy",
    "device_failure": "event_recall",
    "device_anomaly": "episode_f1",
    "synergy_gnn": "f1",
    "pattern_quality": "auc",
}


@dataclass
class GateResult:
    model: str
    passed: bool
    failing: dict[str, tuple[float, float]] = field(default_factory=dict)  # metric: (value, min)

    def describe(self) -> str:
        if self.passed:
            return f"{self.model}: gate passed"
        parts = [f"{m} {v:.3f} < {t:.2f}" for m, (v, t) in self.failing.items()]
        return f"{self.model}: gate failed ({', '.join(parts)})"


def evaluate_gate(model: str, metrics: dict[str, float]) -> GateResult:
    """Compare a model's held-out metrics with its gate; a missing or undefined (NaN) metric
    fails (e.g. no failure event on the benchmark homes after the burn-in: no evidence)."""
    failing = {}
    for metric, minimum in GATES[model].items():
        value = metrics.get(metric)
        if value is None or not value >= minimum:
            failing[metric] = (float(value) if value is not None else float("nan"), minimum)
    return GateResult(model, not failing, failing)
