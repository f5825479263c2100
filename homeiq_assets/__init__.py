"""homeiq-assets: simulated Home Assistant homes with known ground truth, the detection stages a
smart-home AI runs over them, the labelled datasets they yield, and the models trained, gated
and deployed from those datasets. The plain core (`sim`, `collect`, `export`, `ml`) never
imports Dagster; `defs` and `definitions` are the Dagster layer and `cli` the command line."""

import os as _os
import sys as _sys

# Arrow allocates from the C library's allocator, not its bundled mimalloc, unless the user
# chose otherwise: a cycle's large tables come and go phase by phase, and mimalloc keeps what
# they freed (a 200-home collection peaked 260 MB higher on it; measured faster without it,
# less time in the kernel). Set in the environment so worker and run processes inherit it.
_os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
if "pyarrow" in _sys.modules and _os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system":
    _sys.modules["pyarrow"].set_memory_pool(_sys.modules["pyarrow"].system_memory_pool())
