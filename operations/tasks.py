"""Background work for operations: service-notice e-mails to subscribers, plain e-mails to
applicants without an account, and the daily reminder of overdue access requests."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from core import scheduler
from core.message_text import recipient_language


@task()
def send_notice_emails(notice_id: int) -> int:
    """E-mail a published notice to every subscriber once: the notice is claimed by one
    conditional UPDATE of `emailed_at`, so a retried task sends nothing twice (a worker that dies
    mid-way leaves the rest unsent: at most once, docs/operations.md)."""
    from .models import NoticeSubscription, ServiceNotice

    if not ServiceNotice.objects.filter(pk=notice_id, emailed_at__isnull=True).update(emailed_at=timezone.now()):
        return 0
    notice = ServiceNotice.objects.get(pk=notice_id)
    languages: dict[str, str] = {}  # address -> the subscriber's language
    for email, language in NoticeSubscription.objects.filter(user__is_active=True).order_by("user_id").values_list(
            "user__email", "user__language"):
        if email and email.strip():
            languages.setdefault(email.strip(), language)
    addresses = sorted(languages)
    if not addresses:
        return 0
    local = timezone.localtime(notice.starts_at).strftime("%Y-%m-%d %H:%M")
    with get_connection() as connection:
        messages = []
        for address in addresses:
            # The notice's title and text are the handler's words; the rest is in the reader's language.
            with translation.override(recipient_language(languages[address])):
                body = (f"{notice.get_kind_display()}: {notice.title}\n" + gettext("Från %(time)s") % {"time": local}
                        + f"\n\n{notice.text}\n\n"
                        + gettext("Du får detta eftersom du prenumererar på driftinformation i Lyfta (avsluta "
                                  "under Min profil)."))
                subject = gettext("Lyfta driftinformation: %(title)s") % {"title": notice.title}
            messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection))
        connection.send_messages(messages)
    return len(addresses)


@task()
def send_plain_email(to: list[str], subject: str, body: str) -> int:
    """Kept for jobs queued before issue 15; new e-mails are rendered by the worker in the
    recipient's language (`send_access_request_email`)."""
    from django.core.mail import send_mail

    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@task()
def send_access_request_email(request_id: int, what: str, activation_user_id: int | None = None) -> int:
    """E-mail to an applicant without an account ("received", "decided"), written in the
    language the request form was filled in."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    from .models import AccessRequest
    from .services.access_requests import applicant_email

    req = AccessRequest.objects.select_related("unit__organisation").filter(pk=request_id).first()
    if req is None:
        return 0
    activation_user = (get_user_model().objects.filter(pk=activation_user_id).first()
                       if activation_user_id is not None else None)
    with translation.override(recipient_language(req.language)):
        subject, body = applicant_email(req, what, activation_user)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [req.email])


@task()
def remind_overdue_access_requests() -> int:
    from .services.access_requests import access_requests_remind_overdue

    return access_requests_remind_overdue()


scheduler.register("operations.remind_overdue_access_requests", "operations.tasks.remind_overdue_access_requests",
                   dt.timedelta(hours=24))


@task()
def recompute_statistics(months: list[str]) -> int:
    """Recompute the statistics projection's months ("YYYY-MM") whose events changed (debounced:
    `operations.statistics.services.projection_events_committed`)."""
    from .statistics.services import projection_recompute_task

    return projection_recompute_task(months)


@task()
def sweep_statistics() -> int:
    """Nightly: rebuild every month of the statistics projection from the events, fix and log
    differences (`manage.py rebuild_statistics` reports them by hand)."""
    from .statistics.services import projection_sweep

    return projection_sweep()


scheduler.register("operations.sweep_statistics", "operations.tasks.sweep_statistics", dt.timedelta(hours=24))
