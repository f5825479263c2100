"""How a job's steps run, chosen by `HOMEIQ_EXECUTOR` (read when the code location loads):

- `in_process` (default): every step of a run in the run's own process, one after the other.
  On one small box this is the fastest: a process per step would import the code location ~30
  times per cycle. The simulation still spreads its shards of homes over `HOMEIQ_WORKERS`
  processes inside its step.
- `multiprocess`: one process per step, `HOMEIQ_WORKERS` at a time, on the machine of the run.
- `k8s`: one Kubernetes pod per step (`dagster_k8s.k8s_job_executor`, extra `homeiq-assets[k8s]`),
  for a deployment whose runs start as Kubernetes jobs (`K8sRunLauncher`, `deploy/k8s/`).
- `celery`: steps as Celery tasks on a worker pool (`dagster_celery.celery_executor`, extra
  `homeiq-assets[celery]`; broker from `HOMEIQ_CELERY_BROKER`).

With any of the last three, what is independent runs at the same time: in a cycle the
collection stages (patterns, synergies, Ask-AI, home profiles, device health, the HA snapshots)
and each champion's monitoring; in `training_job` the five models' lifecycles, each challenger
→ evaluation → gate → champion chain on its own. No Dagster definitions live here.
"""

from __future__ import annotations

import os

import dagster as dg

EXECUTORS = ("in_process", "multiprocess", "k8s", "celery")


class ExecutorSettingError(ValueError):
    """HOMEIQ_EXECUTOR names an executor that is unknown or not installed."""


def executor_name() -> str:
    name = os.environ.get("HOMEIQ_EXECUTOR", "in_process").strip() or "in_process"
    if name not in EXECUTORS:
        raise ExecutorSettingError(
            f"HOMEIQ_EXECUTOR: {name!r} is not one of {', '.join(EXECUTORS)}"
        )
    return name


def job_executor() -> dg.ExecutorDefinition:
    """The executor of the cycle and training jobs (see the module doc)."""
    name = executor_name()
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        from homeiq_assets.settings import settings

        return dg.multiprocess_executor.configured({"max_concurrent": settings().workers})
    if name == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError:
            raise ExecutorSettingError(
                "HOMEIQ_EXECUTOR: k8s needs dagster-k8s (pip install 'homeiq-assets[k8s]')"
            ) from None
        return k8s_job_executor
    try:
        from dagster_celery import celery_executor
    except ImportError:
        raise ExecutorSettingError(
            "HOMEIQ_EXECUTOR: celery needs dagster-celery (pip install 'homeiq-assets[celery]')"
        ) from None
    broker = os.environ.get("HOMEIQ_CELERY_BROKER")
    return celery_executor.configured({"broker": broker}) if broker else celery_executor
