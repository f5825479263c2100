"""Exports (no Dagster): the per-model training datasets in the formats trainers read, each
with a manifest and the lineage of exactly the records it holds (`datasets`, `cycle_exports`),
and Home Assistant snapshots of simulated homes that real Home Assistant code opens as its own
(`home_assistant`)."""
