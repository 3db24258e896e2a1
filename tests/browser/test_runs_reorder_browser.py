"""Drag and drop of a run's stops on the planning page (issue 15), on a desktop with the mouse
and on a 390 px phone with a finger (touch events through the Chrome DevTools protocol, so the
page sees pointerType "touch"): the dragged stop lands where it is dropped, the new order is
saved (run_stop_reorder), the live region says where it went, the numbers and the load list
follow, and the Up/Down buttons still work from the keyboard. axe and the markup checks run on
the page, and again after the drop has re-rendered the stops."""
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from supply.runs import services as rs
from supply.tests.runs_fixtures import *  # noqa: F401,F403  (the runs and svc fixtures)
from supply.tests.runs_fixtures import make_delivery_order
from tests.browser.test_operations_journeys import fits, login, ready_to_log_in, viewport  # noqa: F401 (viewport: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def planned(runs):
    s = runs
    ready_to_log_in(s.handler, "handlaren")
    s.run = rs.run_create(s.h, date=timezone.localdate(), driver_id=s.driver.pk, vehicle="Bil 7")
    s.third = make_delivery_order(s)
    s.stops = [rs.run_stop_add(s.h, s.run.pk, order_id=o.pk) for o in (s.delivery, s.pickup, s.third)]
    return s


def _order(run):
    return list(run.stops.order_by("position").values_list("pk", flat=True))


def _points(page, handle, target, below):
    """Scroll so that the handle and the target stop are both in view; the handle's centre and
    the drop point (above the target's middle, or below it) in viewport coordinates."""
    return page.evaluate("""([handle, target, below]) => {
        const h = document.querySelector(handle), t = document.querySelector(target);
        const top = Math.min(h.getBoundingClientRect().top, t.getBoundingClientRect().top) + window.scrollY;
        const bottom = Math.max(h.getBoundingClientRect().bottom, t.getBoundingClientRect().bottom) + window.scrollY;
        window.scrollTo(0, (top + bottom) / 2 - window.innerHeight / 2);
        const hb = h.getBoundingClientRect(), tb = t.getBoundingClientRect();
        return [hb.left + hb.width / 2, hb.top + hb.height / 2, tb.top + tb.height * (below ? 0.9 : 0.3)];
    }""", [handle, target, below])


def _drag_mouse(page, handle, target, *, below=False):
    x, y, ty = _points(page, handle, target, below)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + (ty - y) / 2, steps=5)
    page.mouse.move(x, ty, steps=5)
    page.mouse.up()


def _drag_touch(page, handle, target, *, below=False):
    cdp = page.context.new_cdp_session(page)
    x, y, ty = _points(page, handle, target, below)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x, "y": y + (ty - y) * i / 10}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _axe_again(page):
    # the axe runner re-checks after htmx swaps; the drop swaps the stops with fetch
    page.evaluate("document.dispatchEvent(new Event('htmx:afterSettle'))")


def test_drag_a_stop_to_a_new_place(page, viewport, planned):  # noqa: F811 (the imported fixture)
    s = planned
    a, b, c = s.stops
    login(page, "handlaren")
    page.goto(f"/hmc/korningar/{s.run.pk}/")
    expect(page.locator("#reorder-help")).to_be_visible()
    fits(page, viewport)
    drag = _drag_touch if viewport == "phone" else _drag_mouse

    # the last stop is dragged above the first
    drag(page, f"#stop-{c.pk} .drag-handle", f"#stop-{a.pk}")
    status = page.locator("#reorder-status")
    expect(status).to_have_text(f"Ordningen är sparad: {s.third.number} är nu stopp 1 av 3.")
    assert _order(s.run) == [c.pk, a.pk, b.pk]
    expect(page.locator("#run-stops > li .stop-position")).to_have_text(["1", "2", "3"])
    expect(page.locator("#run-stops > li").first).to_have_id(f"stop-{c.pk}")
    expect(page.locator("#load-bring tbody tr").first).to_contain_text(s.third.number)
    _axe_again(page)

    # after the re-render, a stop is dragged down below the next one
    drag(page, f"#stop-{a.pk} .drag-handle", f"#stop-{b.pk}", below=True)
    expect(status).to_have_text(f"Ordningen är sparad: {s.delivery.number} är nu stopp 3 av 3.")
    assert _order(s.run) == [c.pk, b.pk, a.pk]
    fits(page, viewport)

    # the keyboard way stays: Up on the last stop
    page.get_by_role("button", name=f"Flytta upp {s.delivery.number}").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#run-stops > li").nth(1)).to_have_id(f"stop-{a.pk}")
    assert _order(s.run) == [c.pk, a.pk, b.pk]
