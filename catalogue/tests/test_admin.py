from decimal import Decimal

import pytest
from django.utils import timezone

from access.roles import Role
from audit.models import AuditEvent
from catalogue.models import Article, ArticlePrice

pytestmark = pytest.mark.django_db


def test_assortment_manager_can_use_catalogue_admin(client_for, small_catalogue):
    client, _ = client_for(Role.ASSORTMENT_MANAGER)
    assert client.get("/admin/catalogue/article/").status_code == 200
    assert client.get(f"/admin/catalogue/article/{small_catalogue['200101'].pk}/change/").status_code == 200
    assert client.get("/admin/catalogue/isoclass/").status_code == 200


def test_prescriber_cannot_use_catalogue_admin(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    r = client.get("/admin/catalogue/article/")
    assert r.status_code == 302 and "login" in r.url
    r = client.post(f"/admin/catalogue/article/{small_catalogue['200101'].pk}/change/", {"name": "Hackad"})
    assert r.status_code == 302
    assert Article.objects.get(article_number="200101").name == "Rullstol Aktiv, sittbredd 40 cm"


def _form_data(response):
    """The POST data the change form would submit unchanged (main form + inline management forms)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = str(value)
        data[f"{fs.prefix}-TOTAL_FORMS"] = str(len(fs.forms))
        for i, f in enumerate(fs.forms):
            for name in f.fields:
                value = f[name].value()
                if value not in (None, False):
                    data[f"{fs.prefix}-{i}-{name}"] = str(value.pk if hasattr(value, "pk") else value)
    return data


def test_price_change_in_admin_keeps_history_and_is_audited(client_for, small_catalogue):
    client, _ = client_for(Role.ASSORTMENT_MANAGER)
    article = small_catalogue["200101"]
    url = f"/admin/catalogue/article/{article.pk}/change/"
    data = _form_data(client.get(url))
    data["monthly_rent"] = "480.00"
    data["name"] = "Rullstol Aktiv, sittbredd 40 cm (2026)"
    r = client.post(url, data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    article.refresh_from_db()
    assert article.monthly_rent == Decimal("480.00") and "2026" in article.search_text
    rows = list(ArticlePrice.objects.filter(article=article).order_by("valid_from", "pk"))
    assert len(rows) == 2
    assert rows[-1].monthly_rent == Decimal("480.00") and rows[-1].source == "admin"
    assert rows[-1].valid_from == timezone.localdate()
    assert AuditEvent.objects.filter(action="article.change").count() == 1
    assert AuditEvent.objects.filter(action="catalogue.price_set").count() == 1


def test_admin_refuses_bad_gtin_and_negative_price(client_for, small_catalogue):
    client, _ = client_for(Role.ASSORTMENT_MANAGER)
    article = small_catalogue["200401"]
    url = f"/admin/catalogue/article/{article.pk}/change/"
    data = _form_data(client.get(url))
    data["gtin"] = "7350000000017"
    data["purchase_price"] = "-10"
    r = client.post(url, data)
    assert r.status_code == 200
    errors = r.context["adminform"].form.errors
    assert "gtin" in errors and "purchase_price" in errors
    assert ArticlePrice.objects.filter(article=article).count() == 1


def test_supplier_rename_in_admin_updates_search(client_for, small_catalogue):
    from catalogue import selectors
    from catalogue.models import Supplier

    client, _ = client_for(Role.ASSORTMENT_MANAGER)
    supplier = Supplier.objects.get(code="SUP003")
    r = client.post(f"/admin/catalogue/supplier/{supplier.pk}/change/",
                    {"code": "SUP003", "name": "Rullmobil Norden AB", "org_number": supplier.org_number})
    assert r.status_code == 302
    found = {a.article_number for a in selectors.article_search("rullmobil", page_size=100).articles}
    assert {"200301", "RS100", "200901"} <= found
