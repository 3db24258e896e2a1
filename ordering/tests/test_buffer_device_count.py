"""Stock count of tracked devices in a buffer store, by serial (docs/buffer-stores.md "Stock
count"): ticked and scanned serials are present; a device booked in the store and not named is
missing (adjustment out, status `missing`); a device booked elsewhere is moved in (transfer);
a missing device found again comes back (adjustment in); unknown serials, devices of another
article, on loan, reserved or scrapped are refused with an error next to the field and nothing
is written. Every change goes through the ledger: `rebuild_levels()` reports no difference."""
import pytest
from django.urls import reverse

from access.principal import principal_for_user
from access.roles import Role
from audit.models import AuditEvent
from conftest import login_verified
from core.errors import NotFound, PermissionDenied, ValidationFailed
from ordering.flows import buffer
from ordering.models import Order
from ordering.tests import factories as of
from ordering.tests.test_buffer import counts, store, withdraw  # noqa: F401  (the fixture)
from stock import services as stock_services
from stock.buffer import selectors as store_selectors
from stock.models import Device, StockMovement
from stock.services import DeviceIn


def count(s, *, principal=None, present=(), scanned="", reason="Inventering december", article=None):
    return buffer.store_count_devices_post(principal or s.k, s.store.pk,
                                           article_number=(article or s.walker).article_number,
                                           present=present, scanned=scanned, reason=reason)


def held(s):
    return store_selectors.on_hand(s.store, [s.walker.pk]).get(s.walker.pk, 0)


def test_missing_out_and_booked_elsewhere_in(store):  # noqa: F811
    central = stock_services.receive(article=store.walker, devices=[DeviceIn(serial="C1")], ref="in")[0]
    assert central.status == Device.Status.IN_STOCK
    result = count(store, present=["W0"], scanned="W1\n C1 ;W1")
    assert (result.present, result.missing, result.moved_in, result.found_again) == (
        ["W0", "W1"], ["W2"], [("C1", central.location.name)], [])
    w2, c1 = Device.objects.get(serial="W2"), Device.objects.get(serial="C1")
    assert (w2.status, w2.location_id) == (Device.Status.MISSING, None)
    assert (c1.status, c1.location_id) == (Device.Status.IN_BUFFER_STORE, store.store.pk)
    out = StockMovement.objects.get(device=w2, kind="adjustment")
    assert (out.location_id, out.quantity, out.note, out.ref) == (
        store.store.pk, -1, "Inventering december", f"inventering {store.store.code}")
    assert list(StockMovement.objects.filter(device=c1, ref__startswith="inventering")
                .values_list("kind", "quantity").order_by("pk")) == [("transfer_out", -1), ("transfer_in", 1)]
    assert held(store) == 3
    missing = AuditEvent.objects.get(action="stock.device_missing")
    assert missing.data["reason"] == "stock_count" and missing.object_id == str(w2.pk)
    assert AuditEvent.objects.get(action="stock.device_found").data["was"]["status"] == "in_stock"
    summary = AuditEvent.objects.get(action="stock.store_count_devices")
    assert summary.data["missing"] == ["W2"] and summary.data["moved_in"] == ["C1"]
    assert stock_services.rebuild_levels() == []  # projection and central availability agree with the ledger
    assert not Order.objects.filter(kind="replenishment").exists()  # 3 ≥ safety 2


def test_a_missing_device_found_again_comes_back(store):  # noqa: F811
    count(store, present=["W0", "W1"])
    assert Device.objects.get(serial="W2").status == Device.Status.MISSING
    result = count(store, present=["W0", "W1"], scanned="W2")
    assert result.found_again == ["W2"] and result.missing == [] and result.delta == 1
    assert Device.objects.get(serial="W2").location_id == store.store.pk
    assert list(StockMovement.objects.filter(device__serial="W2", kind="adjustment")
                .values_list("quantity", flat=True).order_by("pk")) == [-1, 1]
    assert held(store) == 3
    # a missing device can still be scrapped by the supply centre (no location: no movement)
    count(store, present=["W0", "W1"])
    stock_services.device_scrap(device=Device.objects.get(serial="W2"), reason="Borttappad")
    assert stock_services.rebuild_levels() == []


def test_an_unchanged_count_writes_no_movement(store):  # noqa: F811
    before = StockMovement.objects.count()
    result = count(store, present=["W0", "W1", "W2"])
    assert result.present == ["W0", "W1", "W2"] and result.delta == 0
    assert StockMovement.objects.count() == before
    assert AuditEvent.objects.filter(action="stock.store_count_devices").count() == 1


def test_missing_below_safety_orders_replenishment(store):  # noqa: F811
    count(store, present=["W0"])  # W1, W2 missing: 1 < safety 2 → refill 5 − 1
    rep = Order.objects.get(kind="replenishment")
    assert rep.lines.count() == 4
    assert stock_services.rebuild_levels() == []


def test_refusals_are_next_to_the_field_and_write_nothing(store):  # noqa: F811
    other_article = of.article(name="Duschstol", tracked=True)
    stock_services.receive(article=other_article, location=store.store, devices=[DeviceIn(serial="D1")], ref="in")
    scrapped = stock_services.receive(article=store.walker, devices=[DeviceIn(serial="S1")], ref="in")[0]
    stock_services.device_scrap(device=scrapped, reason="Trasig")
    withdraw(store, serial="W0")  # W0 on loan now
    before = counts(), StockMovement.objects.count(), AuditEvent.objects.filter(action__startswith="stock.").count()
    cases = [
        ({"scanned": "NOPE-1"}, "scanned", "finns inte i registret"),
        ({"present": ["NOPE-2"]}, "present", "finns inte i registret"),
        ({"scanned": "D1"}, "scanned", "annan artikel"),
        ({"scanned": "W0"}, "scanned", "utlånad till en patient"),
        ({"scanned": "S1"}, "scanned", "kasserad"),
        ({"scanned": "W1", "reason": ""}, "reason", "Ange orsak"),
    ]
    for kw, field, text in cases:
        kw = {"present": ["W1", "W2"], **kw}
        with pytest.raises(ValidationFailed) as exc:
            count(store, **kw)
        assert field in exc.value.errors and text in " ".join(exc.value.errors[field]), (kw, exc.value.errors)
    with pytest.raises(ValidationFailed) as exc:  # two wrong serials: both listed
        count(store, scanned="NOPE-1\nS1")
    assert len(exc.value.errors["scanned"]) == 2 and "2 individnummer" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:  # a counted article is counted by quantity
        count(store, article=store.pads)
    assert "article_number" in exc.value.errors
    after = counts(), StockMovement.objects.count(), AuditEvent.objects.filter(action__startswith="stock.").count()
    assert after == before
    assert Device.objects.get(serial="W2").status == Device.Status.IN_BUFFER_STORE


def test_only_the_units_keepers_count(store, make_user):  # noqa: F811
    with pytest.raises(PermissionDenied):
        count(store, principal=store.handler, present=["W0", "W1", "W2"])
    region_keeper = principal_for_user(make_user(Role.STORE_KEEPER, "region"))
    with pytest.raises(NotFound):
        count(store, principal=region_keeper, present=["W0", "W1", "W2"])


# --------------------------------------------------------------------------- the page


def test_device_count_page(store, client):  # noqa: F811
    keeper = login_verified(client, store.keeper)
    detail = keeper.get(reverse("ordering:store_detail", args=[store.store.pk])).content.decode()
    url = reverse("ordering:store_device_count", args=[store.store.pk])
    assert f"{url}?artikel={store.walker.article_number}" in detail
    assert store.walker.article_number in keeper.get(url).content.decode()  # the choice of article
    page = keeper.get(f"{url}?artikel={store.walker.article_number}")
    body = page.content.decode()
    assert page.status_code == 200 and 'value="W2"' in body and "id_individ_scanned" in body
    bad = keeper.post(url, {"article_number": store.walker.article_number, "present": ["W0", "W1", "W2"],
                            "scanned": "OKÄND-7", "reason": "Inventering"})
    body = bad.content.decode()
    assert bad.status_code == 422 and "id_individ_scanned_error" in body and "OKÄND-7 finns inte" in body
    assert not Device.objects.filter(status=Device.Status.MISSING).exists()
    ok = keeper.post(url, {"article_number": store.walker.article_number, "present": ["W0", "W1"],
                           "reason": "Inventering"}, follow=True)
    body = ok.content.decode()
    assert ok.status_code == 200 and "bokade som saknade" in body and "W2" in body
    assert Device.objects.get(serial="W2").status == Device.Status.MISSING
    assert keeper.get(f"{url}?artikel={store.pads.article_number}").status_code == 404  # not tracked
    assert stock_services.rebuild_levels() == []


def test_device_count_page_other_customer_404(store, client_for):  # noqa: F811
    other, _ = client_for(Role.STORE_KEEPER, "region")
    url = reverse("ordering:store_device_count", args=[store.store.pk])
    assert other.get(f"{url}?artikel={store.walker.article_number}").status_code == 404
    assert other.post(url, {"article_number": store.walker.article_number, "reason": "x"}).status_code == 404
