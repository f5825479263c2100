"""Worker processes: forked pools that start small.

Work is spread over processes forked from the one that read the shared inputs, so workers
inherit them without pickling. A forked worker starts with every page its parent holds, and
counts them in its resident size (shared until written, but pages the system must keep). By the
time a cycle forks its export workers it has read and freed tables; glibc keeps most of what
was freed in its heap unless asked to give it back, so each worker would start with tens of MB
the parent no longer uses, more the larger the fleet. `malloc_trim` gives it back before the
fork (`homeiq_assets.allocator`; Arrow allocates through malloc too).
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

from homeiq_assets.allocator import release_free_memory


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes forked (where the platform forks) from this one, with
    its free memory returned to the system first."""
    release_free_memory()
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
