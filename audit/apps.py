from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Loggning"

    def ready(self):
        from access.roles import Perm
        from core import nav

        nav.register(nav.NavItem("audit", _("Logguttag"), "audit:events", Perm.AUDIT_VIEW, order=90))
        from core import startpage

        from .start import auditor_panel

        startpage.register(startpage.Panel(key="audit.extracts", template="core/start/_list.html",
                                           context=auditor_panel, permission=Perm.AUDIT_VIEW, order=60))
