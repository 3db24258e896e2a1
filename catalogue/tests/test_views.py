import pytest
from django.urls import reverse

from access.roles import Role
from core import nav

pytestmark = pytest.mark.django_db
URL = reverse("catalogue:search")


def test_nav_item_registered():
    item = {i.key: i for i in nav.items()}["catalogue"]
    assert item.label == "Hjälpmedel" and item.url_name == "catalogue:search" and item.permission == "catalogue.view"


def test_search_page_shows_price_availability_lead_time_and_reuse(client_for, small_catalogue, stock):
    client, _ = client_for(Role.PRESCRIBER)
    stock("200101", new=2, refurbished=1)
    r = client.get(URL, {"q": "rullstol aktiv"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "Rullstol Aktiv, sittbredd 40 cm" in html
    assert "450,00\u00a0kr/mån" in html
    assert "2 nya" in html and "1 återanvända" in html and "Återanvänd finns" in html
    # one row per product: the row shows its first hit's delivery; the on-demand variant's is on its page
    assert "inom 7 vardagar" in html and "sittbredd 44 cm" in html
    assert "Leverans inom 20 vardagar" in client.get(reverse("catalogue:article", args=["200102"])).content.decode()
    assert html.index("sittbredd 40 cm") < html.index("Drivhjul")


def test_search_page_without_query_shows_form_only(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    r = client.get(URL)
    assert r.status_code == 200 and "träff" not in r.content.decode()
    assert "12 22 Manuella rullstolar" in r.content.decode()


def test_exact_article_number_redirects_to_article(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    r = client.get(URL, {"q": " 200101 "})
    assert r.status_code == 302 and r.url == reverse("catalogue:article", args=["200101"])


def test_htmx_request_returns_results_fragment_without_redirect(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    r = client.get(URL, {"q": "200101"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html and "Rullstol Aktiv, sittbredd 40 cm" in html


def test_typo_shown_with_hint(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    html = client.get(URL, {"q": "rulstol"}).content.decode()
    assert "Rullstol Aktiv" in html and "visar även liknande" in html


def test_bad_iso_filter_gives_swedish_form_error(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    html = client.get(URL, {"iso": "12a"}).content.decode()
    assert "Ange en ISO-kod med 2, 4 eller 6 siffror" in html


def test_filter_by_kind_and_available(client_for, small_catalogue, stock):
    client, _ = client_for(Role.PRESCRIBER)
    stock("200401", new=5)
    html = client.get(URL, {"kind": "T", "available": "on"}).content.decode()
    assert "Sittdyna Flexi 40 x 42 cm" in html and "Sittdyna Luft" not in html


def test_article_page(client_for, small_catalogue, stock, django_assert_max_num_queries):
    client, _ = client_for(Role.PRESCRIBER)
    stock("200101", new=1, refurbished=3)
    with django_assert_max_num_queries(20):
        r = client.get(reverse("catalogue:article", args=["200101"]))
    html = r.content.decode()
    assert r.status_code == 200
    for text in ("Rullstol Aktiv, sittbredd 40 cm", "450,00\u00a0kr per månad", "1 nya i lager",
                 "3 återanvända i lager", "Återanvänd finns", "Sittdyna Flexi 40 x 42 cm", "Drivhjul 24 tum",
                 "Bruksanvisning Rullstol Aktiv", "Rullstol Komfort, sittbredd 42 cm", "Prishistorik",
                 "Leverans inom 7 vardagar", "12 22 03"):
        assert text in html, text


def test_unknown_and_unpublished_article_is_404_for_prescriber(client_for, small_catalogue):
    client, _ = client_for(Role.PRESCRIBER)
    assert client.get(reverse("catalogue:article", args=["nope"])).status_code == 404
    assert client.get(reverse("catalogue:article", args=["200403"])).status_code == 404
    manager, _ = client_for(Role.ASSORTMENT_MANAGER)
    assert manager.get(reverse("catalogue:article", args=["200403"])).status_code == 200


def test_iso_tree(client_for, small_catalogue):
    client, _ = client_for(Role.ORDERER)
    html = client.get(reverse("catalogue:iso")).content.decode()
    assert "12 22 03 Manuella rullstolar drivna med båda händerna" in html and "?iso=122203" in html


def test_permission_required(client, client_for, small_catalogue):
    assert client.get(URL).status_code == 302  # anonymous → login
    driver, _ = client_for(Role.DRIVER)
    assert driver.get(URL).status_code == 403
    assert driver.get(reverse("catalogue:article", args=["200101"])).status_code == 403
