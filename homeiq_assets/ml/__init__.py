"""Models and their machinery (no Dagster): the five models in `models`, the data they read
(`data`, `benchmark`), held-out metrics, plots and quality gates (`metrics`, `plots`, `gates`),
training (`training`), the versioned registry with checksums (`registry`, `safe_skops`) and the
production-readiness report (`readiness`)."""

from homeiq_assets.ml.registry import load_deployed as load_deployed
