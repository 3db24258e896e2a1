"""Small builders for ordering tests: articles, patients, stock, orders through the services."""
from __future__ import annotations

import itertools
from decimal import Decimal

from stdnum import luhn

from catalogue.models import Article, ArticleFit, IsoClass, Product
from patients.models import Patient

_n = itertools.count(1)


def article(*, name="Artikel", kind="H", tracked=False, rent=None, price=None, purchasing="stocked", lead=None,
            orderable=True, number=None) -> Article:
    i = next(_n)
    iso, _ = IsoClass.objects.get_or_create(code="122206", defaults={"title": "Manuella rullstolar", "level": 3})
    product = Product.objects.create(product_number=f"P{i:06d}", name=name, iso_class=iso)
    return Article.objects.create(
        article_number=number or f"A{i:06d}", name=name, kind=kind, product=product,
        charging="rent" if rent is not None else "purchase",
        monthly_rent=Decimal(rent) if rent is not None else None,
        purchase_price=Decimal(price) if price is not None else None,
        is_tracked=tracked, serial_required=tracked, purchasing=purchasing, lead_time_days=lead,
        is_orderable=orderable,
    )


def wheelchair(**kw) -> Article:
    return article(name="Rullstol Minimaxx", kind="H", tracked=True, rent="350.00", **kw)


def cushion(main: Article | None = None) -> Article:
    a = article(name="Sittdyna Vario", kind="T", price="1200.00")
    if main is not None:
        ArticleFit.objects.create(main=main, part=a)
    return a


def identity_number(year=1950) -> str:
    i = next(_n)
    body = f"{year:04d}{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 1000:03d}"
    short = body[2:]
    return body + str(luhn.calc_check_digit(short))


def patient(customer, *, stay=True, protected=False, **kw) -> Patient:
    defaults = dict(
        identity_number=identity_number(), first_name="Astrid", last_name=f"Lind{next(_n)}",
        registered_street="Storgatan 1", registered_postal_code="12345", registered_city="Mellanstad",
        stay_street="Vårdhemmet, Parkvägen 3" if stay else "", stay_postal_code="12346" if stay else "",
        stay_city="Mellanstad" if stay else "", protected_identity=protected, customer=customer,
    )
    defaults.update(kw)
    defaults["name_search"] = f"{defaults['first_name']} {defaults['last_name']}".lower()
    p = Patient.objects.create(**defaults)
    return p


def central():
    from stock.models import Location

    loc = Location.objects.filter(kind="central").first()
    return loc or Location.objects.create(code="CENTRAL", name="Centrallager", kind="central")


def stock_devices(art: Article, *, new=0, refurbished=0) -> list:
    from stock import services as stock_services

    central()
    from stock.services import DeviceIn

    devices = [DeviceIn(serial=f"SN{next(_n):07d}", condition="new") for _ in range(new)]
    devices += [DeviceIn(serial=f"SR{next(_n):07d}", condition="refurbished") for _ in range(refurbished)]
    if not devices:
        return []
    return stock_services.receive(article=art, devices=devices, ref="test")


def stock_units(art: Article, quantity: int) -> None:
    from stock import services as stock_services

    central()
    stock_services.receive(article=art, quantity=quantity, ref="test")
