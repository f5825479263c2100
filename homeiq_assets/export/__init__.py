"""Exporters that turn simulator output into files other tools open as their own (e.g. a Home
Assistant configuration directory), so simulated homes can be inspected with real software."""
