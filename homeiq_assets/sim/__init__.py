"""Simulator core (plain Python and numpy, never imports Dagster): homes with their layout,
devices and Home Assistant entities (`catalog`, `layout`), occupants (`occupancy`), the event
mechanisms that turn occupancy, darkness, weather and planted routines into state changes
(`mechanisms`, `behaviour`, `routines`), the environment (`environment`), device-health
telemetry (`health`), and sharded parallel fleet generation (`fleet`) with its schemas
(`tables`) and data-quality rules (`validate`, `realism`)."""
