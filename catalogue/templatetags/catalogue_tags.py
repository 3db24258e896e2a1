from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def kr(value) -> str:
    """Swedish money: 1 234,50 kr (non-breaking spaces)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    nbsp = "\u00a0"
    return f"{sign}{nbsp.join(groups)},{cents}{nbsp}kr"


@register.filter
def iso_display(code: str) -> str:
    return " ".join(code[i:i + 2] for i in range(0, len(code or ""), 2))


@register.filter
def promised_weekdays(article) -> int:
    from catalogue.selectors import promised_weekdays as _pw

    return _pw(article)


@register.filter
def stock_new(article) -> int:
    from catalogue.selectors import availability

    return availability(article)[0]


@register.filter
def stock_refurbished(article) -> int:
    from catalogue.selectors import availability

    return availability(article)[1]
