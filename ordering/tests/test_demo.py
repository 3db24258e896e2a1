from ordering import demo
from ordering.models import Order, OrderTemplate
from ordering.tests import factories as of


def test_demo_load_creates_orders_in_each_state_and_is_idempotent(db):
    import access.demo
    import patients.demo

    access.demo.load()
    patients.demo.load()
    chair = of.wheelchair()
    of.cushion(chair)
    of.stock_devices(chair, new=3, refurbished=2)
    of.stock_units(chair.fit_parts.get().part, 20)
    result = demo.load()
    assert "5 demoordrar" in result, result
    assert sorted(Order.objects.values_list("status", flat=True)) == sorted(
        ["draft", "submitted", "confirmed", "delivered", "cancelled"])
    assert OrderTemplate.objects.filter(name=demo.TEMPLATE_NAME).exists()
    assert demo.load() == "finns redan" and Order.objects.count() == 5
