"""A hand-made statistics fixture (operations/tests/test_statistics.py explains the values)."""
from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from invoicing.models import InvoiceLine, InvoiceMonth
from ordering.models import Delivery, DeliveryLine, Order, OrderEvent, OrderLine
from ordering.tests import factories as of
from stock.models import StockMovement

TZ = ZoneInfo("Europe/Stockholm")
DEC, JAN, FEB = dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)
_n = itertools.count(1)


def at(y, m, d, h=9, mi=0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def event(order, when, from_status, to_status, *, event_type="transition", data=None):
    e = OrderEvent.objects.create(order=order, event_type=event_type, from_status=from_status, to_status=to_status,
                                  data=data or {})
    OrderEvent.objects.filter(pk=e.pk).update(at=when)
    return e


def order(customer, *, otype="customer", kind="to_patient", priority="normal", fallback=False, status="delivered"):
    prefix = {"customer": "KO", "work": "AO", "pickup": "HO", "fault": "AV"}[otype]
    return Order.objects.create(number=f"{prefix}T{next(_n):05d}", order_type=otype, kind=kind, customer=customer,
                                priority=priority, is_fallback=fallback, status=status)


def delivered_order(customer, submitted, delivered, **kw):
    o = order(customer, **kw)
    event(o, submitted - dt.timedelta(hours=1), "", "draft")
    event(o, submitted, "draft", "submitted")
    event(o, delivered, "dispatched", "delivered")
    return o


def deliver_device(o, when, art, device, condition):
    """A delivery event with one tracked line, and the ledger's issue row (the condition the device
    left stock in)."""
    line = OrderLine.objects.create(order=o, line_no=1, article=art, quantity=1, delivered_quantity=1, device=device)
    d = Delivery.objects.create(order=o, delivered_on=when.date(), receiver_name="Mottagare", place="stay_address")
    DeliveryLine.objects.create(delivery=d, order_line=line, quantity=1, device=device)
    event(o, when, o.status, o.status, event_type="delivery", data={"delivery_id": d.pk, "lines": {"1": 1}})
    StockMovement.objects.create(kind="issue", article=art, location=of.central(), device=device,
                                 condition=condition, quantity=-1, ref=f"{o.number}:1")


def build(world):
    region, muni = world["region"], world["municipality"]
    chair = of.wheelchair()  # ISO 12 22 06, tracked, stocked
    special = of.article(name="Specialsits", purchasing="on_demand", price="9000")
    devices = of.stock_devices(chair, new=2, refurbished=2)
    o = {}
    # Stocked deliveries (7 weekdays).
    o["C"] = delivered_order(region, at(2025, 12, 1, 8), at(2025, 12, 12, 15))  # 9 weekdays: late, December
    o["D2"] = delivered_order(region, at(2025, 12, 23, 10), at(2025, 12, 30, 11))  # 3 weekdays: met, December
    o["A"] = delivered_order(region, at(2025, 12, 29, 10), at(2026, 1, 9, 14))  # 7 weekdays over 3 holidays: met
    o["B"] = delivered_order(region, at(2025, 12, 22, 9), at(2026, 1, 7, 9))  # 8 weekdays: late, January
    o["I"] = delivered_order(region, at(2026, 1, 13, 9), at(2026, 1, 15, 10), fallback=True)  # paper time: 2
    OrderEvent.objects.filter(order=o["I"]).update(data={"entered_at": "2026-01-20T10:00:00+01:00"})
    o["J"] = delivered_order(muni, at(2026, 1, 19, 9), at(2026, 2, 2, 9))  # 10 weekdays: late, February
    # Order-in article (17 weekdays): 15 weekdays over Christmas, New Year and Epiphany.
    o["D"] = delivered_order(region, at(2025, 12, 15, 9), at(2026, 1, 9, 9))
    OrderLine.objects.create(order=o["D"], line_no=1, article=special, quantity=1, delivered_quantity=1)
    # Urgent (24 h): 23 h in January; 25 h across the January/February boundary.
    o["E1"] = delivered_order(region, at(2026, 1, 30, 20), at(2026, 1, 31, 19), priority="urgent")
    o["E2"] = delivered_order(region, at(2026, 1, 31, 22), at(2026, 2, 1, 23), priority="urgent")
    # Reuse: A and C from refurbished stock, B new (the device is refurbished now: the ledger decides).
    deliver_device(o["C"], at(2025, 12, 12, 15), chair, devices[2], "refurbished")
    deliver_device(o["A"], at(2026, 1, 9, 14), chair, devices[3], "refurbished")
    deliver_device(o["B"], at(2026, 1, 7, 9), chair, devices[0], "new")
    devices[0].condition = "refurbished"
    devices[0].save(update_fields=["condition"])
    # Repairs: started within 3, finished within 10 weekdays.
    f1 = order(region, otype="work", kind="repair_patient", status="completed")
    event(f1, at(2025, 12, 30, 8), "draft", "submitted")
    event(f1, at(2026, 1, 7, 9), "accepted", "in_progress")  # 4 weekdays (1 and 6 Jan): late
    event(f1, at(2026, 1, 14, 9), "in_progress", "completed")  # 9 weekdays: met
    f2 = order(region, otype="work", kind="repair_centre", status="completed")
    event(f2, at(2026, 1, 2, 10), "draft", "submitted")
    event(f2, at(2026, 1, 5, 9), "accepted", "in_progress")  # 1 weekday
    event(f2, at(2026, 1, 16, 9), "in_progress", "completed")  # 9 weekdays (6 Jan skipped)
    # Pickups (7 days): 8 days (late), 7 days (met), both ending in February.
    g1 = order(region, otype="pickup", kind="", status="picked_up")
    event(g1, at(2026, 1, 26, 10), "", "submitted")
    event(g1, at(2026, 2, 3, 10), "planned", "picked_up")
    g2 = order(region, otype="pickup", kind="", status="picked_up")
    event(g2, at(2026, 2, 2, 10), "", "submitted")
    event(g2, at(2026, 2, 9, 9), "planned", "picked_up")
    # Withdrawals (registered within 24 h of the withdrawal).
    h1 = order(region, kind="withdrawal")
    event(h1, at(2026, 1, 10, 12), "", "delivered", data={"withdrawn_at": "2026-01-09T11:00:00+01:00"})  # 25 h
    h2 = order(region, kind="withdrawal")
    event(h2, at(2026, 1, 20, 10), "", "delivered", data={"withdrawn_at": "2026-01-20T08:00:00+01:00"})  # 2 h
    # A fault report (volume only) and a draft that never left draft (counted nowhere).
    k = order(region, otype="fault", kind="negative_event", status="registered")
    event(k, at(2026, 1, 20, 13), "", "registered")
    draft = order(region, status="draft")
    event(draft, at(2026, 1, 21, 9), "", "draft")
    # The invoice basis: January computed (two rent lines, one purchase), December not.
    jan = InvoiceMonth.objects.create(month=JAN, computed_at=at(2026, 2, 1, 3), compute_status="done")
    for i, (dev, amount) in enumerate(((devices[0], 35000), (devices[1], 17500))):
        InvoiceLine.objects.create(month=jan, customer=region, device=dev, rule="rent", key=f"rent:{i}",
                                   period_from=JAN, period_to=dt.date(2026, 1, 31), quantity=1,
                                   unit_price_ore=amount, amount_ore=amount)
    InvoiceLine.objects.create(month=jan, customer=region, rule="purchase", key="purchase:1", period_from=JAN,
                               period_to=JAN, quantity=1, unit_price_ore=99900, amount_ore=99900)
    return {"orders": o, "region": region, "municipality": muni}


