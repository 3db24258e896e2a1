"""axe-core (the npm package, node_modules/axe-core, installed by `make test`) on every page a
browser test loads.

`AxeWatch(context)` adds axe.min.js and a small runner as init scripts (init scripts are not
subject to the page's Content-Security-Policy, which forbids inline script). The runner runs
`axe.run` with the WCAG 2.1 A/AA tags once the page has loaded, and again after every htmx swap;
each violation goes to the console as one `LYFTA-AXE: {json}` line. So that no page escapes the
check, a route holds every top-level navigation until the current page's run has finished.
`watch.problems()` returns the violations as readable lines (page, rule id, impact, selector,
help); the `page` fixture (conftest.py) fails the test at teardown when there are any."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PREFIX = "LYFTA-AXE: "
# How long a page's axe run may take before it counts as not finished: 30 s (10 s timed out on a
# 2-CPU machine at load 12; a run takes well under a second when the machine is quiet).
WAIT_MS = int(os.environ.get("LYFTA_AXE_WAIT_MS", "30000"))

RUNNER = """
(() => {
  if (window !== window.top || !/^https?:$/.test(location.protocol) || !window.axe) return;
  const options = {runOnly: {type: 'tag', values: __TAGS__}, resultTypes: ['violations']};
  let chain = Promise.resolve();
  const run = () => {
    // the page as it was when the run was asked for: an htmx swap that pushes a new URL while a
    // slow run is going on must not make the loaded page look unchecked
    const page = location.pathname + location.search;
    console.error('LYFTA-AXE-START');
    chain = chain.then(() => window.axe.run(document, options)).then(result => {
      result.violations.forEach(v => v.nodes.forEach(n => console.error('__PREFIX__' + JSON.stringify({
        page, id: v.id, impact: v.impact, target: n.target.join(' '), help: v.help,
        summary: (n.failureSummary || '').split('\\n').slice(1, 2).join('').trim(),
      }))));
    }).catch(e => console.error('__PREFIX__' + JSON.stringify({page, id: 'axe-error', impact: 'error', target: '', help: String(e)})))
      .then(() => console.error('LYFTA-AXE-DONE ' + page));
    window.__lyftaAxe = chain;
  };
  window.__lyftaAxe = chain;
  window.addEventListener('load', run);
  document.addEventListener('htmx:afterSettle', run);
})();
""".replace("__TAGS__", json.dumps(TAGS)).replace("__PREFIX__", PREFIX)


class AxeWatch:
    def __init__(self, context):
        if not AXE_JS.exists():
            raise RuntimeError(f"{AXE_JS} is missing: run `bash scripts/ensure_node_tools` (make test does)")
        self.found: list[dict] = []
        self.pending: dict = {}  # page -> runs started and not yet done
        self.checked: set[str] = set()  # path?query of every page a run finished on
        context.add_init_script(path=str(AXE_JS))
        context.add_init_script(RUNNER)
        context.on("console", self._console)
        context.route("**/*", self._hold_navigation)
        context.on("page", self._new_page)
        self.loaded: set[str] = set()  # path?query of every page that loaded
        self.context = context

    def _new_page(self, pg):
        pg.on("load", self._loaded)
        # a new document: the runs of the one it replaced will never report back
        pg.on("framenavigated", lambda fr: self.pending.pop(pg, None) if fr.parent_frame is None else None)

    def _loaded(self, pg):
        if urlsplit(pg.url).scheme in ("http", "https"):
            self.loaded.add(self._path(pg))

    def _console(self, msg):
        text, pg = msg.text, msg.page
        if text.startswith(PREFIX):
            self.found.append(json.loads(text[len(PREFIX):]))
        elif text == "LYFTA-AXE-START":
            self.pending[pg] = self.pending.get(pg, 0) + 1
        elif text.startswith("LYFTA-AXE-DONE "):
            self.pending[pg] = max(0, self.pending.get(pg, 0) - 1)
            self.checked.add(text.split(" ", 1)[1])

    def _path(self, pg) -> str:
        url = urlsplit(pg.url)
        return url.path + (f"?{url.query}" if url.query else "")

    def _wait(self, pg, timeout=None):
        need = self.pending.get(pg, 0) if pg is not None else 0
        if (not need and pg is not None and urlsplit(pg.url).scheme in ("http", "https")
                and self._path(pg) not in self.checked):
            # Not checked yet and no run known to be going on: either its run's START has not
            # reached us (the console event comes after the load event), or the page has not
            # even fired its load event (a test that goes on as soon as an element shows, e.g.
            # the start page's h1 after login: the held navigation let the page finish loading,
            # its run began, and the next document replaced it). Wait for the load, then the run.
            if self._path(pg) not in self.loaded:
                try:
                    pg.wait_for_event("load", timeout=5000)
                except Exception:  # noqa: BLE001 - it will not load (aborted): nothing to check
                    return
            need = 1
        if need:
            timeout = WAIT_MS if timeout is None else timeout
            # wait_for_event, not evaluate: a frame with a navigation held here cannot evaluate
            seen = [0]

            def done(m):
                seen[0] += m.text.startswith("LYFTA-AXE-DONE ")
                return seen[0] >= need

            pg.wait_for_event("console", done, timeout=timeout)

    def _hold_navigation(self, route):
        """The page being left: let its axe run finish before the next document replaces it."""
        request = route.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            try:
                self._wait(request.frame.page)
            except Exception as exc:  # noqa: BLE001 - timed out or closed: the run's absence shows below
                # shown with the test's captured output: why a page's run was not waited for
                print(f"axe: navigation from {request.frame.page.url} not held: {exc!r}", file=sys.stderr)
        route.fallback()

    def finish(self):
        """Wait for the runs on the pages still open."""
        for pg in self.context.pages:
            try:
                pg.wait_for_load_state("load", timeout=5000)
                self._wait(pg)
            except Exception:  # noqa: BLE001 - page closed: its result is in or lost
                pass

    def problems(self) -> list[str]:
        lines = {f"{v['page']}: {v['id']} ({v['impact']}) at `{v['target']}`: {v['help']}"
                 + (f" — {v['summary']}" if v.get("summary") else "") for v in self.found}
        lines |= {f"{p}: axe-core did not finish on this page" for p in self.loaded - self.checked}
        return sorted(lines)
