"""Fixtures for the service-order tests (work orders, pickups, fault reports), shared by
ordering/, supply/ and stock/ tests: `from ordering.tests.service_fixtures import *`."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from access.principal import principal_for_user
from access.roles import Role
from ordering.tests import factories as of

__all__ = ["svc", "Svc"]


class Svc:
    """A prescriber (region), a handler and a technician (supply), a municipality prescriber,
    a region patient holding a wheelchair on loan (rent, 12-month inspection interval), a
    purchased walker on loan, and spare parts in stock."""

    def deliver(self, article, patient, *, customer=None, on=None, condition="new"):
        from stock import services as stock_services

        kw = {"new": 1} if condition == "new" else {"refurbished": 1}
        device = of.stock_devices(article, **kw)[0]
        customer = customer or patient.customer
        stock_services.deliver_to_patient(device=device, patient=patient, customer=customer, ref="KO-test",
                                          on=on or timezone.localdate())
        device.refresh_from_db()
        return device


@pytest.fixture
def svc(world, make_user):
    from stock.models import Location

    Location.objects.get_or_create(code="CENTRAL", defaults={"name": "Centrallager", "kind": "central"})
    s = Svc()
    s.world = world
    s.prescriber = make_user(Role.PRESCRIBER, "region")
    s.other = make_user(Role.PRESCRIBER, "municipality")
    s.handler = make_user(Role.SUPPLY_HANDLER)
    s.technician = make_user(Role.TECHNICIAN, first_name="Tove", last_name="Tekniker")
    s.p, s.o = principal_for_user(s.prescriber), principal_for_user(s.other)
    s.h, s.t = principal_for_user(s.handler), principal_for_user(s.technician)
    s.chair = of.wheelchair()
    s.chair.inspection_interval_months = 12
    s.chair.save(update_fields=["inspection_interval_months"])
    s.walker = of.article(name="Rollator Carl", kind="H", tracked=True, price="2500.00")
    s.part = of.article(name="Däck 24 tum", kind="R", price="150.00")
    of.stock_units(s.part, 10)
    s.patient = of.patient(world["region"])
    s.device = s.deliver(s.chair, s.patient, on=timezone.localdate() - dt.timedelta(days=30))
    s.walker_device = s.deliver(s.walker, s.patient, on=timezone.localdate() - dt.timedelta(days=30))
    return s
