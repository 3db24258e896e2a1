"""Customer orders (KO). Customer side: drafts, lines, templates, submit, withdraw. Supply side:
the writes that `supply.services` composes with stock in one transaction (line allocation and
release, deliveries) and the confirm/delay/cancel/dispatch/deliver marks. Every write is atomic
and audited; messages and e-mail follow the transitions (DESIGN.md §4)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from access.models import DeliveryPoint
from audit.services import audit_record
from core.errors import IllegalTransition, NotFound, ValidationFailed
from core.message_text import Text
from core.transactions import entry_point

from .. import pricing
from ..models import (
    CustomerOrderKind,
    Delivery,
    DeliveryLine,
    DeliveryTo,
    Message,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OrderTemplate,
    OrderTemplateLine,
    OrderType,
    Priority,
)
from ..transitions import actor_fields, apply_transition, record_event
from . import loans, prescribing
from .core import (
    MAX_QUANTITY,
    NOTE_MAX,
    ORDER_PATIENT_COLUMNS,
    REASON_MAX,
    clean_future_date,
    clean_priority,
    clean_quantity,
    clean_text,
    fail,
    notify,
    order_cancel_with_notice,
    order_create,
    order_for_customer,
    order_header,
    patient_for_order,
    require_orderer,
    resolve_unit,
)

__all__ = ["MAX_QUANTITY", "NOTE_MAX", "clean_quantity"]  # used by the forms and supply (from here)

MAX_LINES = 100
S = OrderStatus


# --------------------------------------------------------------------------- validation




# What ordering reads of an article (checks, lines, promised date, estimate, response); an order
# has up to MAX_LINES of them and this runs on every order created.
ORDER_ARTICLE_COLUMNS = ("id", "article_number", "name", "kind", "charging", "monthly_rent", "purchase_price",
                         "is_orderable", "in_assortment", "is_tracked", "serial_required", "purchasing",
                         "lead_time_days", "default_loan_type")


def _articles_by_number(numbers) -> dict:
    from catalogue.models import Article

    wanted = {(n or "").strip() for n in numbers if n and len(n.strip()) <= 35}
    if not wanted:
        return {}
    return {a.article_number: a for a in
            Article.objects.filter(article_number__in=wanted).only(*ORDER_ARTICLE_COLUMNS).order_by()}


def get_orderable_article(article_number: str, field_name: str = "article_number", *, known: dict | None = None):
    from catalogue.models import Article

    number = (article_number or "").strip()
    if not number or len(number) > 35:
        fail(field_name, gettext("Ange ett giltigt artikelnummer."))
    if known is not None:
        article = known.get(number)
    else:
        article = Article.objects.filter(article_number=number).first()
    if article is None:
        fail(field_name, gettext("Artikeln %(number)s finns inte.") % {"number": number})
    if not article.is_orderable:
        fail(field_name, gettext("Artikeln %(number)s går inte att beställa.") % {"number": number})
    return article


def check_kind_allows(article, kind: str, field_name: str = "article_number") -> None:
    """A tracked article (a device with a serial) is delivered by registering it on a patient; an
    order to a unit or a buffer store has no patient to register it on, so it is refused at once
    rather than confirmed and then stuck at delivery."""
    if article.is_tracked and kind != CustomerOrderKind.TO_PATIENT:
        fail(field_name, gettext("Artikeln %(article_number)s är individmärkt och kan bara beställas till en patient.") % {"article_number": article.article_number})


def _fitting_pairs(pairs) -> set[tuple[int, int]]:
    """Of (main article id, part article id) pairs, those the catalogue says fit (ArticleFit)."""
    from catalogue.models import ArticleFit

    pairs = set(pairs)
    if not pairs:
        return set()
    return set(ArticleFit.objects.filter(main_id__in={m for m, _ in pairs}, part_id__in={p for _, p in pairs})
               .values_list("main_id", "part_id")) & pairs


def check_accessory(main_article, article, field_name: str) -> None:
    """An accessory line must fit its main device (catalogue `ArticleFit`)."""
    if not _fitting_pairs([(main_article.pk, article.pk)]):
        fail(field_name, gettext("Artikeln %(article_number)s passar inte till %(main_article_number)s %(name)s.") % {"article_number": article.article_number, "main_article_number": main_article.article_number, "name": main_article.name})


def check_accessory_links(cleaned: list[tuple]) -> None:
    """`main_line_no` of each input line (1-based, input order): it must name another line of the
    order (not 0, not itself, not beyond the last), that line must be a main device (not itself an
    accessory), and the accessory must fit it. Field errors `lines.N.main_line_no`."""
    count = len(cleaned)
    for i, (_article, _qty, main_no) in enumerate(cleaned):
        if main_no is None:
            continue
        name = f"lines.{i}.main_line_no"
        if not isinstance(main_no, int) or isinstance(main_no, bool) or not 1 <= main_no <= count:
            fail(name, gettext("Rad %(n)s pekar på en huvudrad som inte finns (%(main_no)s).") % {"n": i + 1, "main_no": main_no})
        if main_no == i + 1:
            fail(name, gettext("Rad %(n)s kan inte vara tillbehör till sig själv.") % {"n": i + 1})
        main_article, _, main_of_main = cleaned[main_no - 1]
        if main_of_main is not None:
            fail(name, gettext("Rad %(main_no)s är själv ett tillbehör; välj huvudhjälpmedlets rad.") % {"main_no": main_no})
    pairs = {(cleaned[m - 1][0].pk, a.pk) for a, _, m in cleaned if m is not None}
    fitting = _fitting_pairs(pairs)
    for i, (article, _qty, main_no) in enumerate(cleaned):
        if main_no is not None and (cleaned[main_no - 1][0].pk, article.pk) not in fitting:
            main_article = cleaned[main_no - 1][0]
            fail(f"lines.{i}.main_line_no", gettext("Artikeln %(article_number)s passar inte till %(main_article_number)s %(name)s.") % {"article_number": article.article_number, "main_article_number": main_article.article_number, "name": main_article.name})


# --------------------------------------------------------------------------- who may order what


# --------------------------------------------------------------------------- addresses


def _patient_address(patient, which: str) -> tuple[str, str, str]:
    return (getattr(patient, f"{which}_street", ""), getattr(patient, f"{which}_postal_code", ""),
            getattr(patient, f"{which}_city", ""))


def _apply_delivery(order: Order, delivery_to: str, delivery_point_id) -> None:
    patient = order.patient
    if not delivery_to:
        if patient is not None:
            delivery_to = DeliveryTo.STAY_ADDRESS if patient.stay_street else DeliveryTo.REGISTERED_ADDRESS
        else:
            delivery_to = DeliveryTo.DELIVERY_POINT
    if delivery_to not in DeliveryTo.values or delivery_to == "":
        fail("delivery_to", gettext("Ogiltigt leveranssätt."))
    order.delivery_to = delivery_to
    order.delivery_point = None
    order.delivery_protected = False
    if delivery_to in (DeliveryTo.STAY_ADDRESS, DeliveryTo.REGISTERED_ADDRESS):
        if patient is None:
            fail("delivery_to", gettext("Leverans till patientens adress kräver en patient."))
        which = "stay" if delivery_to == DeliveryTo.STAY_ADDRESS else "registered"
        street, postal, city = _patient_address(patient, which)
        if not street:
            msg = ("Patienten saknar vistelseadress." if which == "stay"
                   else "Patienten saknar folkbokföringsadress.")
            fail("delivery_to", msg)
        order.delivery_street, order.delivery_postal_code, order.delivery_city = street, postal, city
        order.delivery_protected = bool(patient.protected_identity)
    else:
        point = None
        if delivery_point_id:
            point = DeliveryPoint.objects.select_related("unit").filter(
                pk=delivery_point_id, is_active=True, unit__organisation_id=order.customer_id).first()
        if point is None:
            fail("delivery_point_id", gettext("Välj en leveranspunkt som tillhör er enhet."))
        order.delivery_point = point
        order.delivery_street, order.delivery_postal_code, order.delivery_city = (
            point.street, point.postal_code, point.city)


# --------------------------------------------------------------------------- drafts


@dataclass
class LineInput:
    article_number: str
    quantity: int = 1
    main_line_no: int | None = None
    loan_type: str = ""  # "" = the article's default (tracked articles to a patient only)
    loan_until: dt.date | str | None = None


@dataclass
class DraftInput:
    patient_id: int | None = None
    unit_id: int | None = None
    kind: str = CustomerOrderKind.TO_PATIENT
    delivery_to: str = ""
    delivery_point_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    priority: str = Priority.NORMAL
    requested_date: dt.date | str | None = None
    note: str = ""
    lines: list[LineInput] = field(default_factory=list)
    template_id: int | None = None
    orderer_hsa_id: str = ""
    orderer_username: str = ""


def _clean_header(order: Order, data: DraftInput) -> None:
    order.priority = clean_priority(data.priority)
    order.urgent_fee = pricing.urgent_fee() if data.priority == Priority.URGENT else None
    order.contact_name = clean_text(data.contact_name, "contact_name", 120, gettext("Kontaktperson"))
    order.contact_phone = clean_text(data.contact_phone, "contact_phone", 30, gettext("Telefon"))
    order.note = clean_text(data.note, "note", NOTE_MAX, gettext("Meddelandet"))
    order.requested_date = clean_future_date(data.requested_date)
    _apply_delivery(order, data.delivery_to, data.delivery_point_id)


def _next_line_no(order: Order) -> int:
    return (order.lines.aggregate(m=Max("line_no"))["m"] or 0) + 1


def _add_lines(order: Order, article, quantity: int, *, main_line: OrderLine | None = None,
               terms: tuple[str, dt.date | None] | None = None, field_prefix: str = "") -> list[OrderLine]:
    """Lines added to a saved draft (one at a time, or a template's). Tracked articles become one
    line per device (quantity 1 each)."""
    check_kind_allows(article, order.kind)
    loan_type, loan_until = terms if terms is not None else loans.clean_line_terms(
        article, "", None, order_kind=order.kind, prefix=field_prefix)
    existing = order.lines.count()
    if existing + (quantity if article.is_tracked else 1) > MAX_LINES:
        fail("lines", gettext("En order får ha högst %(max_lines)s rader.") % {"max_lines": MAX_LINES})
    per_line = [1] * quantity if article.is_tracked else [quantity]
    start = _next_line_no(order)
    return OrderLine.objects.bulk_create([
        OrderLine(order=order, line_no=start + i, article=article, quantity=q, main_line=main_line,
                  charging=article.charging, monthly_rent=article.monthly_rent, unit_price=article.purchase_price,
                  loan_type=loan_type, loan_until=loan_until)
        for i, q in enumerate(per_line)
    ])


def _refresh_promise(order: Order) -> None:
    articles = [ln.article for ln in order.lines.select_related("article")]
    order.promised_date = pricing.promised_date(articles, urgent=order.priority == Priority.URGENT)


def _plan_lines(order: Order, cleaned: list[tuple], terms: list[tuple] | None = None) -> list[OrderLine]:
    """Unsaved lines for `(article, quantity, main input no)` in input order. A tracked article
    becomes one line per device (quantity 1 each); `main input no` (1-based, an earlier input)
    makes the line an accessory of that input's first line. `terms`: each input's loan terms
    (`loans.clean_line_terms`; None: every article's default)."""
    rows: list[OrderLine] = []
    first_of_input: dict[int, OrderLine] = {}
    links: list[tuple[list[OrderLine], int]] = []
    for idx, (article, qty, main_no) in enumerate(cleaned, start=1):
        main = None
        loan_type, loan_until = (terms[idx - 1] if terms is not None else loans.clean_line_terms(
            article, "", None, order_kind=order.kind, prefix=f"lines.{idx - 1}."))
        per_line = [1] * qty if article.is_tracked else [qty]
        if len(rows) + len(per_line) > MAX_LINES:
            fail("lines", gettext("En order får ha högst %(max_lines)s rader.") % {"max_lines": MAX_LINES})
        new = [
            OrderLine(order=order, line_no=len(rows) + i + 1, article=article, quantity=q, main_line=main,
                      charging=article.charging, monthly_rent=article.monthly_rent, unit_price=article.purchase_price,
                      loan_type=loan_type, loan_until=loan_until)
            for i, q in enumerate(per_line)
        ]
        first_of_input[idx] = new[0]
        if main_no:
            links.append((new, main_no))
        rows += new
    for new, main_no in links:  # checked by check_accessory_links: an existing main line
        for row in new:
            row.main_line = first_of_input[main_no]
    return rows


def _insert_lines(rows: list[OrderLine]) -> None:
    """Main lines first, then the accessories that point at them: one insert per level."""
    pending = rows
    while pending:
        ready = [r for r in pending if r.main_line is None or r.main_line.pk is not None]
        OrderLine.objects.bulk_create(ready)
        done = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in done]


@entry_point
def order_draft_create(principal, data: DraftInput, *, submit: bool = False) -> Order:
    """Create a draft; with `submit=True` submit it in the same transaction (the API's
    create-and-submit, one round trip fewer for integrations).

    Everything is checked before the first write, and then written in few statements: the order
    (already in its final status), its lines, its events and its audit rows, one insert each."""
    require_orderer(principal)
    if data.kind == CustomerOrderKind.BUFFER_MANUAL:  # needs its store: ordering.flows.buffer
        fail("kind", gettext("En förrådsbeställning görs från förrådet (sidan Förråd, eller "
                     "POST /api/v1/buffer-stores/{id}/orders)."))
    if data.kind not in (CustomerOrderKind.TO_PATIENT, CustomerOrderKind.TO_UNIT):
        fail("kind", gettext("Ogiltig ordertyp."))
    unit = resolve_unit(principal, data.unit_id)
    customer_id = unit.organisation_id if unit is not None else principal.primary_customer_id
    patient = None
    if data.kind == CustomerOrderKind.TO_PATIENT:
        if not data.patient_id:
            fail("patient_id", gettext("Välj en patient."))
        patient = patient_for_order(principal, data.patient_id, columns=ORDER_PATIENT_COLUMNS)
        if patient.deceased_on is not None:
            fail("patient_id", gettext("Patienten är registrerad som avliden (%(deceased_on)s); inga nya beställningar kan göras.") % {"deceased_on": format(patient.deceased_on, '%Y-%m-%d')})
    cleaned = []
    terms = []
    articles = _articles_by_number([ln.article_number for ln in data.lines])
    for i, ln in enumerate(data.lines):
        article = get_orderable_article(ln.article_number, f"lines.{i}.article_number", known=articles)
        check_kind_allows(article, data.kind, f"lines.{i}.article_number")
        cleaned.append((article, clean_quantity(ln.quantity, f"lines.{i}.quantity"), ln.main_line_no))
        terms.append(loans.clean_line_terms(article, ln.loan_type, ln.loan_until, order_kind=data.kind,
                                            prefix=f"lines.{i}."))
    if data.template_id:
        for article, quantity in _template_articles(customer_id, data.template_id):
            check_kind_allows(article, data.kind, "template_id")
            cleaned.append((article, quantity, None))
            terms.append(loans.clean_line_terms(article, "", None, order_kind=data.kind, prefix="template_id."))
    check_accessory_links(cleaned)
    order = order_header(principal, OrderType.CUSTOMER, kind=data.kind, status=S.DRAFT, patient=patient,
                         unit=unit, delivery_from_patient=False, orderer_hsa_id=data.orderer_hsa_id,
                         orderer_username=data.orderer_username)
    if patient is None:
        order.prescriber = None  # a prescriber prescribes for a patient
    _clean_header(order, data)
    n_input = len(data.lines)
    decision = prescribing.check_lines(order, [
        (f"lines.{i}.article_number" if i < n_input else "template_id", a, q) for i, (a, q, _m) in enumerate(cleaned)])
    lines = _plan_lines(order, cleaned, terms)
    order.promised_date = pricing.promised_date([ln.article for ln in lines], urgent=order.is_urgent)
    moves = []
    if submit:
        if not lines:
            fail("lines", gettext("Ordern har inga rader."))
        submit_data = {"promised_date": str(order.promised_date)}
        if decision is not None:
            _require_direct(decision)
            order.extra = {**(order.extra or {}), "prescribing": decision}
            submit_data["prescribing"] = decision
        moves.append((S.SUBMITTED, submit_data))
    order_create(order, principal, moves=moves, audit_action="order.draft_created", audit_data={})
    _insert_lines(lines)
    order._created_lines = lines
    return order


def _draft_for_edit(principal, order_id: int) -> Order:
    order = order_for_customer(principal, order_id, lock=True)
    if order.status != S.DRAFT:
        raise IllegalTransition(gettext("Ordern är redan skickad och kan inte ändras."))
    return order


@entry_point
def order_draft_update(principal, order_id: int, data: DraftInput) -> Order:
    require_orderer(principal)
    order = _draft_for_edit(principal, order_id)
    _clean_header(order, data)
    _refresh_promise(order)
    order.save()
    audit_record(principal, "order.draft_updated", order)
    return order


@entry_point
def order_line_add(principal, order_id: int, article_number: str, quantity, *, main_line_id: int | None = None,
                   loan_type: str = "", loan_until=None) -> list[OrderLine]:
    require_orderer(principal)
    order = _draft_for_edit(principal, order_id)
    article = get_orderable_article(article_number)
    qty = clean_quantity(quantity)
    terms = loans.clean_line_terms(article, loan_type, loan_until, order_kind=order.kind)
    prescribing.check_lines(order, [("article_number", article, qty)])
    main = None
    if main_line_id is not None:
        main = order.lines.select_related("article").filter(pk=main_line_id).first() if main_line_id else None
        if main is None:
            fail("main_line_id", gettext("Huvudraden finns inte på ordern."))
        if main.main_line_id is not None:
            fail("main_line_id", gettext("Den valda raden är själv ett tillbehör; välj huvudhjälpmedlets rad."))
        check_accessory(main.article, article, "main_line_id")
    rows = _add_lines(order, article, qty, main_line=main, terms=terms)
    _refresh_promise(order)
    order.save(update_fields=["promised_date", "updated_at"])
    audit_record(principal, "order.line_added", order, {"article": article.article_number, "quantity": qty,
                                                        "loan_type": terms[0],
                                                        "loan_until": str(terms[1]) if terms[1] else None})
    return rows


@entry_point
def order_line_remove(principal, order_id: int, line_id: int) -> None:
    require_orderer(principal)
    order = _draft_for_edit(principal, order_id)
    line = order.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(gettext("Raden finns inte."))
    line.accessory_lines.update(main_line=None)
    line.delete()
    _refresh_promise(order)
    order.save(update_fields=["promised_date", "updated_at"])
    audit_record(principal, "order.line_removed", order, {"line_id": line_id})


def _template_articles(customer_id: int, template_id: int) -> list[tuple]:
    """(article, quantity) of a template of this customer, orderable articles only."""
    template = OrderTemplate.objects.filter(pk=template_id, customer_id=customer_id).first()
    if template is None:
        fail("template_id", gettext("Mallen finns inte."))
    return [(tl.article, tl.quantity) for tl in template.lines.select_related("article") if tl.article.is_orderable]


def _apply_template(principal, order: Order, template_id: int) -> None:
    for article, quantity in _template_articles(order.customer_id, template_id):
        _add_lines(order, article, quantity, field_prefix="template_id.")


@entry_point
def order_template_apply(principal, order_id: int, template_id: int) -> Order:
    require_orderer(principal)
    order = _draft_for_edit(principal, order_id)
    _apply_template(principal, order, template_id)
    _refresh_promise(order)
    order.save(update_fields=["promised_date", "updated_at"])
    audit_record(principal, "order.template_applied", order, {"template_id": template_id})
    return order


@entry_point
def order_template_create(principal, *, name: str, lines: list[LineInput], unit_id: int | None = None,
                          shared: bool = True) -> OrderTemplate:
    require_orderer(principal)
    name = clean_text(name, "name", 120, gettext("Namnet"))
    if not name:
        fail("name", gettext("Ange ett namn."))
    if not lines:
        fail("lines", gettext("Mallen måste ha minst en rad."))
    unit = resolve_unit(principal, unit_id, required=False)
    cleaned = [(get_orderable_article(ln.article_number), clean_quantity(ln.quantity)) for ln in lines]
    template = OrderTemplate.objects.create(
        customer_id=unit.organisation_id if unit else principal.primary_customer_id, unit=unit,
        owner=principal.user, name=name, shared=shared)
    OrderTemplateLine.objects.bulk_create(
        [OrderTemplateLine(template=template, article=a, quantity=q) for a, q in cleaned])
    audit_record(principal, "order_template.created", template)
    return template


@entry_point
def order_template_from_order(principal, order_id: int, name: str) -> OrderTemplate:
    order = order_for_customer(principal, order_id)
    lines: dict[str, int] = {}
    for ln in order.lines.select_related("article"):
        lines[ln.article.article_number] = lines.get(ln.article.article_number, 0) + ln.quantity
    return order_template_create(principal, name=name, unit_id=order.unit_id,
                                 lines=[LineInput(k, v) for k, v in lines.items()])


# --------------------------------------------------------------------------- customer transitions


@entry_point
def order_submit(principal, order_id: int) -> Order:
    """Submit a draft. Idempotent: submitting an order that is already submitted (a double
    click, a retried call) is a no-op that returns the order."""
    require_orderer(principal)
    order = order_for_customer(principal, order_id, lock=True)
    if order.status == S.SUBMITTED:
        return order  # already submitted (double click, retried call): nothing to do
    if order.status != S.DRAFT:
        apply_transition(order, S.SUBMITTED, principal)  # raises IllegalTransition
    return _submit_draft(principal, order, lines=list(order.lines.select_related("article")), refresh=True)


def _submit_draft(principal, order: Order, *, lines: list[OrderLine], refresh: bool = False) -> Order:
    """draft → submitted for a locked (or just created) draft."""
    if not lines:
        fail("lines", gettext("Ordern har inga rader."))
    if order.patient_id and refresh:
        # The delivery address as the patient's record says now (it may have changed since the draft).
        _apply_delivery(order, order.delivery_to, order.delivery_point_id)
    order.promised_date = pricing.promised_date([ln.article for ln in lines],
                                                urgent=order.priority == Priority.URGENT)
    order.submitted_at = timezone.now()
    data = {"promised_date": str(order.promised_date)}
    fields = ["submitted_at", "promised_date", "delivery_street", "delivery_postal_code", "delivery_city",
              "delivery_protected", "delivery_point"]
    if prescribing.applies_to(order):
        decision = prescribing.decide(order, [("lines", ln.article, ln.quantity) for ln in lines])
        prescribing.refuse_if_not_allowed(decision)
        _require_direct(decision)
        order.extra = {**(order.extra or {}), "prescribing": decision}
        data["prescribing"] = decision
        fields.append("extra")
    apply_transition(order, S.SUBMITTED, principal, data=data, update_fields=fields)
    return order


def _require_direct(decision: dict) -> None:
    """A plain submit is for direct orders; the lines that need a special request are named."""
    if decision["outcome"] == prescribing.SPECIAL:
        why = "; ".join(f"{ln['article']} {prescribing.reason_text(ln)}" for ln in decision["lines"]
                        if ln["outcome"] == prescribing.SPECIAL)
        raise ValidationFailed(gettext("Ordern kräver ett särskilt beslut: %(why)s. Skicka den som särskilt beslut med motivering.") % {"why": why}, code="special_request_required",
                               errors={"lines": [gettext("Ordern kräver ett särskilt beslut: %(why)s.") % {"why": why}]})


@entry_point
def order_withdraw(principal, order_id: int, reason: str = "") -> Order:
    require_orderer(principal)
    order = order_for_customer(principal, order_id, lock=True)
    if order.status == S.WITHDRAWN:
        return order
    reason = clean_text(reason, "reason", REASON_MAX, gettext("Orsaken"))
    order.closed_reason = reason
    apply_transition(order, S.WITHDRAWN, principal, reason=reason, update_fields=["closed_reason"])
    return order


# --------------------------------------------------------------------------- supply transitions
# Called by supply.services inside its transaction, with the order already locked.


def _fmt(day: dt.date | None) -> str:
    return date_format(day, "Y-m-d") if day else "–"


def order_mark_confirmed(order: Order, actor, *, planned_date: dt.date, backordered: bool = False) -> Order:
    order.planned_date = planned_date
    order.confirmed_at = timezone.now()
    order.confirmed_by_label = actor_fields(actor)["actor_label"]
    apply_transition(order, S.CONFIRMED, actor, data={"planned_date": str(planned_date), "backordered": backordered},
                     update_fields=["planned_date", "confirmed_at", "confirmed_by_label"])
    notify(order, Message.Kind.CONFIRMED, Text(gettext_noop("Order %(number)s är bekräftad"), number=order.number),
           Text(gettext_noop("Order %(number)s är bekräftad av Hjälpmedelscentralen. Planerat leveransdatum: "
                             "%(planned)s. Någon artikel är restnoterad; datumet är beräknat efter inleveransen.")
                if backordered else
                gettext_noop("Order %(number)s är bekräftad av Hjälpmedelscentralen. Planerat leveransdatum: "
                             "%(planned)s."), number=order.number, planned=_fmt(planned_date)))
    return order


def order_mark_delayed(order: Order, actor, *, new_date: dt.date, reason: str) -> Order:
    if order.status != S.CONFIRMED:
        raise IllegalTransition(gettext("Endast en bekräftad order kan försenas."), errors={"status": [order.status]})
    old = order.planned_date
    order.planned_date = new_date
    order.save(update_fields=["planned_date", "updated_at"])
    record_event(order, actor, event_type=OrderEvent.Type.DELAY, from_status=order.status, to_status=order.status,
                 reason=reason, data={"old_date": str(old) if old else None, "new_date": str(new_date)})
    audit_record(actor, "order.delayed", order, {"old_date": str(old), "new_date": str(new_date)})
    notify(order, Message.Kind.DELAYED, Text(gettext_noop("Order %(number)s är försenad"), number=order.number),
           Text(gettext_noop("Leveransen av order %(number)s är försenad. Nytt planerat leveransdatum: %(new_date)s "
                             "(tidigare %(old_date)s). Orsak: %(reason)s"), number=order.number,
                new_date=_fmt(new_date), old_date=_fmt(old), reason=reason))
    return order


def order_mark_cancelled(order: Order, actor, *, reason: str) -> Order:
    return order_cancel_with_notice(
        order, actor, reason=reason, subject=Text(gettext_noop("Order %(number)s är makulerad"), number=order.number),
        text=Text(gettext_noop("Order %(number)s kan inte genomföras och har makulerats. Orsak: %(reason)s. En ny "
                               "beställning måste göras."), number=order.number, reason=reason))


def order_line_allocated(line: OrderLine, *, devices: list, quantity: int, backordered: int) -> OrderLine:
    """Record what stock reserved for a line (supply's confirm and dispatch): the device of a
    tracked line, the reserved quantity added, what is still back-ordered."""
    fields = ["allocated_quantity", "backordered_quantity", "updated_at"]
    if devices:
        line.device = devices[0]
        fields.append("device")
    line.allocated_quantity += quantity
    line.backordered_quantity = backordered
    line.save(update_fields=fields)
    return line


def order_line_released(line: OrderLine) -> OrderLine:
    """Stock released what was reserved and not delivered (supply's cancel)."""
    line.allocated_quantity = line.delivered_quantity
    line.save(update_fields=["allocated_quantity", "updated_at"])
    return line


def delivery_create(order: Order, actor, *, delivered_on: dt.date, receiver_name: str, place: str) -> Delivery:
    """A delivery acknowledged by a receiver (its lines: `delivery_line_add`); the locked order
    is marked by `order_mark_line_delivered` once every line is added."""
    return Delivery.objects.create(order=order, delivered_on=delivered_on, receiver_name=receiver_name,
                                   place=place, actor_label=getattr(actor, "label", "") or actor_fields(actor)["actor_label"])


def delivery_line_add(delivery: Delivery, line: OrderLine, quantity: int) -> DeliveryLine:
    return DeliveryLine.objects.create(delivery=delivery, order_line=line, quantity=quantity, device=line.device)


def order_mark_dispatched(order: Order, actor) -> Order:
    apply_transition(order, S.DISPATCHED, actor)
    return order


def order_mark_line_delivered(order: Order, actor, *, delivery, deliveries: list[tuple[OrderLine, int]],
                              at_stay_address: bool) -> Order:
    """Record delivered quantities; the order becomes delivered when every line is."""
    for line, qty in deliveries:
        line.delivered_quantity += qty
        line.save(update_fields=["delivered_quantity", "updated_at"])
    record_event(order, actor, event_type=OrderEvent.Type.DELIVERY, from_status=order.status,
                 to_status=order.status, data={"delivery_id": delivery.pk, "receiver": delivery.receiver_name,
                                               "place": delivery.place,
                                               "lines": {str(ln.line_no): q for ln, q in deliveries}})
    if (order.extra or {}).get("exchange"):
        from .exchange import exchange_delivered

        exchange_delivered(order, actor, delivered_on=delivery.delivered_on)  # the old loan ends the day before
    all_done = not order.lines.filter(delivered_quantity__lt=F("quantity")).exists()
    if all_done:
        order.delivered_at = timezone.now()
        apply_transition(order, S.DELIVERED, actor, data={"delivery_id": delivery.pk},
                         update_fields=["delivered_at"])
    else:
        audit_record(actor, "order.part_delivered", order, {"delivery_id": delivery.pk})
    if at_stay_address:
        what = (Text(gettext_noop("Ordern är levererad i sin helhet.")) if all_done
                else Text(gettext_noop("Ordern är dellevererad.")))
        notify(order, Message.Kind.DELIVERED,
               Text(gettext_noop("Leverans av order %(number)s är kvitterad"), number=order.number),
               Text(gettext_noop("Leveransen av order %(number)s till patientens vistelseadress kvitterades "
                                 "%(delivered_on)s av %(receiver)s. %(what)s"), number=order.number,
                    delivered_on=_fmt(delivery.delivered_on), receiver=delivery.receiver_name, what=what))
    return order


