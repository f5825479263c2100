"""Models stage: the benchmark fleet, one asset per model trained on every cycle so far and
scored on the benchmark homes, each model's blocking quality gate, and the training job."""
