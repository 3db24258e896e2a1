from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Drift och uppföljning"

    def ready(self):
        from access.roles import Perm
        from core import banners, nav, startpage

        from . import panels, tasks  # noqa: F401  (registers the periodic jobs)

        startpage.register(startpage.Panel(key="operations.notices", template="operations/start/_notices.html",
                                           context=panels.notices_panel, permission=None, order=0))
        startpage.register(startpage.Panel(key="operations.my_support", template="core/start/_list.html",
                                           context=panels.my_support_panel, permission=None, order=5))
        startpage.register(startpage.Panel(key="operations.access_requests", template="core/start/_list.html",
                                           context=panels.access_requests_panel,
                                           permission=Perm.ACCESS_REQUEST_DECIDE, order=40))
        startpage.register(startpage.Panel(key="operations.support_queue", template="core/start/_list.html",
                                           context=panels.support_queue_panel, permission=Perm.SUPPORT_HANDLE,
                                           order=45))
        banners.register("operations.notices", panels.login_banner)

        from ordering.events import register_event_listener

        from .statistics.selectors import on_order_events

        register_event_listener(on_order_events)  # the statistics' cache: a new generation per month
        nav.register(nav.NavItem("ops_statistics", _("Statistik"), "operations:statistics", Perm.STATISTICS_VIEW,
                                 order=80))
        nav.register(nav.NavItem("ops_customer_statistics", _("Statistik"), "operations:customer_statistics",
                                 Perm.CUSTOMER_STATISTICS_VIEW, order=80))

        nav.register(nav.NavItem("ops_notices", _("Driftinformation"), "operations:notice_admin",
                                 Perm.NOTICE_PUBLISH, order=86))
        nav.register(nav.NavItem("ops_access_requests", _("Ansökningar"), "operations:access_request_list",
                                 Perm.ACCESS_REQUEST_DECIDE, order=87))
        nav.register(nav.NavItem("ops_late_entry", _("Efterregistrera"), "operations:fallback_late_entry",
                                 Perm.FALLBACK_ENTER, order=89))
        nav.register(nav.NavItem("ops_support", _("Support"), "operations:support_queue", Perm.SUPPORT_HANDLE,
                                 order=88))
