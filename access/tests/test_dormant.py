import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.models import User
from access.tasks import deactivate_dormant_accounts
from audit.models import AuditEvent
from tests import factories as f


def test_dormant_accounts_are_deactivated_by_background_task(db, settings):
    settings.LYFTA_DORMANT_AFTER_DAYS = 365
    old = f.UserFactory(username="gammal")
    recent = f.UserFactory(username="aktiv")
    User.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=400))
    User.objects.filter(pk=recent.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=10))
    result = deactivate_dormant_accounts.enqueue()
    assert result.return_value == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.is_active and old.deactivated_reason
    assert recent.is_active
    assert AuditEvent.objects.filter(action="user.deactivated_dormant", object_id=str(old.pk)).exists()


def test_period_is_configurable(db, settings):
    settings.LYFTA_DORMANT_AFTER_DAYS = 30
    u = f.UserFactory()
    User.objects.filter(pk=u.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=31))
    assert deactivate_dormant_accounts.enqueue().return_value == 1


@pytest.mark.django_db(transaction=True)
def test_db_worker_runs_the_task_from_the_queue(settings):
    """The real path: enqueue on the database backend, a worker process picks it up."""
    from django_tasks_db.models import DBTaskResult

    u = f.UserFactory()
    User.objects.filter(pk=u.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=800))
    deactivate_dormant_accounts.using(backend="db").enqueue()
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--backend", "db", "--batch", "--no-startup-delay", "--queue-name", "*")
    row = DBTaskResult.objects.get()
    assert row.status == "SUCCESSFUL", row.traceback if hasattr(row, "traceback") else row.status
    u.refresh_from_db()
    assert not u.is_active
