"""The five models, each a scikit-learn-style estimator with its baseline and a non-pickle save
format: home type, device failure, device anomaly (sharing the rolling telemetry features of
`health_features`), the synergy GNN and pattern quality. The machinery they share (data,
metrics, plots, gates, registry, training, readiness report) lives one level up in `ml`."""
