import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Katalog"

    def ready(self):
        from access.roles import Perm
        from core import nav, scheduler

        nav.register(nav.NavItem("catalogue", _("Hjälpmedel"), "catalogue:search", Perm.CATALOGUE_VIEW, order=10))
        scheduler.register("catalogue.prices_refresh", "catalogue.tasks.prices_refresh", dt.timedelta(hours=6))
