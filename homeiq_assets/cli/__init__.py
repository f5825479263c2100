"""The `homeiq` command line, one module per command group; `homeiq_assets.cli.main:main` is
the entry point. Commands that need Dagster import it only when they run."""
