from django.conf import settings
from django.urls import include, path

from access import views as access_views
from access.admin_site import site as admin_site
from core import views as core_views
from integration.api import api
from integration.fhir.api import fhir_api

urlpatterns = [
    # Start page (per role, composed by access) and health check share the "core" namespace.
    path("", include(([path("", access_views.start, name="start"),
                       path("healthz", core_views.healthz, name="healthz")], "core"))),
    path("konto/", include("access.urls")),
    path("katalog/", include("catalogue.urls")),
    path("patienter/", include("patients.urls")),
    path("bestallningar/", include("ordering.urls")),
    path("lager/", include("stock.urls")),
    path("hmc/", include("supply.urls")),
    path("fakturering/", include("invoicing.urls")),
    path("drift/", include("operations.urls")),
    path("revision/", include("audit.urls")),
    path("integration/", include("integration.urls")),
    # The language switch: Django's set_language, plus the logged-in user's own language.
    path("i18n/setlang/", access_views.language_switch, name="set_language"),
    path("admin/", admin_site.urls),
    path("api/v1/", api.urls),
    path("fhir/R4/", fhir_api.urls),
]

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "core.views.handler404"
handler500 = "core.views.handler500"
