import itertools

import pytest

from catalogue.models import Article, IsoClass, Product
from stock.models import Location

_n = itertools.count(1)


def make_article(*, tracked: bool = True, name: str | None = None, number: str | None = None) -> Article:
    iso, _ = IsoClass.objects.get_or_create(code="122203", defaults={"title": "Rullstolar", "level": 3})
    n = next(_n)
    product = Product.objects.create(product_number=f"P{n:05d}", name=name or f"Produkt {n}", iso_class=iso)
    return Article.objects.create(
        article_number=number or f"A{n:06d}", name=name or f"Artikel {n}", kind=Article.Kind.MAIN, product=product,
        is_tracked=tracked, serial_required=tracked, charging=Article.Charging.RENT if tracked else "purchase",
    )


@pytest.fixture
def article(db):
    return make_article(tracked=True, name="Rullstol Test")


@pytest.fixture
def bulk_article(db):
    return make_article(tracked=False, name="Inkontinensskydd")


@pytest.fixture
def central(db):
    return Location.objects.create(code="CENTRAL", name="Centrallager", kind=Location.Kind.CENTRAL)


@pytest.fixture
def refurb(db):
    return Location.objects.create(code="REKOND", name="Rekonditionering", kind=Location.Kind.REFURBISHMENT)
