"""Worker processes: forked pools that start small.

Work is spread over processes forked from the one that read the shared inputs, so workers
inherit them without pickling. A forked worker starts with every page its parent holds, and
counts them in its resident size (shared until written, but pages the system must keep). By the
time a cycle forks its export workers it has read and freed tables; glibc keeps most of what
was freed in its heap unless asked to give it back, so each worker would start with tens of MB
the parent no longer uses, more the larger the fleet. `malloc_trim` gives it back before the
fork (Arrow allocates through malloc too: see `homeiq_assets/__init__.py`).

The parent's objects are frozen for the fork (`gc.freeze`, as Python's documentation advises
for fork without exec): a worker's garbage collections then skip the thousands of objects it
inherited, instead of walking them, and writing to their pages, on every full collection.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing as mp
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache


def forked_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes forked (where the platform forks) from this one now,
    with its free memory returned to the system first and its objects frozen for them."""
    release_free_memory()
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    gc.freeze()  # the workers inherit them frozen; this process unfreezes them at once
    try:
        pool.submit(int).result()  # forks every worker (a fork pool starts them together)
    finally:
        gc.unfreeze()
    return pool


def map_in_workers(fn: Callable, jobs: list, workers: int) -> Iterator:
    """`fn` of each job, in job order: in up to `workers` processes forked from this one when
    there are several jobs and workers, else in this process (no fork for a single job).
    The pool is forked when the first result is asked for and shut down after the last (or
    when the iterator is dropped); jobs must pickle, results too."""
    if workers > 1 and len(jobs) > 1:
        with forked_pool(min(workers, len(jobs))) as pool:
            yield from pool.map(fn, jobs)
    else:
        yield from map(fn, jobs)


def release_free_memory() -> None:
    """Collect the young generations' garbage and hand the heap's free pages back to the
    system (glibc only; a no-op elsewhere).

    Not a full collection: it walks every object the process holds (0.15 s in a Dagster run,
    which holds 250,000, once per step that forks) to free a thousand or two; what a step
    freed is freed by reference counting, and recent cycles are in the young generations."""
    gc.collect(1)
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
