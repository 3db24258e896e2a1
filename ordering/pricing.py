"""Promised delivery dates and the customer's estimated cost for a draft (DESIGN.md §8).

Urgent delivery fee: `settings.LYFTA_URGENT_FEE` (SEK, default 450). Promised weekdays per
article come from the catalogue (`promised_weekdays`: stocked 7, on demand 17, or the lead time
if longer). Urgent shortens the supply centre's handling, not the supplier's lead time: an urgent
order is promised the next weekday for articles in stock, and the supplier's lead time (at least
the next weekday) for an article with none in stock; `promise_note` says why on the draft."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from core.calendar import add_weekdays

DEFAULT_URGENT_FEE = Decimal("450.00")
STOCKED_WEEKDAYS = 7
ON_DEMAND_WEEKDAYS = 17


def urgent_fee() -> Decimal:
    """The urgent-delivery fee promised today (SEK): the price list's, else the setting."""
    from catalogue.pricing import kronor
    from catalogue.selectors import price_terms_on

    return kronor(price_terms_on(timezone.localdate()).urgent_delivery_fee)


def promised_weekdays(article) -> int:
    from catalogue.selectors import promised_weekdays as catalogue_promised

    return catalogue_promised(article)


def in_stock(article) -> bool:
    from catalogue.selectors import availability

    new, refurbished = availability(article)
    return new + refurbished > 0


def urgent_weekdays(article) -> int:
    """Weekdays for an urgent order: the next weekday if in stock, else the supplier's lead time."""
    if in_stock(article):
        return 1
    return max(1, article.lead_time_days or 0)


def promised_date(articles, *, urgent: bool, today: dt.date | None = None) -> dt.date | None:
    today = today or timezone.localdate()
    articles = list(articles)
    if not articles:
        return None
    if urgent:
        return add_weekdays(today, max(urgent_weekdays(a) for a in articles))
    return add_weekdays(today, max(promised_weekdays(a) for a in articles))


def promise_note(articles, *, urgent: bool) -> str:
    """Why an urgent order is promised later than the next weekday (empty otherwise)."""
    if not urgent:
        return ""
    slow = sorted({a.pk: a for a in articles if urgent_weekdays(a) > 1}.values(), key=lambda a: -urgent_weekdays(a))
    if not slow:
        return ""
    a = slow[0]
    return (f"Akut beställning ger leverans nästa vardag för artiklar i lager, men {a.article_number} {a.name} "
            f"finns inte i lager och har {urgent_weekdays(a)} dagars leveranstid hos leverantören; det utlovade "
            "datumet följer leveranstiden.")


@dataclass
class CostEstimate:
    monthly_rent: Decimal
    purchases: Decimal
    urgent_fee: Decimal
    promise_note: str = ""


def cost_estimate(lines, *, urgent: bool) -> CostEstimate:
    """`lines`: OrderLines (with copied prices) or (article, quantity) pairs. Computed by
    `catalogue.pricing.estimate`, the rules the invoice basis bills by (markup on purchases,
    special-request rent, the price list's urgent fee)."""
    from catalogue import pricing as charges
    from catalogue.selectors import price_terms_on

    items = []
    for line in lines:
        if isinstance(line, tuple):
            article, qty = line
            items.append((article.charging, article.in_assortment, article.monthly_rent, article.purchase_price, qty))
        else:
            items.append((line.charging, line.article.in_assortment, line.monthly_rent, line.unit_price,
                          line.quantity))
    est = charges.estimate(items, price_terms_on(timezone.localdate()), urgent=urgent)
    return CostEstimate(monthly_rent=charges.kronor(est.monthly_rent), purchases=charges.kronor(est.purchases),
                        urgent_fee=charges.kronor(est.urgent_fee))
