"""Reclaim background tasks whose worker died.

django-tasks' database backend (django-tasks-db) claims a task by setting its `DBTaskResult`
row to RUNNING with `started_at` and appending the worker's id to `worker_ids`; it has no
heartbeat, so a worker killed mid-task (`kill -9`, OOM, a lost machine) leaves the row RUNNING
forever. This module gives RUNNING a lease: a row RUNNING for longer than
`LYFTA_TASK_LEASE_SECONDS` is taken to belong to a dead worker and is put back to READY, to be
run again by any worker (so tasks are at least once: each task must be safe to run again, see
docs/configuration.md). After `LYFTA_TASK_MAX_ATTEMPTS` attempts (the length of `worker_ids`) it
is marked FAILED instead, so a task that kills its worker every time does not loop forever.

Each row is changed by one conditional UPDATE (status still RUNNING and `started_at` unchanged),
so two schedulers reclaiming at once, or a worker that finishes just then, never both win.
Run by `manage.py run_scheduler` on every pass and by `manage.py reclaim_tasks`."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("lyfta.tasks")

WORKER_LOST = "core.tasks_reclaim.WorkerLost"


class WorkerLost(Exception):
    """Recorded on a task given up after its workers died `LYFTA_TASK_MAX_ATTEMPTS` times."""


@dataclass
class Reclaimed:
    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LYFTA_TASK_LEASE_SECONDS)


def reclaim_stale_tasks(now: dt.datetime | None = None, *, lease_seconds: float | None = None) -> Reclaimed:
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - (dt.timedelta(seconds=lease_seconds) if lease_seconds is not None else lease())
    max_attempts = settings.LYFTA_TASK_MAX_ATTEMPTS
    result = Reclaimed()
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).only(
        "id", "started_at", "worker_ids", "task_path")
    for row in stale:
        same = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        attempts = len(row.worker_ids or [])
        if attempts >= max_attempts:
            changed = same.update(
                status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
                exception_class_path=WORKER_LOST,
                traceback=f"{WORKER_LOST}: worker {row.worker_ids[-1] if row.worker_ids else '?'} did not finish "
                          f"within {settings.LYFTA_TASK_LEASE_SECONDS} s; given up after {attempts} attempts\n")
            if changed:
                result.failed.append(str(row.pk))
                logger.error("task %s (%s) given up after %d lost workers", row.pk, row.task_path, attempts)
        else:
            changed = same.update(status=TaskResultStatus.READY, run_after=now, started_at=None)
            if changed:
                result.retried.append(str(row.pk))
                logger.warning("task %s (%s) reclaimed from lost worker %s (attempt %d of %d)", row.pk,
                               row.task_path, row.worker_ids[-1] if row.worker_ids else "?", attempts, max_attempts)
    return result
