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
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import Conflict, ValidationFailed

from . import charges as ch
from .models import InvoiceLine, InvoiceMonth, MonthProgress

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


# The columns a charge fills (a line's own columns; corrections are written as model instances).
_COPY_COLUMNS = ("month_id",) + ch.CHARGE_FIELDS


def write_charges(month: InvoiceMonth, charges) -> int:
    """Insert the month's charges as lines, in batches of BATCH, in the order given. On
    PostgreSQL each batch is one COPY of plain tuples (no model instances: building and
    preparing 600,000 instances for `bulk_create` was most of a month's computation); the
    closed-month trigger applies to COPY as to INSERT. Elsewhere `bulk_create`."""
    copy = connection.vendor == "postgresql"
    count = 0
    batch: list = []

    def flush():
        if not batch:
            return
        if copy:
            with connection.cursor() as cursor:
                sql = f"COPY {InvoiceLine._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
                with cursor.cursor.copy(sql) as cp:
                    for row in batch:
                        cp.write_row(row)
        else:
            InvoiceLine.objects.bulk_create(batch)
        batch.clear()

    for c in charges:
        batch.append((month.pk,) + c.as_row() if copy else _line(month, c))
        if len(batch) >= BATCH:
            count += len(batch)
            flush()
    count += len(batch)
    flush()
    return count


def write_rent_lines(month: InvoiceMonth, terms: ch.TermsCalendar, progress=None) -> int:
    """Insert the month's rent lines straight from the database's own rows: one INSERT … SELECT
    per batch of loans (`invoicing.rentsql`; no row passes through Python). The lines are those
    of `charges.rent_charges`, in the same order."""
    from . import rentsql

    columns = ", ".join(_COPY_COLUMNS)
    count = 0
    for select, params in rentsql.statements(month.month, terms, progress):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {InvoiceLine._meta.db_table} ({columns}) SELECT %s, q.* FROM ({select}) q",
                           [month.pk, *params])
            count += cursor.rowcount
    return count


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


class Progress:
    """Reports how far a month's computation is (`MonthProgress`: percent and stage), at most once
    per percent and stage. When the computation runs in its own transaction on PostgreSQL (the
    background task), the row is written over a second connection in autocommit, so the month
    page sees it while the computation's transaction is open; otherwise (SQLite, or inside a
    caller's transaction) it is written on the computation's own connection and seen at commit."""

    SQL = (f"INSERT INTO {MonthProgress._meta.db_table} (month_pk, percent, stage, updated_at) "
           "VALUES (%s, %s, %s, %s) ON CONFLICT (month_pk) DO UPDATE SET percent = EXCLUDED.percent, "
           "stage = EXCLUDED.stage, updated_at = EXCLUDED.updated_at")

    def __init__(self, month_id: int):
        self.month_id = month_id
        self.last: tuple[int, str] | None = None
        self.side = connection.copy() if connection.vendor == "postgresql" and not connection.in_atomic_block \
            else None

    def __call__(self, percent: int, stage: str) -> None:
        percent = max(0, min(100, int(percent)))
        if (percent, stage) == self.last:
            return
        self.last = (percent, stage)
        with (self.side or connection).cursor() as cursor:
            cursor.execute(self.SQL, [self.month_id, percent, stage, timezone.now()])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def invoice_month_compute(*, month_id: int, actor=None) -> int:
    """Replace an open month's lines with its charges and corrections. Returns the line count.
    The percentage done is reported as it goes (`Progress`, shown on the month page)."""
    progress = Progress(month_id)
    try:
        return _compute(month_id, actor, progress)
    finally:
        progress.close()


def _compute(month_id: int, actor, progress: Progress) -> int:
    terms = ch.TermsCalendar()
    # Visible to the month page while the work runs (outside the work's own transaction when
    # called from the task; inside a caller's transaction it simply commits with the rest).
    InvoiceMonth.objects.filter(pk=month_id, status=InvoiceMonth.Status.OPEN).update(
        compute_status=InvoiceMonth.Compute.RUNNING, compute_progress=0, compute_error="")
    progress(0, "start")
    with transaction.atomic():
        month = InvoiceMonth.objects.select_for_update().get(pk=month_id)
        if month.is_closed:
            raise Conflict(_("Månaden är stängd och kan inte beräknas om."), code="month_closed")
        # One DELETE statement (no model instances in memory): an open month's lines are never
        # referenced by other lines (corrections refer to closed months only).
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {InvoiceLine._meta.db_table} WHERE month_id = %s", [month.pk])
        rent_lines = 0

        def write_rent(day, terms, rent_progress):
            nonlocal rent_lines
            rent_lines = write_rent_lines(month, terms, rent_progress)

        count = write_charges(month, ch.month_charges(month.month, terms, progress=progress, rent=write_rent))
        count += rent_lines
        progress(ch.CHARGES_DONE, "corrections")
        corrections = correction_charges(month, terms)
        InvoiceLine.objects.bulk_create(corrections, batch_size=BATCH)
        count += len(corrections)
        progress(99, "save")
        now = timezone.now()
        InvoiceMonth.objects.filter(pk=month.pk).update(compute_status=InvoiceMonth.Compute.DONE,
                                                        compute_progress=100, computed_at=now, updated_at=now)
        audit_record(actor, "invoicing.month_compute", month, {"lines": count})
    progress(100, "done")
    return count


def invoice_month_request_compute(*, month: InvoiceMonth, actor=None) -> None:
    """Queue the computation (background task, after commit); the page shows its progress."""
    from .tasks import invoice_month_compute as task

    if month.is_closed:
        raise Conflict(_("Månaden är stängd och kan inte beräknas om."), code="month_closed")
    InvoiceMonth.objects.filter(pk=month.pk).update(compute_status=InvoiceMonth.Compute.QUEUED,
                                                    compute_progress=0)
    MonthProgress.objects.filter(month_pk=month.pk).delete()
    audit_record(actor, "invoicing.month_compute_requested", month)
    transaction.on_commit(lambda: task.enqueue(month.pk))


def invoice_month_close(*, month_id: int, actor=None) -> InvoiceMonth:
    """Close a computed month: its lines are final. Months close in order."""
    with transaction.atomic():
        month = InvoiceMonth.objects.select_for_update().get(pk=month_id)
        if month.is_closed:
            raise Conflict(_("Månaden är redan stängd."), code="month_closed")
        if month.computed_at is None or month.compute_status != InvoiceMonth.Compute.DONE:
            raise ValidationFailed(_("Beräkna månaden innan den stängs."), code="not_computed")
        if InvoiceMonth.objects.filter(month__lt=month.month, status=InvoiceMonth.Status.OPEN).exists():
            raise ValidationFailed(_("Stäng tidigare månader först."), code="earlier_open")
        month.status = InvoiceMonth.Status.CLOSED
        month.closed_at = timezone.now()
        month.closed_by_label = getattr(actor, "label", "") or str(actor or "")[:200]
        month.save(update_fields=["status", "closed_at", "closed_by_label", "updated_at"])
        totals = InvoiceLine.objects.filter(month=month).aggregate(n=Sum("amount_ore"))
        audit_record(actor, "invoicing.month_close", month, {"total_ore": totals["n"] or 0})
    return month
