"""Loan types and their reminders (issue 17, docs/prescribing.md "Loan types and returns").

A customer order line of a tracked article to a patient carries the loan the device will get:
permanent (tillsvidare), time-limited (with a return date), short-term (optionally with a return
date) or trial (utprovning, with an end date; then keep / return / exchange). The article gives
the default. The type and date are checked here (`clean_line_terms`), carried to `stock.Loan`
when the device is delivered (`supply.stockport.deliver`), and changed only by the prescriber's
answers below (through `stock.services.loan_terms_change`).

Reminders (`loan_reminders_send`, daily background work): to the prescriber of the loan's order
(else its orderer) when a trial ends within `LYFTA_TRIAL_REMINDER_DAYS` days, and when a return
date has passed. One `LoanReminder` row per (loan, kind, date): running the job twice sends
nothing twice; extending the date makes a new reminder due for the new date. A reminder moves
`sent → done` (answered: pickup / extended / converted, or the loan ended) or `sent → stopped`
(the patient is deceased); nothing else (`REMINDER_MOVES`)."""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit.services import audit_record
from catalogue.models import LoanType
from core.errors import Conflict, IllegalTransition, NotFound
from core.message_text import Text
from core.transactions import entry_point

from ..models import CustomerOrderKind, LoanReminder, Message, Order, OrderEvent, OrderType, PickupLine, PickupReason
from ..transitions import record_event
from . import core as c

log = logging.getLogger(__name__)

L = LoanType
R = LoanReminder.Status
DATED = (L.TIME_LIMITED, L.TRIAL)  # a date is required
MAY_HAVE_DATE = (L.TIME_LIMITED, L.TRIAL, L.SHORT_TERM)
RETURN_DATED = (L.TIME_LIMITED, L.SHORT_TERM)  # the date is a return date (overdue reminders)
REMINDER_MOVES = {(R.SENT, R.DONE), (R.SENT, R.STOPPED)}


def trial_reminder_days() -> int:
    return int(getattr(settings, "LYFTA_TRIAL_REMINDER_DAYS", 7))


def max_trial_days() -> int:
    return int(getattr(settings, "LYFTA_TRIAL_MAX_DAYS", 365))


def loan_type_label(value: str) -> str:
    try:
        return str(L(value).label)
    except ValueError:
        return value or "–"


# --------------------------------------------------------------------------- order lines


def clean_line_terms(article, loan_type, loan_until, *, order_kind: str, prefix: str = "") -> tuple[str, dt.date | None]:
    """The loan terms of a new order line: ("", None) for a line that is not lent (an article
    without serial, an order not to a patient); otherwise a valid type (default: the article's)
    and its date. Field errors `<prefix>loan_type` / `<prefix>loan_until`."""
    loan_type = (loan_type or "").strip() if isinstance(loan_type, str) else loan_type
    lent = article.is_tracked and order_kind == CustomerOrderKind.TO_PATIENT
    if not lent:
        if loan_type or loan_until not in (None, ""):
            c.fail(f"{prefix}loan_type", _("Artikeln %(article_number)s lånas inte ut till en patient; låneform och datum gäller inte den.") % {"article_number": article.article_number})
        return "", None
    loan_type = loan_type or getattr(article, "default_loan_type", "") or L.PERMANENT
    if loan_type not in L.values:
        c.fail(f"{prefix}loan_type", _("Ogiltig låneform."))
    until = _clean_until(loan_until, f"{prefix}loan_until", loan_type)
    return loan_type, until


def _clean_until(value, field_name: str, loan_type: str) -> dt.date | None:
    if value in (None, ""):
        if loan_type in DATED:
            what = _("slutdatum för utprovningen") if loan_type == L.TRIAL else _("återlämningsdatum")
            c.fail(field_name, _("Låneformen %(loan_type_label)s kräver ett %(what)s.") % {"loan_type_label": loan_type_label(loan_type).lower(), "what": what})
        return None
    if loan_type not in MAY_HAVE_DATE:
        c.fail(field_name, _("Ett tillsvidarelån har inget slutdatum."))
    max_days = max_trial_days() if loan_type == L.TRIAL else 3 * 365
    until = c.clean_future_date(value, field_name, max_days=max_days)
    if until == timezone.localdate():
        c.fail(field_name, _("Datumet måste ligga efter i dag."))
    return until


# --------------------------------------------------------------------------- reading loans


def _source_order_number(loan) -> str:
    return (loan.source_ref or "").split(":", 1)[0]


def orders_for_loans(loans) -> dict[int, Order]:
    """loan id → the customer order the loan was delivered on (by its `source_ref`)."""
    numbers = {_source_order_number(lo) for lo in loans} - {""}
    orders = {o.number: o for o in Order.objects.filter(number__in=numbers, order_type=OrderType.CUSTOMER)
              .select_related("prescriber", "orderer", "unit")}
    return {lo.pk: orders[n] for lo in loans if (n := _source_order_number(lo)) in orders}


def _recipient(order: Order | None):
    if order is None:
        return None
    return order.prescriber or order.orderer


def loan_for_customer(principal, loan_id, *, lock: bool = False):
    """An open loan of a patient the principal may see (customer side); 404 otherwise."""
    from stock.models import Loan

    c.require_orderer(principal)
    try:
        loan_id = int(loan_id)
    except (TypeError, ValueError):
        raise NotFound(_("Utlåningen finns inte.")) from None
    qs = Loan.objects.select_related("device__article", "patient")
    if lock:
        from stock.services import loan_lock

        loan = loan_lock(loan_id)
        loan = qs.filter(pk=loan.pk).first() if loan is not None else None
    else:
        loan = qs.filter(pk=loan_id).first()
    if loan is None or not principal.can_see_customer(loan.customer_id) or not c.patient_visible(principal,
                                                                                                  loan.patient):
        raise NotFound(_("Utlåningen finns inte."))
    return loan


# --------------------------------------------------------------------------- the prescriber's answers


def _close_reminders(loan, action: str, actor=None) -> int:
    rows = list(LoanReminder.objects.select_for_update().filter(loan=loan, status=R.SENT))
    for r in rows:
        _move(r, R.DONE, action=action)
    if rows:
        audit_record(actor, "loan_reminder.done", loan, {"action": action, "reminders": [r.pk for r in rows]})
    return len(rows)


def _move(reminder: LoanReminder, to: str, *, action: str) -> None:
    if (reminder.status, to) not in REMINDER_MOVES:
        raise IllegalTransition(_("Påminnelsen kan inte bli %(label)s när den är %(status)s.") % {"label": LoanReminder.Status(to).label.lower(), "status": reminder.get_status_display().lower()}, errors={"status": [reminder.status]})
    reminder.status, reminder.action, reminder.closed_at = to, action, timezone.now()
    reminder.save(update_fields=["status", "action", "closed_at"])


def _note_on_order(loan, actor, text: str, data: dict) -> None:
    order = orders_for_loans([loan]).get(loan.pk)
    if order is not None:
        record_event(order, actor, event_type=OrderEvent.Type.NOTE, from_status=order.status,
                     to_status=order.status, reason=text, data={"loan_id": loan.pk, **data})


@entry_point
def loan_extend(principal, loan_id, *, until) -> object:
    """A new date for a trial or a loan with a return date (later than the current one)."""
    from stock.services import loan_terms_change

    loan = loan_for_customer(principal, loan_id, lock=True)
    if loan.ended_on is not None:
        raise Conflict(_("Utlåningen är redan avslutad."), code="loan_ended")
    if loan.loan_type not in MAY_HAVE_DATE:
        raise Conflict(_("Ett tillsvidarelån har inget datum att förlänga."), code="loan_not_dated")
    new = _clean_until(until, "until", loan.loan_type)
    if new is None:
        c.fail("until", _("Ange det nya datumet."))
    if loan.loan_until is not None and new <= loan.loan_until:
        c.fail("until", _("Det nya datumet måste ligga efter %(loan_until)s.") % {"loan_until": format(loan.loan_until, '%Y-%m-%d')})
    old = loan.loan_until
    loan = loan_terms_change(loan=loan, loan_type=loan.loan_type, loan_until=new, actor=principal,
                             reason="förlängd")
    _close_reminders(loan, "extended", principal)
    _note_on_order(loan, principal, f"Lånet av individ {loan.device.serial} är förlängt till {new:%Y-%m-%d}.",
                   {"loan_action": "extended", "old": str(old) if old else None, "new": str(new)})
    return loan


@entry_point
def loan_convert_permanent(principal, loan_id) -> object:
    """Keep the device after a trial: the loan becomes permanent (no end date)."""
    from stock.services import loan_terms_change

    loan = loan_for_customer(principal, loan_id, lock=True)
    if loan.ended_on is not None:
        raise Conflict(_("Utlåningen är redan avslutad."), code="loan_ended")
    if loan.loan_type != L.TRIAL:
        raise Conflict(_("Endast en utprovning kan göras om till tillsvidarelån."), code="loan_not_trial")
    loan = loan_terms_change(loan=loan, loan_type=L.PERMANENT, loan_until=None, actor=principal,
                             reason="utprovning → tillsvidare")
    _close_reminders(loan, "converted", principal)
    _note_on_order(loan, principal, f"Utprovningen av individ {loan.device.serial} är avslutad; patienten behåller "
                                    "hjälpmedlet (tillsvidarelån).", {"loan_action": "converted"})
    return loan


@entry_point
def loan_return_order(principal, loan_id, *, requested_date=None) -> Order:
    """The pickup order (hämtorder) for this one device, with the reason the loan type gives."""
    from .pickup import PickupInput, PickupLineInput, pickup_create

    loan = loan_for_customer(principal, loan_id)  # pickup_create locks the patient's loans
    if loan.ended_on is not None:
        raise Conflict(_("Utlåningen är redan avslutad."), code="loan_ended")
    reason = {L.TRIAL: PickupReason.TRIAL_ENDED, L.TIME_LIMITED: PickupReason.LOAN_PERIOD_ENDED,
              L.SHORT_TERM: PickupReason.LOAN_PERIOD_ENDED}.get(loan.loan_type, PickupReason.NOT_NEEDED)
    source = orders_for_loans([loan]).get(loan.pk)
    unit_id = source.unit_id if source is not None and source.unit_id in principal.unit_ids else None
    order = pickup_create(principal, PickupInput(patient_id=loan.patient_id, unit_id=unit_id,
                                                 requested_date=requested_date,
                                                 lines=[PickupLineInput(loan.device.serial, reason)]))
    _close_reminders(loan, "pickup", principal)
    return order


# --------------------------------------------------------------------------- reminders (background work)


def _due_loans(today: dt.date):
    """Open loans a reminder may be due for: trials ending within the reminder window, return
    dates passed. Deceased patients' loans are not reminded of (their pickup is proposed)."""
    from stock.selectors import loans_due

    return loans_due(trial_until=today + dt.timedelta(days=trial_reminder_days()), return_before=today)


def _reminder_for(loan, today: dt.date) -> str | None:
    if loan.loan_type == L.TRIAL:
        return LoanReminder.Kind.TRIAL_ENDING
    if loan.loan_type in RETURN_DATED and loan.loan_until < today:
        return LoanReminder.Kind.RETURN_OVERDUE
    return None


def _texts(kind: str, loan, order: Order | None, today: dt.date) -> tuple[Text, Text]:
    serial, article = loan.device.serial, loan.device.article
    params = {"serial": serial, "article": f"{article.article_number} {article.name}",
              "until": f"{loan.loan_until:%Y-%m-%d}",
              "ref": Text(gettext_noop(" Levererad på order %(number)s."), number=order.number) if order is not None
              else ""}
    if kind == LoanReminder.Kind.TRIAL_ENDING:
        ended = loan.loan_until < today
        return (Text(gettext_noop("Utprovningen av individ %(serial)s slutade %(until)s") if ended else
                     gettext_noop("Utprovningen av individ %(serial)s slutar %(until)s"), **params),
                Text(gettext_noop("Utprovningen av individ %(serial)s (%(article)s) slutade %(until)s.%(ref)s Välj om "
                                  "patienten ska behålla hjälpmedlet (tillsvidarelån), lämna tillbaka det (hämtorder) "
                                  "eller få utprovningen förlängd.") if ended else
                     gettext_noop("Utprovningen av individ %(serial)s (%(article)s) slutar %(until)s.%(ref)s Välj om "
                                  "patienten ska behålla hjälpmedlet (tillsvidarelån), lämna tillbaka det (hämtorder) "
                                  "eller få utprovningen förlängd."), **params))
    return (Text(gettext_noop("Återlämningsdatum passerat för individ %(serial)s"), **params),
            Text(gettext_noop("Lånet av individ %(serial)s (%(article)s) skulle ha lämnats tillbaka %(until)s.%(ref)s "
                              "Beställ hämtning (hämtorder) eller förläng lånet."), **params))


@entry_point
def _reminder_send(loan, kind: str, order: Order | None, today: dt.date) -> LoanReminder | None:
    recipient = _recipient(order)
    if LoanReminder.objects.filter(loan=loan, kind=kind, due_on=loan.loan_until).exists():
        return None
    try:
        with transaction.atomic():
            reminder = LoanReminder.objects.create(loan=loan, kind=kind, due_on=loan.loan_until, recipient=recipient)
    except IntegrityError:
        return None  # another run made it at the same moment
    if recipient is not None:
        subject, text = _texts(kind, loan, order, today)
        msgs = c.message_send([recipient], kind=Message.Kind.REMINDER, subject=subject, text=text, order=order)
        reminder.message = msgs[0] if msgs else None
        reminder.save(update_fields=["message"])
    audit_record(None, f"loan_reminder.{kind}", loan, {"due_on": str(loan.loan_until),
                                                       "recipient": recipient.pk if recipient else None})
    return reminder


@entry_point
def _reminders_close_ended() -> int:
    rows = list(LoanReminder.objects.select_for_update().filter(status=R.SENT, loan__ended_on__isnull=False))
    for r in rows:
        _move(r, R.DONE, action="loan_ended")
    return len(rows)


def loan_reminders_send(today: dt.date | None = None) -> dict[str, int]:
    """The daily job: every reminder due and not yet sent, one transaction each; reminders of
    loans that have ended since are closed. Returns counts."""
    today = today or timezone.localdate()
    loans = [lo for lo in _due_loans(today) if _reminder_for(lo, today)]
    busy = set(PickupLine.objects.filter(device_id__in=[lo.device_id for lo in loans],
                                         order__status__in=c.OPEN_PICKUP).values_list("device_id", flat=True))
    orders = orders_for_loans(loans)
    sent = skipped = 0
    for loan in loans:
        if loan.device_id in busy:  # a pickup is already on its way
            skipped += 1
            continue
        if _reminder_send(loan, _reminder_for(loan, today), orders.get(loan.pk), today) is not None:
            sent += 1
    closed = _reminders_close_ended()
    log.info("loan reminders: %s sent, %s with a pickup under way, %s closed", sent, skipped, closed)
    return {"sent": sent, "skipped": skipped, "closed": closed}


@entry_point
def loan_reminders_stop(patient, *, actor=None, reason: str = "") -> int:
    """Stop every open reminder of a patient's loans (the patient is deceased)."""
    rows = list(LoanReminder.objects.select_for_update().filter(status=R.SENT, loan__patient=patient))
    for r in rows:
        _move(r, R.STOPPED, action="stopped")
    if rows:
        audit_record(actor, "loan_reminder.stopped", patient, {"reminders": [r.pk for r in rows], "reason": reason})
    return len(rows)


def reminders_for(principal, *, status: str = R.SENT, limit: int = 50) -> list[LoanReminder]:
    """Loan reminders for the customer side, newest first: a user's own (they were sent to
    them), a system client's every reminder of its customers' loans. `status` "" = any."""
    c.require_orderer(principal)
    if status and status not in R.values:
        c.fail("status", _("Ogiltig status."))
    qs = LoanReminder.objects.select_related("loan__device__article", "message__order")
    if principal.user is not None:
        qs = qs.filter(recipient=principal.user)
    qs = qs.filter(loan__customer_id__in=principal.customer_ids)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at", "-id")[:limit])


def open_reminders_for(message_ids) -> dict[int, list[LoanReminder]]:
    """message id → its open reminders (the inbox shows their one-click answers)."""
    out: dict[int, list[LoanReminder]] = {}
    for r in (LoanReminder.objects.filter(message_id__in=list(message_ids), status=R.SENT,
                                          loan__ended_on__isnull=True)
              .select_related("loan__device")):
        out.setdefault(r.message_id, []).append(r)
    return out


def overdue_returns(today: dt.date | None = None) -> list[dict]:
    """For the supply centre: open loans whose return date has passed, grouped per customer and
    ordering unit (the unit of the order the device was delivered on), oldest date first."""
    from stock.selectors import loans_due

    today = today or timezone.localdate()
    loans = [lo for lo in loans_due(trial_until=today - dt.timedelta(days=1), return_before=today)]
    orders = orders_for_loans(loans)
    groups: dict[tuple, dict] = {}
    for lo in loans:
        order = orders.get(lo.pk)
        unit = order.unit if order is not None else None
        key = (lo.customer.name, unit.name if unit else "", lo.customer_id, unit.pk if unit else 0)
        g = groups.setdefault(key, {"customer": lo.customer, "unit": unit, "loans": []})
        lo.source_order = order
        lo.days_overdue = (today - lo.loan_until).days
        g["loans"].append(lo)
    return [groups[k] for k in sorted(groups)]
