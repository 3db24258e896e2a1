"""Wiring of the service-order pages at start-up (imported from `SupplyConfig.ready`):
navigation items, the device-card history section and the scheduled inspection task."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from access.roles import Perm
from core import nav
from stock import card

from . import tasks  # noqa: F401  (registers the daily inspection job)

nav.register(nav.NavItem("work_orders", _("Arbetsordrar"), "ordering:wo_search", Perm.ORDER_CREATE, order=32))
nav.register(nav.NavItem("pickups", _("Hämtordrar"), "ordering:pickup_search", Perm.ORDER_CREATE, order=33))
nav.register(nav.NavItem("fault_reports", _("Avvikelser"), "ordering:fault_search", Perm.ORDER_CREATE, order=34))
nav.register(nav.NavItem("supply_work_orders", _("Arbetsordrar (HMC)"), "supply:wo_list", Perm.WORK_ORDER_HANDLE,
                         order=42))
nav.register(nav.NavItem("supply_pickups", _("Hämtordrar (HMC)"), "supply:pickup_list", Perm.ORDER_HANDLE, order=43))
nav.register(nav.NavItem("overdue_returns", _("Försenade återlämningar"), "supply:overdue_returns",
                         Perm.ORDER_HANDLE, order=44))
nav.register(nav.NavItem("supply_faults", _("Avvikelser (HMC)"), "supply:fault_list", Perm.WORK_ORDER_HANDLE,
                         order=44))
nav.register(nav.NavItem("refurbishment", _("Rekonditionering"), "supply:refurb_queue", Perm.STOCK_MANAGE, order=45))
nav.register(nav.NavItem("supply_dashboard", _("Översikt"), "supply:dashboard", Perm.ORDER_HANDLE, order=41))
nav.register(nav.NavItem("runs", _("Körningar"), "supply:run_list", Perm.ORDER_HANDLE, order=43))
nav.register(nav.NavItem("driver_today", _("Min körning"), "supply:driver_today", Perm.DRIVER_RUNS, order=47))
nav.register(nav.NavItem("technician", _("Mina arbetsordrar"), "supply:technician", Perm.TECHNICIAN_WORK, order=46))


def _device_service_history(device, principal) -> dict:
    from .selectors import device_orders

    items = device_orders(device)
    if not principal.is_supply:  # customer-side readers see only their own customers' orders
        items = [i for i in items if i.order.customer_id in principal.customer_ids]
    return {"items": items}


card.register(card.CardSection("service_history", "supply/service/_device_history.html", _device_service_history,
                               order=30))
