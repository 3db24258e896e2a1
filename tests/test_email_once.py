"""E-mail notices are claimed per message (ordering.tasks): sent once after success, sent again
only when the attempt that claimed it died before marking it sent."""
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from ordering.models import Message
from ordering.tasks import send_message_emails
from tests import factories as f


@pytest.fixture
def messages(db):
    user = f.UserFactory(email="anna@example.se")
    return [Message.objects.create(recipient=user, kind="info", subject=f"Order B-{i}", text="…") for i in range(3)]


def ids(msgs):
    return [m.pk for m in msgs]


def test_a_retry_after_success_sends_nothing(messages):
    assert send_message_emails.call(ids(messages)) == 3
    assert send_message_emails.call(ids(messages)) == 0
    assert len(mail.outbox) == 3
    assert all(m.emailed_at <= timezone.now() for m in Message.objects.all())


def test_a_live_claim_is_left_to_its_attempt_and_an_expired_one_is_taken_over(messages, settings):
    settings.LYFTA_EMAIL_CLAIM_SECONDS = 300
    live, expired, _ = messages
    now = timezone.now()
    Message.objects.filter(pk=live.pk).update(email_claimed_at=now - dt.timedelta(seconds=10))
    Message.objects.filter(pk=expired.pk).update(email_claimed_at=now - dt.timedelta(seconds=400))
    assert send_message_emails.call(ids(messages)) == 2
    assert sorted(m.subject for m in mail.outbox) == ["Lyfta: Order B-1", "Lyfta: Order B-2"]
    live.refresh_from_db()
    assert live.emailed_at is None and live.email_claimed_at is not None  # still the other attempt's claim


def test_a_failed_hand_off_releases_the_claim(messages, monkeypatch):
    import ordering.tasks as tasks

    def broken(*a, **k):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(tasks, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        send_message_emails.call(ids(messages))
    assert not Message.objects.filter(emailed_at__isnull=False).exists()
    monkeypatch.undo()
    assert send_message_emails.call(ids(messages)) == 3


def test_a_message_held_by_a_live_claim_is_looked_at_again_after_the_claim_expires(messages, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.LYFTA_EMAIL_CLAIM_SECONDS = 300
    held = messages[0]
    Message.objects.filter(pk=held.pk).update(email_claimed_at=timezone.now())
    assert send_message_emails.call(ids(messages)) == 2
    follow_up = DBTaskResult.objects.get()
    assert follow_up.args_kwargs["args"] == [[held.pk]]
    assert follow_up.run_after > timezone.now() + dt.timedelta(seconds=290)
