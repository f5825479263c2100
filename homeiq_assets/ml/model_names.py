"""The names of the five models and of the two training modes, in a module that imports
nothing: the command line offers them as choices when it builds its parser, and pulling in
the training machinery for that made every `homeiq` command (`generate` included) start
slower."""

from __future__ import annotations

MODEL_NAMES = ("home_type", "device_failure", "device_anomaly", "synergy_gnn", "pattern_quality")
MODES = ("full", "incremental")
