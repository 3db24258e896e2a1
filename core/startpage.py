"""Start-page registry: the start page shows *work to do*, not the menu again. Each app
registers panels in AppConfig.ready(); the start view renders, in order, every panel whose
permission the principal holds and whose `context` callable returns a dict (None = nothing to
show for this principal, e.g. no run today). Panels render their own template with that dict.

    startpage.register(Panel(key="supply.inbox_counts", permission=Perm.ORDER_HANDLE,
                             template="supply/start/_counts.html", context=counts_for, order=20))

`permission=None` shows the panel to every logged-in user (service notices). The generic template `core/start/_list.html` renders {"key", "title", "items": [{"label", "url",
"count", "note"}], "empty"}. `context` gets
(principal, request) and must be cheap: it runs on every visit of the start page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    permission: str | None = None
    order: int = 100


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def panels_for(principal, request) -> list[tuple[Panel, dict]]:
    """The panels this principal sees, each with its rendered context."""
    shown = []
    for panel in panels():
        if panel.permission is not None and not principal.has_perm(panel.permission):
            continue
        ctx = panel.context(principal, request)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown
