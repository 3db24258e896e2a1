import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Katalog"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from access.roles import Perm
        from core import nav, scheduler

        from .models import PriceList
        from .selectors import price_terms_invalidate

        post_save.connect(price_terms_invalidate, sender=PriceList, dispatch_uid="price_terms_save")
        post_delete.connect(price_terms_invalidate, sender=PriceList, dispatch_uid="price_terms_delete")
        from access.models import Competence

        from .models import Article, IsoClass, Product
        from .prescribing import PRESCRIBING_RULES

        PRESCRIBING_RULES.connect(Article, Product, IsoClass, Competence)

        nav.register(nav.NavItem("catalogue", _("Hjälpmedel"), "catalogue:search", Perm.CATALOGUE_VIEW, order=10))
        scheduler.register("catalogue.prices_refresh", "catalogue.tasks.prices_refresh", dt.timedelta(hours=6))
