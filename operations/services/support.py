"""Support cases (supportärenden, DESIGN.md §8: 90 % answered within 24 h). Any logged-in user
opens a case from any page; the supply centre's support staff (`Perm.SUPPORT_HANDLE`) answer in
the case's thread; the opener gets an inbox message and e-mail for every answer.

Moves: open → answered (support answers) → open (the opener writes again) → … → closed (either
side); a closed case takes no more messages."""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.roles import Perm
from audit.services import audit_record
from core.errors import IllegalTransition, NotFound, ValidationFailed, field_error
from core.message_text import Text
from core.numbering import next_number
from core.transactions import entry_point

from ..models import SupportCase, SupportCategory, SupportMessage
from ._common import IMAGE_TYPES, clean_choice, clean_text, clean_upload

S = SupportCase.Status


def is_support(principal) -> bool:
    return principal.is_supply and principal.has_perm(Perm.SUPPORT_HANDLE)


def _max_bytes() -> int:
    return int(getattr(settings, "LYFTA_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def clean_page_url(value) -> str:
    """Only a path of this site (never another host: the link is shown to support staff)."""
    url = (value or "").strip()[:500]
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return ""
    return url


def _order_for(principal, number: str):
    number = (number or "").strip().upper()
    if not number:
        return None
    from ordering.models import Order

    order = Order.objects.filter(number=number).only("pk", "customer_id", "status").first()
    if order is None or not principal.can_see_customer(order.customer_id) or (
            principal.is_supply and order.status == "draft"):
        field_error("order_number", _("Det finns ingen order med det numret som du kan se."))
    return order


def _author_label(principal) -> str:
    user = principal.user
    return (user.get_full_name() or user.get_username())[:200]


def _save_screenshot(msg: SupportMessage, upload, checked) -> None:
    if checked is None:
        return
    name, content_type = checked
    msg.screenshot.save(name, upload, save=False)
    msg.screenshot_type = content_type


@entry_point
def support_case_open(*, principal, category: str, subject: str, text: str, page_url: str = "",
                      order_number: str = "", screenshot=None) -> SupportCase:
    if principal.user is None:
        raise ValidationFailed(_("Logga in för att öppna ett supportärende."))
    category = clean_choice(category, SupportCategory.values, "category", _("Välj en kategori."))
    subject = clean_text(subject, "subject", _("rubrik"), max_len=200)
    text = clean_text(text, "text", _("beskrivning"), max_len=4000)
    checked = clean_upload(screenshot, "screenshot", IMAGE_TYPES, max_bytes=_max_bytes())
    order = _order_for(principal, order_number)
    case = SupportCase.objects.create(
        number=next_number("SU"), opened_by=principal.user, category=category, subject=subject,
        page_url=clean_page_url(page_url), order=order,
        customer_id=None if principal.is_supply else principal.primary_customer_id)
    msg = SupportMessage(case=case, author=principal.user, author_label=_author_label(principal), text=text)
    _save_screenshot(msg, screenshot, checked)
    msg.save()
    audit_record(principal, "support.opened", case, {"category": category, "order": getattr(order, "pk", None)})
    return case


def case_for(principal, case_id, *, lock: bool = False) -> SupportCase:
    """The opener's own case, or any case for support staff; anything else is 404."""
    qs = SupportCase.objects.select_related("opened_by", "order")
    if lock:
        qs = qs.select_for_update(of=("self",))  # the order is an outer join: lock the case row only
    try:
        case = qs.get(pk=int(case_id))
    except (TypeError, ValueError, SupportCase.DoesNotExist):
        raise NotFound(_("Ärendet finns inte.")) from None
    if not is_support(principal) and case.opened_by_id != getattr(principal.user, "pk", None):
        raise NotFound(_("Ärendet finns inte."))
    return case


@entry_point
def support_case_reply(*, principal, case_id, text: str, screenshot=None) -> SupportMessage:
    case = case_for(principal, case_id, lock=True)
    if case.status == S.CLOSED:
        raise IllegalTransition(_("Ärendet är avslutat och kan inte få fler meddelanden. Öppna ett nytt ärende."))
    text = clean_text(text, "text", _("meddelande"), max_len=4000)
    checked = clean_upload(screenshot, "screenshot", IMAGE_TYPES, max_bytes=_max_bytes())
    from_support = is_support(principal) and case.opened_by_id != principal.user.pk
    msg = SupportMessage(case=case, author=principal.user, author_label=_author_label(principal), text=text,
                         from_support=from_support)
    _save_screenshot(msg, screenshot, checked)
    msg.save()
    fields = ["status", "unread_by_opener"]
    if from_support:
        if case.first_answered_at is None:
            case.first_answered_at = msg.at
            fields.append("first_answered_at")
        case.status, case.unread_by_opener = S.ANSWERED, True
        from ordering.flows.core import message_send
        from ordering.models import Message

        message_send([case.opened_by], kind=Message.Kind.ANSWER,
                     subject=Text(gettext_noop("Svar på supportärende %(number)s"), number=case.number),
                     text=Text(gettext_noop("Supporten har svarat på ditt ärende %(number)s (%(subject)s). Läs svaret "
                                            "under Support → Mina ärenden."), number=case.number, subject=case.subject))
    else:
        case.status, case.unread_by_opener = S.OPEN, False
    case.save(update_fields=fields)
    audit_record(principal, "support.answered" if from_support else "support.replied", case)
    return msg


@entry_point
def support_case_close(*, principal, case_id) -> SupportCase:
    case = case_for(principal, case_id, lock=True)
    if case.status == S.CLOSED:
        raise IllegalTransition(_("Ärendet är redan avslutat."))
    case.status, case.closed_at = S.CLOSED, timezone.now()
    case.save(update_fields=["status", "closed_at"])
    audit_record(principal, "support.closed", case)
    return case


@entry_point
def support_case_mark_read(*, principal, case_id) -> SupportCase:
    case = case_for(principal, case_id, lock=True)
    if case.opened_by_id == principal.user.pk and case.unread_by_opener:
        case.unread_by_opener = False
        case.save(update_fields=["unread_by_opener"])
    return case
