"""Exports stage: per-model dataset exports (this cycle and every cycle so far) and Home
Assistant configuration snapshots of sample homes."""
