from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Fakturering"

    def ready(self):
        from access.roles import Perm
        from core import nav

        from . import tasks  # noqa: F401  (registers the nightly computation)

        nav.register(nav.NavItem("invoicing", _("Fakturaunderlag"), "invoicing:months", Perm.INVOICE_VIEW,
                                 order=80))
