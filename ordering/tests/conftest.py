import types

import pytest

from access.principal import principal_for_client, principal_for_user
from access.roles import Role
from ordering.flows import customer as services
from ordering.tests import factories as of


@pytest.fixture
def shop(world, make_user):
    """A prescriber and a supply handler, a patient of the region, a wheelchair (tracked, rent)
    with a fitting cushion (purchase)."""
    prescriber = make_user(Role.PRESCRIBER, "region")
    handler = make_user(Role.SUPPLY_HANDLER)
    chair = of.wheelchair()
    cushion = of.cushion(chair)
    patient = of.patient(world["region"])

    s = types.SimpleNamespace()
    s.world, s.prescriber, s.handler = world, prescriber, handler
    s.chair, s.cushion, s.patient = chair, cushion, patient
    s.p = principal_for_user(prescriber)
    s.h = principal_for_user(handler)
    return s


@pytest.fixture
def stocked(shop):
    """The shop with one new and one refurbished wheelchair and ten cushions in central stock."""
    shop.devices = of.stock_devices(shop.chair, new=1, refurbished=1)
    of.stock_units(shop.cushion, 10)
    return shop


def make_order(shop, *, submit=True, lines=None, **kw):
    lines = lines or [services.LineInput(shop.chair.article_number, 1),
                      services.LineInput(shop.cushion.article_number, 1, 1)]
    data = services.DraftInput(patient_id=shop.patient.pk, lines=lines, **kw)
    order = services.order_draft_create(shop.p, data)
    if submit:
        services.order_submit(shop.p, order.pk)
    order.refresh_from_db()
    return order


__all__ = ["make_order", "principal_for_client"]
