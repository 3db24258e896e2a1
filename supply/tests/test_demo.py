from django.core.management import call_command

from ordering.models import Order


def test_seed_demo_loads_every_context_once_and_is_idempotent(db):
    call_command("seed_demo")
    counts = {t: Order.objects.filter(order_type=t).count() for t in ("customer", "work", "pickup", "fault")}
    assert counts["customer"] >= 5 and counts["work"] == 1 and counts["pickup"] == 1 and counts["fault"] == 1
    accepted = Order.objects.get(order_type="work")
    assert accepted.status == "accepted" and accepted.work_detail.technician.username == "tekniker"
    call_command("seed_demo")
    assert {t: Order.objects.filter(order_type=t).count() for t in counts} == counts
