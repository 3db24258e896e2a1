import pytest

from access.roles import Perm
from core import startpage


@pytest.fixture
def panels():
    saved = dict(startpage._panels)
    yield startpage
    startpage._panels.clear()
    startpage._panels.update(saved)


def _list(title):
    return lambda principal, request: {"key": title.lower(), "title": title,
                                       "items": [{"label": f"{title} rad", "url": "/x/", "count": 3}]}


@pytest.mark.django_db
def test_start_page_shows_panels_by_permission_and_context(client_for, panels):
    panels._panels.clear()  # only this test's panels (the apps register their own)
    panels.register(startpage.Panel(key="t.everyone", template="core/start/_list.html",
                                    context=_list("Driftinfo"), order=1))
    panels.register(startpage.Panel(key="t.supply", template="core/start/_list.html",
                                    context=_list("Inkorg"), permission=Perm.ORDER_HANDLE))
    panels.register(startpage.Panel(key="t.nothing", template="core/start/_list.html",
                                    context=lambda p, r: None))
    client, _ = client_for("prescriber")
    html = client.get("/").content.decode()
    assert "Driftinfo rad" in html
    assert "Inkorg rad" not in html  # a prescriber does not handle the inbox
    assert html.count("start-panel") == 1

    handler, _ = client_for("supply_handler")
    html = handler.get("/").content.decode()
    assert "Driftinfo rad" in html and "Inkorg rad" in html
