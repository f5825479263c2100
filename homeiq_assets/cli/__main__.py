"""`python -m homeiq_assets.cli`: the same entry point as the `homeiq` script."""

import sys

from homeiq_assets.cli.main import main

sys.exit(main())
