"""Demo service orders (idempotent), through the same services as the UI: a repair accepted for
the demo technician, a submitted pickup and a fault report that asks for a reply. Needs the
access, patients, stock and ordering demo data (devices on loan to demo patients)."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from access.models import User
from access.principal import principal_for_user

DEMO_DESCRIPTION = "Demo: bromsen tar dåligt på höger sida."


def load() -> str:
    from core.calendar import add_weekdays
    from ordering.flows import fault as fault_reports
    from ordering.flows import pickup as pickups
    from ordering.flows import work as work_orders
    from ordering.models import Order
    from stock.models import Loan
    supply_work_orders = work_orders

    if Order.objects.filter(order_type="work", note=DEMO_DESCRIPTION).exists():
        return "finns redan"
    users = {u.username: u for u in User.objects.filter(username__in=["forskrivare", "kundtjanst", "tekniker"],
                                                          is_demo=True)}
    if len(users) < 3:
        return "demoanvändarna saknas"
    p = principal_for_user(users["forskrivare"])
    h = principal_for_user(users["kundtjanst"])
    loans = list(Loan.objects.filter(ended_on__isnull=True, customer_id__in=p.customer_ids)
                 .select_related("device", "patient").order_by("pk")[:3])
    if len(loans) < 3:
        return "utlåningar saknas (kör stock- och ordering-demo först)"
    today = timezone.localdate()
    repair = work_orders.work_order_create(p, work_orders.WorkOrderInput(
        patient_id=loans[0].patient_id, kind="repair_patient", description=DEMO_DESCRIPTION,
        device_serial=loans[0].device.serial), submit=True)
    supply_work_orders.work_order_accept(h, repair.pk, planned_date=add_weekdays(today, 2),
                                         technician_id=users["tekniker"].pk)
    pickup = pickups.pickup_create(p, pickups.PickupInput(
        patient_id=loans[1].patient_id, requested_date=add_weekdays(today, 3),
        lines=[pickups.PickupLineInput(loans[1].device.serial, "not_needed")]))
    fault = fault_reports.fault_report_create(p, fault_reports.FaultReportInput(
        kind="near_miss", concerns="device", description="Demo: ryggstödet fälldes ned oväntat vid förflyttning.",
        occurred_on=today - dt.timedelta(days=1), patient_id=loans[2].patient_id,
        device_serial=loans[2].device.serial, reply_to_reporter=True))
    return f"arbetsorder {repair.number}, hämtorder {pickup.number}, avvikelse {fault.number}"
