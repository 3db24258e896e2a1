"""Price periods of one article (pure logic, shared by the import and `services.price_set`).

Rules: the active (not replaced) rows of an article form a chain ordered by `valid_from`; each
row is valid until the day before the next one starts (the last is open-ended). A new price
with a new date inserts a row into the chain; a different price for an existing date replaces
that row (the old row keeps its values and gets `replaced_at`). Nothing is deleted, so the
whole history stays. The row valid today is the current price.
"""
from __future__ import annotations

import datetime as dt

from .models import ArticlePrice

ONE_DAY = dt.timedelta(days=1)


def same_price(a: ArticlePrice, b: ArticlePrice) -> bool:
    return (a.monthly_rent == b.monthly_rent and a.purchase_price == b.purchase_price
            and a.price_list_id == b.price_list_id and a.charging == b.charging)


def plan(rows: list[ArticlePrice], new: ArticlePrice, now) -> tuple[list[ArticlePrice], list[ArticlePrice]]:
    """Return (rows to create, existing rows to update); both empty when nothing changes."""
    active = [r for r in rows if r.replaced_at is None]
    updates: list[ArticlePrice] = []
    for r in active:
        if r.valid_from == new.valid_from:
            if same_price(r, new):
                return [], []
            r.replaced_at = now
            updates.append(r)
    active = sorted([r for r in active if r.replaced_at is None] + [new], key=lambda r: r.valid_from)
    for i, r in enumerate(active):
        valid_to = active[i + 1].valid_from - ONE_DAY if i + 1 < len(active) else None
        if r is new:
            r.valid_to = valid_to
        elif r.valid_to != valid_to:
            r.valid_to = valid_to
            if r not in updates:
                updates.append(r)
    rows.append(new)
    return [new], updates


def current(rows: list[ArticlePrice], today: dt.date) -> ArticlePrice | None:
    valid = [r for r in rows if r.replaced_at is None and r.valid_from <= today
             and (r.valid_to is None or r.valid_to >= today)]
    return max(valid, key=lambda r: r.valid_from) if valid else None
