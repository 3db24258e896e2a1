"""Statistics pages: supply staff see every customer; a customer's users see their own customer
(another customer's figures answer 404). Both take `?fran=YYYY-MM&till=YYYY-MM` (default: the
last twelve months) and download the same tables as .xlsx or .csv."""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from access.decorators import require_perm
from access.roles import Perm
from audit.services import audit_record
from core.pages import INVALID, form_page, form_submit, page_action

from . import exports, report
from . import selectors as sel
from .forms import Co2FactorForm, RangeForm


def _range(request):
    """(form, first, last, valid): the range asked for, or the default."""
    if "fran" in request.GET or "till" in request.GET:
        form = RangeForm(request.GET)
        ok, result = form_submit(form, lambda d: sel.parse_range(d["fran"], d["till"]))
        if ok:
            return form, result[0], result[1], True
        return form, None, None, False
    first, last = sel.default_range()
    return RangeForm(initial={"fran": f"{first:%Y-%m}", "till": f"{last:%Y-%m}"}), first, last, True


def _customer_scope(request) -> report.Scope:
    """The customer whose figures a customer user sees: `?kund=<id>` among their own, else their
    first. Anything else is 404."""
    from invoicing.selectors import can_see_customer

    principal = request.principal
    ids = sorted(principal.customer_ids)
    wanted = request.GET.get("kund")
    if wanted:
        try:
            cid = int(wanted)
        except ValueError:
            raise Http404 from None
    elif ids:
        cid = ids[0]
    else:
        raise Http404
    if cid not in ids:
        raise Http404
    names = sel.customer_names([cid, *ids])
    return report.Scope(customer_id=cid, customer_name=names.get(cid, ""),
                        show_costs=can_see_customer(principal, cid)), [(i, names.get(i, "")) for i in ids]


def _page(request, scope: report.Scope, *, customers=(), download_name: str):
    form, first, last, ok = _range(request)
    context = {"form": form, "scope": scope, "customers": customers, "download_name": download_name,
               "query": request.GET.urlencode(), "can_manage_factors": request.principal.has_perm(
                   Perm.CO2_FACTORS_MANAGE)}
    if not ok:
        return render(request, "operations/statistics/page.html", context, status=INVALID)
    context.update(first=first, last=last, sections_html=_sections_html(request, first, last, scope))
    return render(request, "operations/statistics/page.html", context)


def _sections_html(request, first, last, scope: report.Scope) -> str:
    """The rendered charts and tables, cached under the version of everything they show (the
    months' cache keys, the invoice basis' computation times, the climate factors) and the
    language: unchanged figures are not rebuilt or re-rendered."""
    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe
    from django.utils.translation import get_language

    key = (f"lyfta:stats:html:{scope.customer_id or 'all'}:{int(scope.show_costs)}:{first:%Y-%m}:{last:%Y-%m}:"
           f"{get_language()}:{sel.report_version(first, last)}")
    html = cache.get(key)
    if html is None:
        tables = report.build(first, last, scope)
        html = render_to_string("operations/statistics/_sections.html", {"sections": _sections(tables)}, request)
        cache.set(key, html, sel.CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308  (rendered by our template, autoescaped)


SECTIONS = (
    ("Servicenivåer", ("service_levels", "service_levels_work", "service_levels_special", "service_levels_ops"),
     "worst_"),
    ("Volymer", ("volumes", "volumes_customer", "volumes_iso"), None),
    ("Återanvändning och miljö", ("reuse", "reuse_class"), None),
    ("Försenade återlämningar", ("overdue_returns",), None),
    ("Hjälpmedel på lån och kostnad", ("loans",), None),
)


def _sections(tables: list[report.Table]):
    by_key = {t.key: t for t in tables}
    out = []
    for title, keys, prefix in SECTIONS:
        items = [by_key[k] for k in keys if k in by_key]
        if prefix:
            items += [t for t in tables if t.key.startswith(prefix)]
        if items:
            out.append({"title": title, "tables": [_shown(t) for t in items]})
    return out


def _shown(t: report.Table) -> dict:
    rows = [[report.cell_text(v, percent=i in t.percent_cols) for i, v in enumerate(row)] for row in t.rows]
    return {"table": t, "rows": [(cells, t.links.get(i, "")) for i, cells in enumerate(rows)]}


def _download(request, scope: report.Scope, fmt: str, name: str):
    form, first, last, ok = _range(request)
    if not ok:
        raise Http404
    tables = report.build(first, last, scope)
    who = scope.customer_name or "alla kunder"
    audit_record(request.principal, "statistics.download", None,
                 {"format": fmt, "customer_id": scope.customer_id, "from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"},
                 object_type="operations.statistics", object_id=str(scope.customer_id or "all"))
    return exports.response(fmt, f"{name}_{first:%Y-%m}_{last:%Y-%m}",
                            f"Statistik {who} {first:%Y-%m}–{last:%Y-%m}", tables)


@require_perm(Perm.STATISTICS_VIEW)
def supply_statistics(request):
    return _page(request, report.Scope(), download_name="operations:statistics")


@require_perm(Perm.STATISTICS_VIEW)
def supply_statistics_xlsx(request):
    return _download(request, report.Scope(), "xlsx", "statistik_hmc")


@require_perm(Perm.STATISTICS_VIEW)
def supply_statistics_csv(request):
    return _download(request, report.Scope(), "csv", "statistik_hmc")


@require_perm(Perm.CUSTOMER_STATISTICS_VIEW)
def customer_statistics(request):
    scope, customers = _customer_scope(request)
    return _page(request, scope, customers=customers, download_name="operations:customer_statistics")


@require_perm(Perm.CUSTOMER_STATISTICS_VIEW)
def customer_statistics_xlsx(request):
    scope, _ = _customer_scope(request)
    return _download(request, scope, "xlsx", "statistik")


@require_perm(Perm.CUSTOMER_STATISTICS_VIEW)
def customer_statistics_csv(request):
    scope, _ = _customer_scope(request)
    return _download(request, scope, "csv", "statistik")


@require_perm(Perm.CO2_FACTORS_MANAGE)
@require_http_methods(["GET", "POST"])
def co2_factors(request):
    from . import services

    form = Co2FactorForm(request.POST or None)
    if request.method == "POST":
        ok, row = form_submit(form, lambda d: services.co2_factor_set(actor=request.principal, **d))
        if ok:
            from django.contrib import messages

            messages.success(request, gettext("Klimatfaktorn för %(iso)s är sparad.") % {"iso": row.iso_prefix})
            return redirect("operations:co2_factors")
    return form_page(request, "operations/statistics/co2_factors.html", {"form": form, "rows": sel.co2_factor_rows()},
                     form=form)


@require_perm(Perm.CO2_FACTORS_MANAGE)
@require_POST
def co2_factor_delete(request, factor_id: int):
    from . import services

    return page_action(request, lambda: services.co2_factor_delete(actor=request.principal, factor_id=factor_id),
                       done=reverse("operations:co2_factors"), ok=gettext("Klimatfaktorn är borttagen."))
