"""Simulator core: plain Python and numpy, never imports Dagster."""
