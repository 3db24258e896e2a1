"""Extension point for the device card (individkort). Contexts above stock (ordering, supply)
add their history sections without stock importing them:

    # in ordering/apps.py ready():
    from stock import card
    card.register(card.CardSection("orders", "ordering/_device_orders.html", orders_for_device, order=20))

`context(device, principal) -> dict` is called when the card renders; the section template is
rendered with that dict plus `device` and `principal`. Sections render in `order`, between the
loans and the movements. (Templates extending `stock/device_card.html` can also override
`{% block device_history_extra %}`.) A section that shows patient data writes its own
patient-access rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CardSection:
    key: str
    template: str
    context: Callable[..., dict]
    order: int = 100


_sections: dict[str, CardSection] = {}


def register(section: CardSection) -> None:
    _sections[section.key] = section


def sections() -> list[CardSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def render_sections(device, principal, request=None) -> list[str]:
    """Each registered section rendered to HTML with its own context."""
    from django.template.loader import render_to_string

    out = []
    for s in sections():
        ctx = dict(s.context(device, principal) or {})
        ctx.update(device=device, principal=principal)
        out.append(render_to_string(s.template, ctx, request=request))
    return out
