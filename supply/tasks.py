"""Background work for the supply centre: daily preventive-maintenance (inspection) work
orders for devices whose inspection is due (`ordering.flows.work.inspection_orders_create`)."""
from __future__ import annotations

import datetime as dt

from django_tasks import task

from core import scheduler


@task()
def create_inspection_work_orders() -> int:
    from ordering.flows.work import inspection_orders_create

    return len(inspection_orders_create())


scheduler.register("supply.inspection_work_orders", "supply.tasks.create_inspection_work_orders",
                   dt.timedelta(hours=24))
