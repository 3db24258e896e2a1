from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .problem import problem_response


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _wants_problem(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _wants_problem(request):
        return problem_response(404, _("Hittades inte"), _("Resursen finns inte."), code="not_found")
    return render(request, "404.html", status=404)


def handler500(request):
    if _wants_problem(request):
        return problem_response(500, _("Internt fel"), _("Ett oväntat fel inträffade. Försök igen senare."),
                                code="server_error")
    return render(request, "500.html", status=500)
