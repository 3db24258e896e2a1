"""A world for the runs tests: `svc` (handler, technician, prescriber, a patient with a chair on
loan) plus a driver, a confirmed customer order ready to deliver and an open pickup order."""
from __future__ import annotations

import pytest

from access.principal import principal_for_user
from access.roles import Role
from ordering.flows import customer as customer_flows
from ordering.flows import pickup as pickups
from ordering.tests import factories as of
from ordering.tests.service_fixtures import svc  # noqa: F401
from supply import services as supply_services

__all__ = ["runs", "svc", "make_delivery_order", "make_pickup_order", "signature_url"]


def make_delivery_order(s, *, confirm=True, postal_code=None):
    of.stock_devices(s.chair, new=1)
    data = customer_flows.DraftInput(patient_id=s.patient.pk, lines=[customer_flows.LineInput(s.chair.article_number, 1)])
    order = customer_flows.order_draft_create(s.p, data)
    customer_flows.order_submit(s.p, order.pk)
    if confirm:
        supply_services.order_confirm(s.h, order.pk)
    order.refresh_from_db()
    if postal_code is not None:  # test data only: the copied address decides the postcode sort
        type(order).objects.filter(pk=order.pk).update(delivery_postal_code=postal_code)
        order.refresh_from_db()
    return order


def make_pickup_order(s, device=None):
    return pickups.pickup_create(s.p, pickups.PickupInput(
        patient_id=s.patient.pk, lines=[pickups.PickupLineInput((device or s.device).serial, "not_needed")]))


@pytest.fixture
def runs(svc, make_user):
    s = svc
    s.driver = make_user(Role.DRIVER, first_name="Charlie", last_name="Chaufför")
    s.d = principal_for_user(s.driver)
    s.handler2 = make_user(Role.SUPPLY_HANDLER)
    s.h2 = principal_for_user(s.handler2)
    s.delivery = make_delivery_order(s)
    s.pickup = make_pickup_order(s)
    return s



def signature_url(*, blank: bool = False, size=(600, 240), fmt="PNG") -> str:
    """A signature as the phone's canvas sends it: a PNG data URL with a stroke (or none)."""
    import base64
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(img).line([(20, 200), (200, 40), (400, 180), (580, 60)], fill=(0, 0, 0, 255), width=5)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format=fmt) if fmt != "PNG" else img.save(buf, format="PNG")
    return f"data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"
