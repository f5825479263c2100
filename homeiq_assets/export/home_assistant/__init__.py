"""Home Assistant snapshots: one simulated home as a configuration directory Home Assistant opens
as its own, with the `.storage` registries (`registries`), the recorder database with states,
events and long-term statistics (`recorder`, `statistics`), and `snapshot`, which writes them
atomically."""
