"""The statistics counted by SQL aggregation (`operations.statistics.selectors.compute_months`)
against the straightforward row-by-row reference (`reference_statistics.compute_months`) on
generated data: random times to the microsecond over fourteen months (Christmas, New Year,
Epiphany, Easter, May Day, midsummer, summer time), starts before the range, orders without a
start event, urgent ones near the 24-hour edge, late entries, order-in lines, work orders,
pickups, withdrawals and tracked deliveries from new and refurbished stock, for three customers.
Every month's figures must be equal: counts, met, worst cases (order, elapsed, times), volumes,
ISO classes and reuse."""
from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from access.models import Organisation
from catalogue.models import Article, IsoClass, Product
from operations.statistics import figures as fig
from operations.statistics import selectors as sel
from ordering.models import Delivery, DeliveryLine, Order, OrderEvent, OrderLine, WorkOrderDetail
from ordering.tests import factories as of
from stock.models import Device, StockMovement

from . import reference_statistics as ref

TZ = ZoneInfo("Europe/Stockholm")
FIRST, LAST = dt.date(2025, 3, 1), dt.date(2026, 4, 1)


def _articles():
    out = []
    for i, (code, title) in enumerate((("122206", "Manuella rullstolar"), ("120606", "Rollatorer"),
                                       ("181209", "Vårdsängar"), ("093303", "Duschstolar"))):
        iso, _ = IsoClass.objects.get_or_create(code=code, defaults={"title": title, "level": 3})
        for j, purchasing in enumerate(("stocked", "on_demand")):
            product = Product.objects.create(product_number=f"PS{i}{j}", name=title, iso_class=iso)
            out.append(Article.objects.create(article_number=f"AS{i}{j}", name=f"{title} {j}", kind="H",
                                              product=product, is_tracked=j == 0, purchasing=purchasing))
    return out


def generate(world, seed: int, n: int = 260) -> None:
    rnd = random.Random(seed)
    customers = [world["region"], world["municipality"],
                 Organisation.objects.create(name="Kund Tre", kind="municipality", org_number="5550000003")]
    articles = _articles()
    central = of.central()
    lo = dt.datetime(2025, 1, 10, tzinfo=TZ)  # some starts before the range
    span = (dt.datetime(2026, 4, 30, tzinfo=TZ) - lo).total_seconds()
    events: list[tuple[OrderEvent, dt.datetime]] = []

    def ev(order, when, from_status, to_status, *, event_type="transition", data=None):
        e = OrderEvent(order=order, event_type=event_type, from_status=from_status, to_status=to_status,
                       data=data or {})
        events.append((e, when))

    def when():
        return lo + dt.timedelta(seconds=rnd.random() * span)

    serial = 0
    for i in range(n):
        cid = rnd.choice(customers)
        roll = rnd.random()
        started = when()
        fallback = rnd.random() < 0.05
        if roll < 0.55:  # customer order delivered (or not yet)
            urgent = rnd.random() < 0.25
            kind = rnd.choice(("to_patient", "to_patient", "to_unit", "buffer_manual", "replenishment"))
            o = Order.objects.create(number=f"KG{i:05d}", order_type="customer", kind=kind, customer=cid,
                                     priority="urgent" if urgent else "normal", is_fallback=fallback)
            art = rnd.choice(articles)
            line = OrderLine.objects.create(order=o, line_no=1, article=art, quantity=1, delivered_quantity=1)
            if rnd.random() < 0.2:
                OrderLine.objects.create(order=o, line_no=2, article=rnd.choice(articles), quantity=1)
            if rnd.random() > 0.05:  # a few without a start event: not measured
                ev(o, started, "draft", "submitted")
            if rnd.random() < 0.05:  # a second submission event: the first one counts
                ev(o, started + dt.timedelta(hours=5), "draft", "submitted")
            if urgent:
                took = dt.timedelta(hours=rnd.choice((23.9, 24, 24.04, 24.05, 24.06, 30, 12)),
                                    microseconds=rnd.randrange(-5, 5))
            else:
                took = dt.timedelta(seconds=rnd.random() * 40 * 86400)
            if rnd.random() < 0.9:
                done = started + took
                ev(o, done, "dispatched", "delivered")
                if art.is_tracked and rnd.random() < 0.8:
                    serial += 1
                    condition = rnd.choice(("new", "refurbished"))
                    device = Device.objects.create(serial=f"GS{serial:05d}", article=art, condition="new",
                                                   status="on_loan")
                    line.device = device
                    line.save(update_fields=["device"])
                    d = Delivery.objects.create(order=o, delivered_on=done.date(), receiver_name="M",
                                                place="stay_address")
                    DeliveryLine.objects.create(delivery=d, order_line=line, quantity=1, device=device)
                    ev(o, done - dt.timedelta(minutes=1), "dispatched", "dispatched", event_type="delivery",
                       data={"delivery_id": d.pk, "lines": {"1": 1}})
                    if rnd.random() < 0.9:  # the ledger's issue row (none: counted as new)
                        StockMovement.objects.create(kind="issue", article=art, location=central, device=device,
                                                     condition=condition, quantity=-1, ref=f"{o.number}:1")
        elif roll < 0.75:  # repair work order
            o = Order.objects.create(number=f"AG{i:05d}", order_type="work",
                                     kind=rnd.choice(("repair_patient", "repair_centre", "inspection")),
                                     customer=cid, is_fallback=fallback)
            if rnd.random() < 0.7:  # the device repaired (its ISO class: the volumes per class)
                art = rnd.choice(articles)
                serial += 1
                device = Device.objects.create(serial=f"GW{serial:05d}", article=art, status="in_repair")
                WorkOrderDetail.objects.create(order=o, device=device)
            ev(o, started, "draft", "submitted")
            mid = started + dt.timedelta(seconds=rnd.random() * 8 * 86400)
            ev(o, mid, "accepted", "in_progress")
            if rnd.random() < 0.8:
                ev(o, mid + dt.timedelta(seconds=rnd.random() * 20 * 86400), "in_progress", "completed")
        elif roll < 0.88:  # pickup
            o = Order.objects.create(number=f"HG{i:05d}", order_type="pickup", kind="pickup", customer=cid)
            ev(o, started, "", "submitted")
            ev(o, started + dt.timedelta(seconds=rnd.random() * 12 * 86400), "planned", "picked_up")
        elif roll < 0.95:  # withdrawal from a buffer store
            o = Order.objects.create(number=f"UG{i:05d}", order_type="customer", kind="withdrawal", customer=cid,
                                     status="delivered")
            taken = started - dt.timedelta(seconds=rnd.random() * 30 * 3600)
            data = {"withdrawal": True, "withdrawn_at": taken.isoformat()} if rnd.random() < 0.9 else {}
            ev(o, started, "", "delivered", data=data)
        else:  # fault report
            o = Order.objects.create(number=f"FG{i:05d}", order_type="fault", kind="negative_event", customer=cid)
            ev(o, started, "", "registered")
    OrderEvent.objects.bulk_create([e for e, _ in events])
    for e, at in events:
        e.at = at
    OrderEvent.objects.bulk_update([e for e, _ in events], ["at"])


def _comparable(mf: fig.MonthFigures) -> dict:
    return {"sla": mf.sla, "worst": mf.worst, "volumes": mf.volumes, "iso": mf.iso, "reuse": mf.reuse}


@pytest.mark.parametrize("seed", [1, 2])
def test_sql_figures_equal_the_row_by_row_reference(world, seed):
    generate(world, seed)
    expected = ref.compute_months(FIRST, LAST)
    got = sel.compute_months(FIRST, LAST)
    assert list(got) == list(expected)
    measured = sum(v[0] for mf in got.values() for per in mf.sla.values() for v in per.values())
    assert measured > 150  # the data exercises the figures
    assert any(mf.reuse for mf in got.values()) and any(mf.worst.get("urgent") for mf in got.values())
    assert any(k[0] == "work" for mf in got.values() for k in mf.iso)
    for month in expected:
        assert _comparable(got[month]) == _comparable(expected[month]), month


def test_weekday_ordinals_equal_the_calendar(world):
    """The SQL weekday count (arithmetic weekdays less the holiday tree) is
    `core.calendar.weekdays_between` for every pair of days around Christmas and Easter."""
    from core.calendar import weekdays_between

    o = Order.objects.create(number="KW1", order_type="customer", kind="to_patient", customer=world["region"])
    days = [dt.date(2025, 12, 18) + dt.timedelta(days=i) for i in range(25)]
    days += [dt.date(2026, 3, 28) + dt.timedelta(days=i) for i in range(12)]
    created = OrderEvent.objects.bulk_create([OrderEvent(order=o, event_type="note") for _ in days])
    for e, d in zip(created, days):
        e.at = dt.datetime.combine(d, dt.time(23, 30), TZ)  # late evening: the local day, not UTC's
    OrderEvent.objects.bulk_update(created, ["at"])
    holidays = sel._holiday_days(2024, 2027)
    got = dict(OrderEvent.objects.filter(order=o).annotate(w=sel._weekday_ordinal("at", holidays))
               .values_list("at", "w"))
    ordinal = {timezone_day(at): w for at, w in got.items()}
    for a in days:
        for b in days:
            if b >= a:
                assert ordinal[b] - ordinal[a] == weekdays_between(a, b), (a, b)


def timezone_day(at: dt.datetime) -> dt.date:
    return at.astimezone(TZ).date()
