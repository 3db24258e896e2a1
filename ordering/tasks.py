"""Background work for ordering: e-mail notices of inbox messages (console backend by default,
SMTP by settings). Enqueued by `ordering.flows.core.notify` after the transaction commits.

Each message is e-mailed at most once after a successful hand-off, and at least once if a
worker dies before the hand-off (docs/configuration.md, "Background work"). Per message:

1. claim: one conditional UPDATE sets `email_claimed_at` on a message not yet sent
   (`emailed_at` NULL) and not claimed by a live attempt; only the attempt whose UPDATE changed
   the row sends;
2. hand the e-mail to the mail server;
3. mark sent: a conditional UPDATE, for *this* claim, sets `emailed_at`.

A claim older than `LYFTA_EMAIL_CLAIM_SECONDS` belongs to an attempt that died before step 3 and
may be taken over: that is the one window where a notice can go out twice (the worker died
between the mail server's acceptance and step 3), never after step 3."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from core.message_text import recipient_language


def _claim_lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "LYFTA_EMAIL_CLAIM_SECONDS", 300))


def _claimable(now: dt.datetime) -> Q:
    return Q(emailed_at__isnull=True) & (Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=now - _claim_lease()))


def _body(subject: str) -> str:
    # No patient data in e-mail: only the subject (order number); the text is read in Lyfta.
    return (
        gettext("Du har fått ett nytt meddelande i Lyfta: %(subject)s.") % {"subject": subject} + "\n\n"
        + gettext("Logga in i Lyfta och öppna Meddelanden för att läsa det.") + "\n"
        + gettext("Detta e-postmeddelande går inte att svara på.")
    )


@task()
def send_message_emails(message_ids: list[int]) -> int:
    from .models import Message

    sent = 0
    in_flight_elsewhere: list[int] = []
    candidates = (Message.objects.select_related("recipient", "order")
                  .filter(pk__in=message_ids, emailed_at__isnull=True)
                  .order_by("pk"))
    for msg in candidates:
        address = (msg.recipient.email or "").strip()
        if not address:
            continue
        stamp = timezone.now()
        if not Message.objects.filter(_claimable(stamp), pk=msg.pk).update(email_claimed_at=stamp):
            if Message.objects.filter(pk=msg.pk, emailed_at__isnull=True).exists():
                in_flight_elsewhere.append(msg.pk)  # another attempt holds a live claim
            continue
        try:
            with translation.override(recipient_language(msg.recipient)):  # the reader's language
                subject = msg.display_subject
                mail_subject, body = f"Lyfta: {subject}", _body(subject)
            send_mail(mail_subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        except BaseException:
            # Not handed off: release the claim so the next attempt sends it, then fail the task.
            Message.objects.filter(pk=msg.pk, email_claimed_at=stamp).update(email_claimed_at=None)
            raise
        Message.objects.filter(pk=msg.pk, email_claimed_at=stamp, emailed_at__isnull=True).update(
            emailed_at=timezone.now())
        sent += 1
    if in_flight_elsewhere:
        _retry_after_claims(in_flight_elsewhere)
    return sent


def _retry_after_claims(message_ids: list[int]) -> None:
    """A claim held by another attempt: if that attempt died, its claim expires; look again then
    (only where the backend can defer, i.e. the database backend)."""
    backend = send_message_emails.get_backend()
    if getattr(backend, "supports_defer", False):
        send_message_emails.using(run_after=timezone.now() + _claim_lease() + dt.timedelta(seconds=5)).enqueue(
            message_ids)


@task()
def send_loan_reminders() -> dict:
    """Daily: reminders before trials end and when return dates pass (`ordering.flows.loans`)."""
    from .flows.loans import loan_reminders_send

    return loan_reminders_send()


@task()
def buffer_replenishment_sweep() -> dict:
    """Nightly: every automatic reorder rule of every buffer store is checked, for rules changed
    or stock adjusted outside a withdrawal (`ordering.flows.buffer.replenishment_sweep`, which
    records what it created in an audit row `buffer.sweep`)."""
    from .flows.buffer import replenishment_sweep

    return replenishment_sweep()


def _register_periodic() -> None:
    from core import scheduler

    scheduler.register("ordering.loan_reminders", "ordering.tasks.send_loan_reminders", dt.timedelta(hours=24))
    scheduler.register("ordering.buffer_replenishment_sweep", "ordering.tasks.buffer_replenishment_sweep",
                       dt.timedelta(hours=24))


_register_periodic()
