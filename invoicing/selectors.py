"""Reads of the invoice basis, with who may see what: a customer's basis is visible to users
holding the invoice role (`invoice_viewer`) at that customer and to its own system client;
the supply side sees every customer. Anything else answers 'not found' (404)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access.models import CostCentre, Organisation, RoleAssignment
from access.roles import Perm, Role
from core.errors import NotFound

from .models import InvoiceLine, InvoiceMonth, MonthProgress

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def invoice_customer_ids(principal) -> frozenset[int] | None:
    """Customers whose basis `principal` may read; None = every customer (supply side)."""
    if not principal.has_perm(Perm.INVOICE_VIEW):
        return frozenset()
    if principal.is_supply:
        return None
    if principal.user is None:  # a customer's system client
        return frozenset(principal.customer_ids)
    return frozenset(RoleAssignment.objects.filter(user=principal.user, role=Role.INVOICE_VIEWER,
                                                   unit__is_active=True)
                     .values_list("unit__organisation_id", flat=True))


def can_see_customer(principal, customer_id: int) -> bool:
    ids = invoice_customer_ids(principal)
    return ids is None or customer_id in ids


STAGE_LABELS = {
    "start": _("startar"), "rent": _("hyror"), "buffer_rent": _("hyror i buffertförråd"), "purchase": _("köp"),
    "service": _("tjänster"), "fee": _("avgifter"), "corrections": _("rättelser"), "save": _("sparar"),
    "done": _("klar"),
}


def month_progress(month: InvoiceMonth) -> dict | None:
    """The running (or queued) computation's percent and stage, for the month page; None otherwise."""
    if month.compute_status not in (InvoiceMonth.Compute.QUEUED, InvoiceMonth.Compute.RUNNING):
        return None
    row = MonthProgress.objects.filter(month_pk=month.pk).values("percent", "stage").first()
    percent = row["percent"] if row and month.compute_status == InvoiceMonth.Compute.RUNNING else 0
    stage = row["stage"] if row else ""
    return {"percent": percent, "stage": stage, "stage_label": STAGE_LABELS.get(stage, "")}


def parse_month(label: str) -> dt.date:
    m = _MONTH.match(label or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise NotFound(gettext("Månaden finns inte."))
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_get(label: str) -> InvoiceMonth:
    month = InvoiceMonth.objects.filter(month=parse_month(label)).first()
    if month is None:
        raise NotFound(gettext("Månaden finns inte."))
    return month


def months() -> list[InvoiceMonth]:
    return list(InvoiceMonth.objects.order_by("-month"))


def visible_customer(principal, customer_id: int) -> Organisation:
    if not can_see_customer(principal, customer_id):
        raise NotFound(gettext("Hittades inte."))
    org = Organisation.objects.filter(pk=customer_id).first()
    if org is None or not org.is_customer:
        raise NotFound(gettext("Hittades inte."))
    return org


def visible_customers(principal) -> list[Organisation]:
    ids = invoice_customer_ids(principal)
    qs = Organisation.objects.exclude(kind=Organisation.Kind.SUPPLY_CENTRE).order_by("name")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(qs)


@dataclass
class Total:
    key: int | None
    label: str
    amount_ore: int
    lines: int
    previous_ore: int | None = None

    @property
    def change_ore(self) -> int | None:
        return None if self.previous_ore is None else self.amount_ore - self.previous_ore


def lines_of(month: InvoiceMonth, customer_id: int, cost_centre_id: int | None = None, *, all_centres=True):
    qs = InvoiceLine.objects.filter(month=month, customer_id=customer_id)
    if not all_centres:
        qs = qs.filter(cost_centre_id=cost_centre_id)
    return qs.order_by("cost_centre_id", "id")


def identified_patient_ids(month: InvoiceMonth, customer_id: int) -> list[int]:
    """Patients whose identity number the customer's basis shows (for the patient-access log)."""
    return list(InvoiceLine.objects.filter(month=month, customer_id=customer_id, patient_id__isnull=False)
                .exclude(patient_identity="").order_by("patient_id").values_list("patient_id", flat=True).distinct())


def totals_by_cost_centre(month: InvoiceMonth, customer_id: int) -> list[Total]:
    rows = list(InvoiceLine.objects.filter(month=month, customer_id=customer_id).values("cost_centre_id")
                .annotate(amount=Sum("amount_ore"), n=Count("id")).order_by("cost_centre_id"))
    names = {c.pk: str(c) for c in CostCentre.objects.filter(pk__in=[r["cost_centre_id"] for r in rows])}
    out = [Total(r["cost_centre_id"], names.get(r["cost_centre_id"], "Utan kostnadsställe"), r["amount"], r["n"])
           for r in rows]
    return sorted(out, key=lambda t: (t.key is None, t.label))


def previous_month(month: InvoiceMonth) -> InvoiceMonth | None:
    return InvoiceMonth.objects.filter(month__lt=month.month).order_by("-month").first()


def totals_by_customer(month: InvoiceMonth) -> list[Total]:
    """Supply side: the month's total per customer with the previous month's beside it."""
    prev = previous_month(month)
    previous = {}
    if prev is not None:
        previous = dict(InvoiceLine.objects.filter(month=prev).values("customer_id").annotate(a=Sum("amount_ore"))
                        .values_list("customer_id", "a"))
    rows = {r["customer_id"]: r for r in InvoiceLine.objects.filter(month=month).values("customer_id")
            .annotate(amount=Sum("amount_ore"), n=Count("id"))}
    names = dict(Organisation.objects.filter(pk__in=set(rows) | set(previous)).values_list("pk", "name"))
    out = []
    for cid in set(rows) | set(previous):
        r = rows.get(cid, {"amount": 0, "n": 0})
        out.append(Total(cid, names.get(cid, ""), r["amount"], r["n"], previous.get(cid, 0 if prev else None)))
    return sorted(out, key=lambda t: t.label)


def month_history(customer_id: int | None = None, limit: int = 12) -> list[tuple[str, int]]:
    """(month label, total) for the last `limit` months, oldest first (the chart)."""
    qs = InvoiceLine.objects.all()
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    rows = dict(qs.values("month_id").annotate(a=Sum("amount_ore")).values_list("month_id", "a"))
    recent = list(InvoiceMonth.objects.order_by("-month")[:limit])
    return [(m.label, rows.get(m.pk, 0)) for m in reversed(recent)]


def rent_by_customer(first: dt.date, last: dt.date, *, customer_ids=None) -> dict[int, dict[dt.date, tuple[int, int]]]:
    """Devices on loan and their monthly cost, as the invoice basis charged them (the basis is
    the one charge computation, `invoicing.charges`): customer id -> month -> (devices with a rent
    line, rent in öre), for the months first..last whose basis has been computed (the statistics)."""
    from .models import Rule

    qs = InvoiceLine.objects.filter(month__month__gte=first, month__month__lte=last,
                                    rule__in=(Rule.RENT, Rule.SPECIAL_RENT))
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=customer_ids)
    out: dict[int, dict[dt.date, tuple[int, int]]] = {}
    for month, cid, devices, amount in (qs.values("month__month", "customer_id")
                                        .annotate(d=Count("device_id", distinct=True), a=Sum("amount_ore"))
                                        .values_list("month__month", "customer_id", "d", "a")):
        out.setdefault(cid, {})[month] = (devices, amount or 0)
    return out


def computed_months(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """month -> when its basis was last computed (ISO time), for the months first..last that have one."""
    return {m: at.isoformat() for m, at in InvoiceMonth.objects.filter(
        month__gte=first, month__lte=last, computed_at__isnull=False).values_list("month", "computed_at")}
