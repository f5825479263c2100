"""Forked worker pools: started at once, with the parent's objects frozen for the workers only."""

from __future__ import annotations

import gc
import multiprocessing as mp

import pytest

from homeiq_assets.workers import forked_pool

pytestmark = pytest.mark.skipif(
    "fork" not in mp.get_all_start_methods(), reason="the pool forks where the platform can"
)


def test_workers_start_at_once_with_what_the_parent_held_frozen():
    before = gc.get_freeze_count()
    children = {p.pid for p in mp.active_children()}
    pool = forked_pool(2)
    try:
        # the parent's own collector is back as it was: nothing it holds stays frozen
        assert gc.get_freeze_count() == before
        # both workers are running before the caller submits anything
        workers = {p.pid for p in mp.active_children()} - children
        assert len(workers) == 2
        # each worker inherited the parent's objects frozen: its collections skip them
        frozen = [pool.submit(gc.get_freeze_count).result() for _ in range(2)]
        assert min(frozen) > before + 1000
    finally:
        pool.shutdown()


def test_a_pool_returns_its_workers_results_in_order():
    with forked_pool(2) as pool:
        assert list(pool.map(abs, range(-5, 0))) == [5, 4, 3, 2, 1]
