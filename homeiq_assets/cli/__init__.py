"""The `homeiq` command line, one module per command group; `homeiq_assets.cli.main:run` is
the entry point (`main` for callers in the same process). Commands that need Dagster import it
only when they run."""
