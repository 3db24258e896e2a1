"""The lease on RUNNING tasks of the database backend (core.tasks_reclaim)."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from access.tasks import deactivate_dormant_accounts
from core.tasks_reclaim import WORKER_LOST, reclaim_stale_tasks


def _running(started_ago: dt.timedelta, workers: list[str]) -> DBTaskResult:
    result = deactivate_dormant_accounts.using(backend="db").enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=timezone.now() - started_ago,
                                                     worker_ids=workers)
    return DBTaskResult.objects.get(pk=result.id)


def test_running_task_past_its_lease_is_put_back_in_the_queue(db, settings):
    settings.LYFTA_TASK_LEASE_SECONDS = 600
    stale = _running(dt.timedelta(minutes=11), ["w1"])
    fresh = _running(dt.timedelta(minutes=9), ["w2"])
    result = reclaim_stale_tasks()
    assert result.retried == [str(stale.pk)] and result.failed == []
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == "READY" and stale.started_at is None and stale.worker_ids == ["w1"]
    assert DBTaskResult.objects.ready().filter(pk=stale.pk).exists()
    assert fresh.status == "RUNNING"
    assert reclaim_stale_tasks().retried == []  # nothing twice


def test_task_whose_workers_keep_dying_is_given_up(db, settings):
    settings.LYFTA_TASK_MAX_ATTEMPTS = 3
    row = _running(dt.timedelta(hours=1), ["w1", "w2", "w3"])
    assert reclaim_stale_tasks().failed == [str(row.pk)]
    row.refresh_from_db()
    assert row.status == "FAILED" and row.exception_class_path == WORKER_LOST and "3 attempts" in row.traceback


def test_a_task_finished_meanwhile_is_not_reclaimed(db):
    row = _running(dt.timedelta(hours=1), ["w1"])
    row.set_successful(1)  # the worker finished between the scan and the conditional update
    assert reclaim_stale_tasks().retried == []
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_reclaimed_task_runs_again_on_a_worker():
    row = _running(dt.timedelta(hours=1), ["lost"])
    call_command("reclaim_tasks")
    call_command("db_worker", "--backend", "db", "--batch", "--no-startup-delay", "--queue-name", "*",
                 "--worker-id", "second")
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL" and row.worker_ids == ["lost", "second"]


def test_scheduler_pass_reclaims(db, capsys):
    _running(dt.timedelta(hours=1), ["lost"])
    call_command("run_scheduler", "--once")
    assert "reclaimed: 1 retried" in capsys.readouterr().out
