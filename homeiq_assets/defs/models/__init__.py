"""Models stage: the benchmark fleet and, per model, a challenger trained on every cycle so far
(or updated from the champion), its A/B evaluation against the champion on the same benchmark
rows with the blocking quality gate, and the training jobs (`retrain_<model>`, `training_job`).
"""
