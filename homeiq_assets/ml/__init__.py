"""Models of DESIGN §7 (no Dagster): features from collected data, scikit-learn-style
estimators, metrics on held-out homes, plots, and the versioned model registry."""

from homeiq_assets.ml.registry import load_deployed as load_deployed
