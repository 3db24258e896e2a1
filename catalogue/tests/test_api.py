import pytest

pytestmark = pytest.mark.django_db
LIST = "/api/v1/articles"


def test_list_search_with_paging_and_availability(api, small_catalogue, stock):
    stock("200101", new=2, refurbished=1)
    r = api.region.get(LIST, {"q": "rullstol aktiv", "page_size": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5 and body["page_size"] == 2 and len(body["items"]) == 2
    first = body["items"][0]
    assert first["article_number"] == "200101" and first["monthly_rent"] == "450.00"
    assert first["availability"] == {"qty_new": 2, "qty_refurbished": 1, "reuse_available": True,
                                     "promised_weekdays": 7}
    assert first["iso_class"] == {"code": "122203", "title": "Manuella rullstolar drivna med båda händerna"}


def test_list_filters(api, small_catalogue, stock):
    stock("200401", new=1)
    r = api.municipality.get(LIST, {"iso": "0433", "kind": "T", "available": "true"})
    assert [i["article_number"] for i in r.json()["items"]] == ["200401"]


def test_page_size_is_limited(api, small_catalogue):
    r = api.region.get(LIST, {"page_size": 1000})
    assert r.status_code == 422 and r["Content-Type"].startswith("application/problem+json")


def test_detail(api, small_catalogue):
    r = api.supply.get(f"{LIST}/200101")
    assert r.status_code == 200
    body = r.json()
    assert {a["article_number"] for a in body["accessories"]} == {"200401", "200402", "200501"}
    assert {a["article_number"] for a in body["spare_parts"]} == {"200601", "200602"}
    assert body["supplier_name"] == "Invacare AB" and body["gtin"] == "7350000000016"
    assert [m["kind"] for m in body["media"]] == ["image", "ifu"]


def test_detail_unknown_is_404_problem(api, small_catalogue):
    r = api.region.get(f"{LIST}/finns-inte")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"


def test_unauthenticated_is_401(client, small_catalogue):
    r = client.get(LIST)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert client.get(f"{LIST}/200101").status_code == 401


def test_session_user_without_permission_is_403(client_for, small_catalogue):
    driver, _ = client_for("driver")
    assert driver.get(LIST).status_code == 403


def test_openapi_lists_catalogue_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/articles" in schema["paths"] and "/api/v1/articles/{article_number}" in schema["paths"]
    assert "ArticleOut" in schema["components"]["schemas"]
