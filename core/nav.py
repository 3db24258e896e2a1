"""Navigation registry. Each app registers its menu items in AppConfig.ready(); the base
layout shows only the items whose permission the current user holds."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str  # Swedish; wrapped in gettext by the template
    url_name: str
    permission: str
    order: int = 100


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.key] = item


def items() -> list[NavItem]:
    return sorted(_items.values(), key=lambda i: (i.order, i.key))
