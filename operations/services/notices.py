"""Service notices (driftinformation): publish, end, subscribe. E-mails to subscribers go through
background work after commit (operations.tasks.send_notice_emails)."""
from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.roles import Perm
from audit.services import audit_record
from core.errors import IllegalTransition, NotFound, ValidationFailed, field_error
from core.transactions import entry_point

from ..models import AffectedPart, NoticeKind, NoticeSubscription, ServiceNotice
from ._common import clean_choice, clean_text

CURRENT_CACHE_KEY = "operations:notices:current"


def _invalidate_current() -> None:
    transaction.on_commit(lambda: cache.delete(CURRENT_CACHE_KEY))


@entry_point
def notice_publish(*, actor, kind: str, title: str, text: str, starts_at: dt.datetime | None,
                   ends_at: dt.datetime | None = None, affected: list[str] | None = None) -> ServiceNotice:
    actor.require(Perm.NOTICE_PUBLISH)
    kind = clean_choice(kind, NoticeKind.values, "kind", _("Välj typ av driftinformation."))
    title = clean_text(title, "title", _("rubrik"), max_len=200)
    text = clean_text(text, "text", _("text"), max_len=4000)
    now = timezone.now()
    starts_at = starts_at or now
    if starts_at < now - dt.timedelta(days=7):
        field_error("starts_at", _("Starttiden får ligga högst en vecka bakåt i tiden."))
    if starts_at > now + dt.timedelta(days=366):
        field_error("starts_at", _("Starttiden får ligga högst ett år framåt."))
    if ends_at is not None and ends_at <= starts_at:
        field_error("ends_at", _("Sluttiden måste vara efter starttiden."))
    parts = []
    for part in affected or []:
        parts.append(clean_choice(part, AffectedPart.values, "affected", _("Okänd del av Lyfta.")))
    notice = ServiceNotice.objects.create(kind=kind, title=title, text=text, starts_at=starts_at, ends_at=ends_at,
                                          affected=sorted(set(parts)), published_by=getattr(actor, "user", None))
    audit_record(actor, "notice.published", notice, {"kind": kind, "title": title})
    _invalidate_current()

    def _enqueue():
        from ..tasks import send_notice_emails
        send_notice_emails.enqueue(notice.pk)

    transaction.on_commit(_enqueue)
    return notice


@entry_point
def notice_end(*, actor, notice_id: int) -> ServiceNotice:
    """End a current notice now (it stays in the history)."""
    actor.require(Perm.NOTICE_PUBLISH)
    notice = ServiceNotice.objects.select_for_update().filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(_("Driftinformationen finns inte."))
    now = timezone.now()
    if notice.ended_at is not None or (notice.ends_at is not None and notice.ends_at <= now):
        raise IllegalTransition(_("Driftinformationen är redan avslutad."))
    notice.ended_at = now
    notice.ended_by = getattr(actor, "user", None)
    notice.ends_at = now if notice.starts_at <= now else notice.starts_at
    notice.save(update_fields=["ended_at", "ended_by", "ends_at"])
    audit_record(actor, "notice.ended", notice)
    _invalidate_current()
    return notice


@entry_point
def notice_subscription_set(*, actor, subscribed: bool) -> bool:
    """The user's own choice: service notices by e-mail or not."""
    user = getattr(actor, "user", None)
    if user is None:
        raise ValidationFailed(_("Bara inloggade användare kan prenumerera."))
    if subscribed and not (user.email or "").strip():
        field_error("subscribed", _("Du har ingen e-postadress registrerad. Be din behörighetsadministratör lägga "
                                  "till den."))
    exists = NoticeSubscription.objects.filter(user=user).exists()
    if subscribed and not exists:
        NoticeSubscription.objects.create(user=user)
        audit_record(actor, "notice.subscribed", user)
    elif not subscribed and exists:
        NoticeSubscription.objects.filter(user=user).delete()
        audit_record(actor, "notice.unsubscribed", user)
    return subscribed
