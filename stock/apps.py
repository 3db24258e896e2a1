from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "stock"
    verbose_name = "Lager"

    def ready(self):
        from access.roles import Perm
        from core import nav

        nav.register(nav.NavItem("stock", "Lager", "stock:overview", Perm.STOCK_VIEW, order=60))
