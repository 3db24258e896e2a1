from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "stock"
    verbose_name = "Lager"

    def ready(self):
        from access.roles import Perm
        from core import nav

        nav.register(nav.NavItem("stock", _("Lager"), "stock:overview", Perm.STOCK_VIEW, order=60))
        nav.register(nav.NavItem("buffer_stores_admin", _("Buffertförråd"), "stock:buffer_stores", Perm.STOCK_MANAGE,
                                 order=61))
