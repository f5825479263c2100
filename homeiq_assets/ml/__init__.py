"""Models and their machinery (no Dagster): the five models in `models`, the data they read
(`data`, `benchmark`), held-out metrics, plots and quality gates (`metrics`, `plots`, `gates`),
training, full or incremental (`training`), the versioned registry with its champion/previous
aliases and retraining history (`registry`, `safe_skops`), scoring stored versions on any rows
with paired A/B differences (`scoring`), the lifecycle rules — promotion, degradation, data
sufficiency (`lifecycle`) — and the production-readiness report (`readiness`)."""

from homeiq_assets.ml.registry import load_deployed as load_deployed
