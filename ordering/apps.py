from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderingConfig(AppConfig):
    name = "ordering"
    verbose_name = "Beställningar"

    def ready(self):
        from access.roles import Perm
        from core import nav

        from . import tasks  # noqa: F401  (registers the e-mail task)

        nav.register(nav.NavItem("orders", _("Beställningar"), "ordering:order_search", Perm.ORDER_VIEW, order=30))
        from stock import card

        from .selectors import orders_for_device

        card.register(card.CardSection("orders", "ordering/_device_orders.html", orders_for_device, order=20))
        from .selectors import part_orders_for_device

        card.register(card.CardSection("part_orders", "ordering/_device_part_orders.html", part_orders_for_device,
                                       order=25))
        nav.register(nav.NavItem("spare_parts", _("Reservdelar"), "ordering:spare_parts", Perm.SPARE_PARTS_ORDER,
                                 order=47))
        nav.register(nav.NavItem("inbox", _("Meddelanden"), "ordering:inbox", Perm.INBOX, order=90))
        nav.register(nav.NavItem("special_queue", _("Särskilda beslut"), "ordering:special_queue",
                                 Perm.SPECIAL_REQUEST_DECIDE, order=41))
        nav.register(nav.NavItem("approval_queue", _("Godkännanden"), "ordering:approval_queue",
                                 Perm.CUSTOMER_APPROVAL_DECIDE, order=42))
        from core import startpage

        from .start import approver_panel, prescriber_panel, store_keeper_panel

        startpage.register(startpage.Panel(key="ordering.prescriber", template="ordering/start/_prescriber.html",
                                           context=prescriber_panel, permission=Perm.ORDER_CREATE, order=10))
        startpage.register(startpage.Panel(key="ordering.customer_approvals", template="core/start/_list.html",
                                           context=approver_panel, permission=Perm.CUSTOMER_APPROVAL_DECIDE, order=11))
        startpage.register(startpage.Panel(key="ordering.buffer_below_safety", template="core/start/_list.html",
                                           context=store_keeper_panel, permission=Perm.STORE_KEEP, order=12))
        nav.register(nav.NavItem("buffer_stores", _("Förråd"), "ordering:store_list", Perm.STORE_KEEP, order=35))
