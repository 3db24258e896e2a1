import pytest

from access import demo as access_demo
from patients import demo as patients_demo
from patients.models import Patient
from stock import demo as stock_demo
from stock import services
from stock.models import Device, Loan, StockLevel

from .conftest import make_article

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_ledger_consistent():
    access_demo.load()
    assert patients_demo.load().startswith("30 demopatienter")
    assert patients_demo.load() == "finns redan"
    kinds = set(Patient.objects.values_list("identity_kind", flat=True))
    assert kinds == {"personnummer", "samordningsnummer", "reservnummer"}
    assert Patient.objects.filter(protected_identity=True).count() == 1
    assert Patient.objects.exclude(stay_street="").count() >= 3
    assert Patient.objects.values("customer").distinct().count() == 3
    wheelchair = make_article(tracked=True, name="Rullstol manuell")
    make_article(tracked=False, name="Glidlakan")
    result = stock_demo.load()
    assert "5 individer" in result
    assert stock_demo.load() == "finns redan"
    assert Device.objects.filter(article=wheelchair, condition="refurbished", status="in_stock").count() == 2
    assert StockLevel.objects.get(article__name="Glidlakan").on_hand == stock_demo.BULK_QUANTITY
    assert Loan.objects.count() == 1
    assert services.rebuild_levels() == []


def test_stock_demo_with_empty_catalogue_only_creates_locations():
    assert "0 individer" in stock_demo.load()
    assert Device.objects.count() == 0
