"""Worker processes for collection and exports.

Workers come from a fork server: a small process started once (its own imports only) that
forks each worker. Forking the caller itself would copy whatever it holds — a Dagster step's
threads and the data of earlier assets — into every worker, and each worker's resident memory
would count it again; a fork server's children start from the server's few hundred MB.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.context import BaseContext

PRELOAD = ["homeiq_assets.collect.collector", "homeiq_assets.export.cycle_exports"]


def worker_context() -> BaseContext | None:
    """The fork-server context (where the platform has one), with the collection and export
    code preloaded so each worker starts without importing it again."""
    if "forkserver" not in mp.get_all_start_methods():
        return None
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx
