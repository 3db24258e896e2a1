"""Writes of the invoicing context: open a month, compute it, close it.

`invoice_month_compute` replaces an open month's lines with the month's charges
(`invoicing.charges`) plus the corrections of the closed months before it (below), inside one
transaction under a row lock on the month: the same data gives the same lines (idempotent).

Corrections: for every closed month C whose next open month is the month N being computed,
the charges C should have billed are computed again and compared, per charge key, with what C
billed (its own lines plus corrections for C already in other closed months). Each difference
becomes a correction line in N (`corrects_month` = C, `corrects_line` = C's line with that key
when there was one). So a closed month never changes, and a late change is billed once."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Min, Sum
from django.utils import timezone

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from . import charges as ch
from .models import InvoiceLine, InvoiceMonth

BATCH = 5000


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def invoice_month_open(*, month: dt.date, actor=None) -> InvoiceMonth:
    """The month (created open when missing)."""
    obj, created = InvoiceMonth.objects.get_or_create(month=first_of_month(month))
    if created:
        audit_record(actor, "invoicing.month_open", obj)
    return obj


def _line(month: InvoiceMonth, c: ch.Charge, **extra) -> InvoiceLine:
    return InvoiceLine(month=month, **c.as_fields(), **extra)


def correction_charges(month: InvoiceMonth, terms: ch.TermsCalendar) -> list[InvoiceLine]:
    closed = list(InvoiceMonth.objects.filter(status=InvoiceMonth.Status.CLOSED, month__lt=month.month)
                  .order_by("month"))
    opens = sorted(InvoiceMonth.objects.filter(status=InvoiceMonth.Status.OPEN).values_list("month", flat=True))
    out: list[InvoiceLine] = []
    for c in closed:
        nxt = next((m for m in opens if m > c.month), None)
        if nxt != month.month:
            continue
        expected = {x.key: x for x in ch.month_charges(c.month, terms)}
        billed: dict[str, dict] = {}
        for row in (InvoiceLine.objects.filter(month=c, corrects_month__isnull=True).values("key").annotate(
                amount=Sum("amount_ore"), qty=Sum("quantity"), first=Min("id"))):
            billed[row["key"]] = row
        for row in (InvoiceLine.objects.filter(corrects_month=c, month__status=InvoiceMonth.Status.CLOSED)
                    .values("key").annotate(amount=Sum("amount_ore"), qty=Sum("quantity"))):
            b = billed.setdefault(row["key"], {"amount": 0, "qty": Decimal(0), "first": None})
            b["amount"] += row["amount"]
            b["qty"] += row["qty"]
        originals = {o.key: o for o in InvoiceLine.objects.filter(
            pk__in=[b["first"] for b in billed.values() if b["first"]])}
        for key in sorted(set(expected) | set(billed)):
            b = billed.get(key, {"amount": 0, "qty": Decimal(0)})
            e = expected.get(key)
            amount = (e.amount_ore if e else 0) - b["amount"]
            qty = (e.quantity if e else Decimal(0)) - b["qty"]
            if amount == 0 and qty == 0:
                continue
            original = originals.get(key)
            if e is not None:
                fields = e.as_fields()
            else:  # the charge disappeared: reverse it, described as the original
                fields = {f: getattr(original, f) for f in ch.Charge.__dataclass_fields__}
            fields.update(quantity=qty, amount_ore=amount, text=("Rättelse: " + fields["text"])[:300])
            out.append(InvoiceLine(month=month, corrects_line=original, corrects_month=c, **fields))
    return out


def invoice_month_compute(*, month_id: int, actor=None) -> int:
    """Replace an open month's lines with its charges and corrections. Returns the line count."""
    terms = ch.TermsCalendar()
    # Visible to the month page while the work runs (outside the work's own transaction when
    # called from the task; inside a caller's transaction it simply commits with the rest).
    InvoiceMonth.objects.filter(pk=month_id, status=InvoiceMonth.Status.OPEN).update(
        compute_status=InvoiceMonth.Compute.RUNNING, compute_progress=0, compute_error="")
    with transaction.atomic():
        month = InvoiceMonth.objects.select_for_update().get(pk=month_id)
        if month.is_closed:
            raise Conflict("Månaden är stängd och kan inte beräknas om.", code="month_closed")
        # One DELETE statement (no model instances in memory): an open month's lines are never
        # referenced by other lines (corrections refer to closed months only).
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {InvoiceLine._meta.db_table} WHERE month_id = %s", [month.pk])
        count = 0
        batch: list[InvoiceLine] = []
        for c in ch.month_charges(month.month, terms):
            batch.append(_line(month, c))
            if len(batch) >= BATCH:
                InvoiceLine.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        batch.extend(correction_charges(month, terms))
        InvoiceLine.objects.bulk_create(batch)
        count += len(batch)
        now = timezone.now()
        InvoiceMonth.objects.filter(pk=month.pk).update(compute_status=InvoiceMonth.Compute.DONE,
                                                        compute_progress=100, computed_at=now, updated_at=now)
        audit_record(actor, "invoicing.month_compute", month, {"lines": count})
    return count


def invoice_month_request_compute(*, month: InvoiceMonth, actor=None) -> None:
    """Queue the computation (background task, after commit); the page shows its progress."""
    from .tasks import invoice_month_compute as task

    if month.is_closed:
        raise Conflict("Månaden är stängd och kan inte beräknas om.", code="month_closed")
    InvoiceMonth.objects.filter(pk=month.pk).update(compute_status=InvoiceMonth.Compute.QUEUED,
                                                    compute_progress=0)
    audit_record(actor, "invoicing.month_compute_requested", month)
    transaction.on_commit(lambda: task.enqueue(month.pk))


def invoice_month_close(*, month_id: int, actor=None) -> InvoiceMonth:
    """Close a computed month: its lines are final. Months close in order."""
    with transaction.atomic():
        month = InvoiceMonth.objects.select_for_update().get(pk=month_id)
        if month.is_closed:
            raise Conflict("Månaden är redan stängd.", code="month_closed")
        if month.computed_at is None or month.compute_status != InvoiceMonth.Compute.DONE:
            raise ValidationFailed("Beräkna månaden innan den stängs.", code="not_computed")
        if InvoiceMonth.objects.filter(month__lt=month.month, status=InvoiceMonth.Status.OPEN).exists():
            raise ValidationFailed("Stäng tidigare månader först.", code="earlier_open")
        month.status = InvoiceMonth.Status.CLOSED
        month.closed_at = timezone.now()
        month.closed_by_label = getattr(actor, "label", "") or str(actor or "")[:200]
        month.save(update_fields=["status", "closed_at", "closed_by_label", "updated_at"])
        totals = InvoiceLine.objects.filter(month=month).aggregate(n=Sum("amount_ore"))
        audit_record(actor, "invoicing.month_close", month, {"total_ore": totals["n"] or 0})
    return month
