"""Markup checks shared by the page tests (Django test client) and every browser test:
duplicate ids, `aria-describedby`/`aria-labelledby`/`label for` pointing at an id that does not
exist, and radio/checkbox groups (two or more inputs of one name) outside a fieldset with a legend.

`problems(html)` checks a rendered page in Python; `BROWSER_CHECK` is the same check as a
script that the `page` fixture (conftest.py) runs on every page load (tests/browser)."""
from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.refs: list[tuple[str, str, str]] = []  # (attr, id, tag)
        self.stack: list[dict] = []  # open fieldsets: {"legend": bool}
        self.groups: dict[tuple[str, str], list[bool]] = {}  # (type, name) -> in fieldset with legend
        self.template_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        if a.get("id"):
            self.ids.append(a["id"])
        for attr in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in (a.get(attr) or "").split():
                self.refs.append((attr, ref, tag))
        if tag == "label" and a.get("for"):
            self.refs.append(("for", a["for"], tag))
        if tag == "fieldset":
            self.stack.append({"legend": False})
        if tag == "legend" and self.stack:
            self.stack[-1]["legend"] = True
        if tag == "input" and a.get("type") in ("radio", "checkbox") and a.get("name"):
            ok = any(f["legend"] for f in self.stack)
            self.groups.setdefault((a["type"], a["name"]), []).append(ok)

    def handle_endtag(self, tag):
        if tag == "template":
            self.template_depth = max(0, self.template_depth - 1)
        elif tag == "fieldset" and self.stack and not self.template_depth:
            self.stack.pop()


def problems(html: str) -> list[str]:
    c = _Collector()
    c.feed(html)
    found = []
    ids = set(c.ids)
    found += [f"duplicate id {i!r} ({n}×)" for i, n in Counter(c.ids).items() if n > 1]
    found += [f"{attr}={ref!r} on <{tag}> points at no element" for attr, ref, tag in c.refs if ref not in ids]
    found += [f"{kind} group {name!r} is not in a fieldset with a legend"
              for (kind, name), oks in c.groups.items() if len(oks) > 1 and not all(oks)]
    return found


BROWSER_CHECK = """
(() => {
  const run = () => {
    const out = [];
    const ids = {};
    document.querySelectorAll('[id]').forEach(e => { ids[e.id] = (ids[e.id] || 0) + 1; });
    Object.entries(ids).forEach(([i, n]) => { if (n > 1) out.push(`duplicate id '${i}' (${n}x)`); });
    ['aria-describedby', 'aria-labelledby', 'aria-controls'].forEach(attr => {
      document.querySelectorAll(`[${attr}]`).forEach(e => {
        e.getAttribute(attr).split(/\\s+/).filter(Boolean).forEach(ref => {
          if (!document.getElementById(ref)) out.push(`${attr}='${ref}' on <${e.tagName.toLowerCase()}> points at no element`);
        });
      });
    });
    document.querySelectorAll('label[for]').forEach(l => {
      if (!document.getElementById(l.htmlFor)) out.push(`label for='${l.htmlFor}' points at no element`);
    });
    const groups = {};
    document.querySelectorAll('input[type=radio][name], input[type=checkbox][name]').forEach(i => {
      const key = i.type + ' ' + i.name;
      const fs = i.closest('fieldset');
      (groups[key] = groups[key] || []).push(!!(fs && fs.querySelector(':scope > legend')));
    });
    Object.entries(groups).forEach(([k, oks]) => {
      if (oks.length > 1 && !oks.every(Boolean)) out.push(`${k} group is not in a fieldset with a legend`);
    });
    out.forEach(p => console.error('LYFTA-MARKUP: ' + location.pathname + ': ' + p));
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run); else run();
})();
"""
