"""The axe-core check of the `page` fixture (tests/browser/axe.py) can fail: a page with known
WCAG violations is reported (rule id, impact, selector, help), a clean page is not, and a page
left at once by a click is still checked before the next one replaces it."""
import pytest

from tests.browser.axe import AxeWatch

pytestmark = pytest.mark.browser

BAD = """<!doctype html><html lang="sv"><head><title>Fel</title></head><body><main>
<h1>Sida med fel</h1>
<img src="/pic.svg" width="40" height="40" class="no-alt">
<input type="text" name="q" id="q">
<p style="color:#bbb;background:#fff">Ljusgrå text</p>
<a href="/clean/" id="next">Vidare</a>
</main></body></html>"""

CLEAN = """<!doctype html><html lang="sv"><head><title>Rätt</title></head><body><main>
<h1>Sida utan fel</h1><label for="q">Sök</label><input type="text" name="q" id="q">
</main></body></html>"""


@pytest.fixture
def watched(browser):
    context = browser.new_context(base_url="http://lyfta.test")
    watch = AxeWatch(context)
    pg = context.new_page()
    pages = {"/bad/": BAD, "/clean/": CLEAN}
    pg.route("http://lyfta.test/**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8",
        body=pages.get(route.request.url.removeprefix("http://lyfta.test"), CLEAN)))
    yield watch, pg
    context.close()


def test_violations_are_reported_and_a_clean_page_passes(watched):
    watch, pg = watched
    pg.goto("/bad/")
    pg.click("#next")  # leaves the page at once: the navigation waits for its axe run
    pg.wait_for_url("**/clean/")
    watch.finish()

    problems = watch.problems()
    assert {"/bad/", "/clean/"} <= watch.checked
    assert any(p.startswith("/bad/: image-alt (critical) at `img`: Images must have alternative text") for p in problems)
    assert any(p.startswith("/bad/: label (critical) at `#q`") for p in problems)
    assert any(p.startswith("/bad/: color-contrast (serious)") for p in problems)
    assert not [p for p in problems if p.startswith("/clean/")]


def test_a_page_axe_never_finished_on_is_reported(watched):
    watch, pg = watched
    pg.goto("/clean/")
    watch.finish()
    assert watch.problems() == []
    watch.loaded.add("/never-checked/")
    assert watch.problems() == ["/never-checked/: axe-core did not finish on this page"]
