import datetime as dt

import pytest

from catalogue.models import PriceList
from catalogue.selectors import price_terms_on


@pytest.mark.django_db
def test_price_terms_cache_sees_a_price_list_change_at_once(settings):
    day = dt.date(2026, 12, 2)
    settings.LYFTA_URGENT_FEE = "450"
    assert price_terms_on(day).price_list_id is None and price_terms_on(day).urgent_delivery_fee == 45000
    settings.LYFTA_URGENT_FEE = "500"  # no price list: the setting, read each time
    assert price_terms_on(day).urgent_delivery_fee == 50000
    pl = PriceList.objects.create(code="T", name="T", valid_from=dt.date(2026, 1, 1), urgent_delivery_fee="300")
    assert price_terms_on(day).price_list_id == pl.pk  # created: the cache generation moved on
    assert price_terms_on(day).urgent_delivery_fee == 30000
    pl.urgent_delivery_fee = "350"
    pl.save()
    assert price_terms_on(day).urgent_delivery_fee == 35000
    pl.delete()
    assert price_terms_on(day).price_list_id is None
