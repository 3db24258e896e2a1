from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "Organisation och behörighet"

    def ready(self):
        from axes.signals import user_locked_out

        from core import nav

        from . import checks, tasks  # noqa: F401  (deploy checks; the dormant-account job)
        from .roles import Perm
        from .throttle import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="access.throttle.on_locked_out")

        from .models import ApiClient, CustomerPrescribingTerms, Organisation
        from .selectors import COST_CEILINGS
        from .services import API_CLIENTS

        COST_CEILINGS.connect(CustomerPrescribingTerms)
        API_CLIENTS.connect(ApiClient, Organisation)

        nav.register(nav.NavItem("start", _("Start"), "core:start", "", order=0))
        nav.register(nav.NavItem("role_admin", _("Behörigheter"), "access:role_admin", Perm.ACCESS_ADMIN, order=85))
        nav.register(nav.NavItem("competence_admin", _("Förskrivningsrätt"), "access:competence_admin",
                                 Perm.ACCESS_ADMIN, order=86))
        nav.register(nav.NavItem("admin", _("Administration"), "admin:index", Perm.SYSTEM_ADMIN, order=95))
