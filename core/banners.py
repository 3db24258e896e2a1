"""Page banners: higher contexts show a banner on pages that lower ones render (the login page,
drawn by access) without those importing them. A provider is registered in AppConfig.ready():

    banners.register("operations.notices", provider)   # provider(request) -> (template, ctx) | None

and a template shows them with `{% load core_banners %}{% page_banners %}`. Providers must be
cheap (they run on every render of such a page)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_providers: dict[str, Callable[[Any], tuple[str, dict] | None]] = {}


def register(key: str, provider: Callable[[Any], tuple[str, dict] | None]) -> None:
    _providers[key] = provider


def banners_for(request) -> list[tuple[str, dict]]:
    shown = []
    for key in sorted(_providers):
        result = _providers[key](request)
        if result is not None:
            shown.append(result)
    return shown
