from catalogue.models import IsoClass, Product
from ordering import demo
from ordering.models import Order, OrderTemplate
from ordering.tests import factories as of


def _iso(article, code, title):
    iso, _ = IsoClass.objects.get_or_create(code=code, defaults={"title": title, "level": 3})
    Product.objects.filter(pk=article.product_id).update(iso_class=iso)


def test_demo_load_creates_orders_in_each_state_and_is_idempotent(db):
    import access.demo
    import patients.demo

    access.demo.load()
    patients.demo.load()
    chair = of.wheelchair()
    cushion = of.cushion(chair)
    _iso(chair, "122203", "Manuella rullstolar drivna med båda händerna")
    _iso(cushion, "043303", "Sittdynor och underlägg för att förebygga trycksår")
    of.stock_devices(chair, new=3, refurbished=2)
    of.stock_units(cushion, 20)
    result = demo.load()
    assert "5 demoordrar" in result, result
    assert sorted(Order.objects.values_list("status", flat=True)) == sorted(
        ["draft", "submitted", "confirmed", "delivered", "cancelled"])
    assert OrderTemplate.objects.filter(name=demo.TEMPLATE_NAME).exists()
    assert demo.load() == "finns redan" and Order.objects.count() == 5


def test_demo_template_holds_a_wheelchair_and_a_seat_cushion(db):
    """Issue 10: "Rullstol med sittdyna" held a bed and a bed rail (the first main device in
    stock by article number, whatever it was)."""
    import access.demo
    import patients.demo

    access.demo.load()
    patients.demo.load()
    bed = of.article(name="Säng Carl", kind="H", tracked=True, rent="500.00", number="A000001X")
    rail = of.article(name="Sänggrind", kind="T", price="900.00", number="A000002X")
    from catalogue.models import ArticleFit

    ArticleFit.objects.create(main=bed, part=rail)
    _iso(bed, "181210", "Sängar")
    _iso(rail, "181227", "Sänggrindar och sängskydd")
    chair = of.wheelchair(number="B000001X")
    cushion = of.cushion(chair)
    _iso(chair, "122203", "Manuella rullstolar drivna med båda händerna")
    _iso(cushion, "043303", "Sittdynor och underlägg för att förebygga trycksår")
    for main, part in ((bed, rail), (chair, cushion)):
        of.stock_devices(main, new=3)
        of.stock_units(part, 10)
    demo.load()
    template = OrderTemplate.objects.get(name=demo.TEMPLATE_NAME)
    names = sorted(line.article.name for line in template.lines.select_related("article"))
    assert names == sorted([chair.name, cushion.name])
