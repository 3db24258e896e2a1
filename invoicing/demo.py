"""Demo invoice basis: last month computed and closed, this month computed (preliminary).
Idempotent: months that exist are kept (this month is recomputed while open)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import services
from .models import InvoiceMonth


def load() -> str:
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    last = services.invoice_month_open(month=last_month)
    if not last.is_closed:
        services.invoice_month_compute(month_id=last.pk)
        services.invoice_month_close(month_id=last.pk)
    current = services.invoice_month_open(month=this_month)
    count = services.invoice_month_compute(month_id=current.pk)
    return f"{InvoiceMonth.objects.count()} månader, {count} rader i {current.label}"
