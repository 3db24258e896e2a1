"""Price periods of one article (pure logic, shared by the import and `services.price_set`).

Rules: the active (not replaced) rows of an article form a chain ordered by `valid_from`; each
row is valid until the day before the next one starts (the last is open-ended). A new price
with a new date inserts a row into the chain; a different price for an existing date replaces
that row (the old row keeps its values and gets `replaced_at`). Nothing is deleted, so the
whole history stays. The row valid today is the current price.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


# --- Charges: the one place that computes what a customer pays -------------------------------
#
# Used by the order draft's estimate (ordering) and by the invoice basis (invoicing). Amounts are
# integers in öre. Rounding: every charge is computed exactly in Decimal and rounded once, half
# up, to whole öre (`to_ore`); a line's amount is never the sum of rounded parts except where a
# line is made of parts (a work order: hours and each part are separate lines).


HUNDRED = Decimal(100)


def to_ore(amount: Decimal | int | str | None) -> int:
    """Kronor (Decimal) → öre (int), half up. None → 0."""
    if amount is None:
        return 0
    return int((Decimal(amount) * HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def kronor(ore: int) -> Decimal:
    """Öre (int) → kronor with two decimals."""
    return (Decimal(ore) / HUNDRED).quantize(Decimal("0.01"))


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Terms:
    """A price list's terms in öre and percent (see `catalogue.models.PriceList`)."""

    markup_percent: Decimal = Decimal(0)
    special_rent_percent: Decimal = Decimal(0)
    hourly_rate: int = 0
    urgent_hourly_rate: int = 0
    urgent_delivery_fee: int = 0
    failed_delivery_fee: int = 0
    rent_buffer_store_devices: bool = False
    price_list_id: int | None = None

    @classmethod
    def of(cls, price_list) -> Terms:
        """The terms of a price list; without one, no markup or rates and the urgent fee from
        `settings.LYFTA_URGENT_FEE` (SEK, default 450), as the draft estimate has always used."""
        if price_list is None:
            from django.conf import settings

            return cls(urgent_delivery_fee=to_ore(getattr(settings, "LYFTA_URGENT_FEE", None) or "450"))
        return cls(
            markup_percent=Decimal(price_list.markup_percent),
            special_rent_percent=Decimal(price_list.special_rent_percent),
            hourly_rate=to_ore(price_list.hourly_rate), urgent_hourly_rate=to_ore(price_list.urgent_hourly_rate),
            urgent_delivery_fee=to_ore(price_list.urgent_delivery_fee),
            failed_delivery_fee=to_ore(price_list.failed_delivery_fee),
            rent_buffer_store_devices=price_list.rent_buffer_store_devices, price_list_id=price_list.pk,
        )


def rent_for_days(monthly_rent_ore: int, days: int, days_in_month: int) -> int:
    """Rent per day on loan: monthly rent × days ÷ days in the month, rounded once."""
    return _round(Decimal(monthly_rent_ore) * days / Decimal(days_in_month))


def purchase_unit_price(price_ore: int, terms: Terms) -> int:
    """A purchase (or a part used on a work order): price + the price list's markup."""
    return _round(Decimal(price_ore) * (HUNDRED + terms.markup_percent) / HUNDRED)


def special_request_monthly_rent(purchase_price_ore: int, terms: Terms) -> int:
    """Monthly rent of an article outside the assortment: a percentage of its purchase price."""
    return _round(Decimal(purchase_price_ore) * terms.special_rent_percent / HUNDRED)


def service_rate(terms: Terms, *, urgent: bool) -> int:
    return terms.urgent_hourly_rate if urgent else terms.hourly_rate


def service_amount(hours: Decimal, rate_ore: int) -> int:
    return _round(Decimal(hours) * rate_ore)


def monthly_rent_ore(*, charging: str, in_assortment: bool, monthly_rent, purchase_price, terms: Terms) -> int:
    """The full-month rent of one unit of an article (0 for purchase articles)."""
    if not in_assortment and purchase_price is not None:
        return special_request_monthly_rent(to_ore(purchase_price), terms)
    if charging == "rent":
        return to_ore(monthly_rent)
    return 0


def periods_in(rows: list[ArticlePrice], start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, ArticlePrice | None]]:
    """Split [start, end] (inclusive) by the article's active price periods: (from, to, row) in
    date order; days with no valid price come with row None."""
    active = sorted((r for r in rows if r.replaced_at is None), key=lambda r: r.valid_from)
    out: list[tuple[dt.date, dt.date, ArticlePrice | None]] = []
    day = start
    while day <= end:
        row = None
        for r in active:
            if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day):
                row = r
        # A later row starts a new period even where the chain's valid_to was not set.
        later = [r.valid_from for r in active if r.valid_from > day]
        stop = min(end, min(later) - ONE_DAY) if later else end
        if row is not None and row.valid_to:
            stop = min(stop, row.valid_to)
        out.append((day, stop, row))
        day = stop + ONE_DAY
    return out


@dataclass(frozen=True)
class Estimate:
    monthly_rent: int  # öre per full month
    purchases: int  # öre, markup included
    urgent_fee: int  # öre


def estimate(items, terms: Terms, *, urgent: bool) -> Estimate:
    """The draft's estimated cost with the same rules as the invoice basis. `items`: tuples
    (charging, in_assortment, monthly_rent, purchase_price, quantity), prices in kronor."""
    rent = purchases = 0
    for charging, in_assortment, monthly, price, qty in items:
        if charging == "rent" or not in_assortment:
            rent += qty * monthly_rent_ore(charging=charging, in_assortment=in_assortment, monthly_rent=monthly,
                                           purchase_price=price, terms=terms)
        else:
            purchases += qty * purchase_unit_price(to_ore(price), terms)
    return Estimate(monthly_rent=rent, purchases=purchases, urgent_fee=terms.urgent_delivery_fee if urgent else 0)
