from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyConfig(AppConfig):
    name = "supply"
    verbose_name = "Hjälpmedelscentralen"

    def ready(self):
        from access.roles import Perm
        from core import nav

        nav.register(nav.NavItem("supply_inbox", _("Orderinkorg"), "supply:inbox", Perm.ORDER_HANDLE, order=40))
        from core import startpage

        from . import wiring  # noqa: F401  (navigation, the device-card section, the inspection task)
        from .start import handler_panel, today_panel

        startpage.register(startpage.Panel(key="supply.inbox_counts", template="core/start/_list.html",
                                           context=handler_panel, permission=Perm.ORDER_HANDLE, order=20))
        startpage.register(startpage.Panel(key="supply.today", template="core/start/_list.html",
                                           context=today_panel, permission=Perm.DRIVER_RUNS, order=15))
