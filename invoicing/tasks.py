"""Background work for invoicing: compute a month (on demand and nightly for open months)."""
from __future__ import annotations

import datetime as dt

from django_tasks import task

from core.scheduler import register


@task()
def invoice_month_compute(month_id: int) -> int:
    from .models import InvoiceMonth
    from .services import invoice_month_compute as compute

    try:
        return compute(month_id=month_id, actor=None)
    except Exception as exc:
        InvoiceMonth.objects.filter(pk=month_id, status=InvoiceMonth.Status.OPEN).update(
            compute_status=InvoiceMonth.Compute.FAILED, compute_error=str(exc)[:500])
        raise


@task()
def invoice_open_months_compute() -> int:
    """Nightly: the current month exists and every open month is recomputed."""
    from django.utils import timezone

    from .models import InvoiceMonth
    from .services import invoice_month_compute as compute
    from .services import invoice_month_open

    invoice_month_open(month=timezone.localdate())
    ids = list(InvoiceMonth.objects.filter(status=InvoiceMonth.Status.OPEN).order_by("month")
               .values_list("pk", flat=True))
    for pk in ids:
        compute(month_id=pk)
    return len(ids)


register("invoicing.open_months", "invoicing.tasks.invoice_open_months_compute", dt.timedelta(days=1))
