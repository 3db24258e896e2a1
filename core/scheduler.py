"""Periodic background work. django-tasks has no scheduler of its own, so this registry
plus `manage.py run_scheduler` enqueue registered tasks when due. The `ScheduledRun` row is
locked while deciding, so several scheduler processes never enqueue the same run twice."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    name: str
    task_path: str  # dotted path to a django-tasks Task
    every: dt.timedelta


_registry: dict[str, Periodic] = {}


def register(name: str, task_path: str, every: dt.timedelta) -> None:
    _registry[name] = Periodic(name, task_path, every)


def registered() -> list[Periodic]:
    return list(_registry.values())


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    from django.utils.module_loading import import_string

    from .models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    for job in registered():
        with transaction.atomic():
            ScheduledRun.objects.get_or_create(name=job.name)
            run = ScheduledRun.objects.select_for_update().get(name=job.name)
            if run.last_enqueued_at and run.last_enqueued_at + job.every > now:
                continue
            run.last_enqueued_at = now
            run.save(update_fields=["last_enqueued_at"])
            task = import_string(job.task_path)
            transaction.on_commit(task.enqueue)
            enqueued.append(job.name)
    return enqueued
