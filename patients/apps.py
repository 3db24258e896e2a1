from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patienter"

    def ready(self):
        from access.roles import Perm
        from core import nav

        nav.register(nav.NavItem("patients", _("Patienter"), "patients:search", Perm.PATIENT_VIEW, order=20))
