"""Issue 15: the catalogue sorts by price and by lead time (the search page's "Sortera")."""
import pytest
from django.urls import reverse

from catalogue import selectors

pytestmark = pytest.mark.django_db


def _price(a):
    value = a.monthly_rent if a.monthly_rent is not None else a.purchase_price
    return (value is None, value or 0)


def test_sort_by_price_and_lead_time(small_catalogue):
    default = selectors.article_search("rullstol", page_size=50)
    assert len(default.articles) >= 2
    by_price = selectors.article_search("rullstol", sort="price", page_size=50).articles
    assert sorted(a.pk for a in by_price) == sorted(a.pk for a in default.articles)
    assert [_price(a) for a in by_price] == sorted(_price(a) for a in by_price)
    by_lead = selectors.article_search("rullstol", sort="lead_time", page_size=50).articles
    keys = [(a.lead_time_days is None, a.lead_time_days or 0) for a in by_lead]
    assert keys == sorted(keys)
    assert [a.pk for a in selectors.article_search("rullstol", sort="bogus", page_size=50).articles] == \
        [a.pk for a in default.articles]


def test_search_page_offers_the_sort(small_catalogue, client_for):
    c, _ = client_for("prescriber")
    r = c.get(reverse("catalogue:search"), {"q": "rullstol", "sort": "price"})
    assert r.status_code == 200 and 'name="sort"' in r.content.decode()
    assert c.get(reverse("catalogue:search"), {"q": "rullstol", "sort": "nonsense"}).status_code == 200
