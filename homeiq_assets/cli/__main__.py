"""`python -m homeiq_assets.cli`: the same entry point as the `homeiq` script."""

from homeiq_assets.cli.main import run

run()
