import pytest

pytestmark = pytest.mark.django_db


def test_admin_lists_devices_read_only(client_for, article, central):
    from stock import services
    from stock.services import DeviceIn

    services.receive(article=article, devices=[DeviceIn("ADM-1")])
    client, _ = client_for("supply_admin")
    r = client.get("/admin/stock/device/")
    assert r.status_code == 200 and "ADM-1" in r.content.decode()
    assert client.get("/admin/stock/device/add/").status_code == 403
    assert client.get("/admin/stock/location/").status_code == 200
    other, _ = client_for("prescriber")
    assert other.get("/admin/stock/device/").status_code in (302, 403)
