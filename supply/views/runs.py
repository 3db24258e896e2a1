"""Runs: the supply handler's planning pages (list + create, one run with its stops, the run
sheet PDF) and the driver's phone pages (today's runs, one stop, the outcomes at the door).
Thin: parse, call a service or a selector, render."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit, page_action, script_action

from ..forms.runs import (
    PICK_CHOICES,
    DeliverForm,
    NobodyHomeForm,
    PickupDoneForm,
    RunForm,
    StopAddForm,
    picks_from_post,
)
from ..runs import outcomes, selectors, services
from ..runs.models import StopKind, StopOutcome
from ..runs.sheet import render_run_sheet

ADD_LABELS = {StopKind.DELIVERY: "Leverans (kundorder att köra ut)",
              StopKind.PICKUP: "Hämtning (öppen hämtorder)",
              StopKind.VISIT: "Teknikerbesök (accepterad arbetsorder hemma hos patient)"}


def _get_run(run_id):
    try:
        return selectors.run_get(run_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


# --------------------------------------------------------------------------- planning


def _stop_of(run_id, stop_id):
    try:
        return selectors.stop_of_run(run_id, stop_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@require_http_methods(["GET", "POST"])
@require_perm(Perm.ORDER_HANDLE)
def run_list(request):
    people = list(services.people_for_runs())
    form = RunForm(request.POST or None, people=people,
                   initial={"date": timezone.localdate()} if request.method == "GET" else None)
    if request.method == "POST":
        ok, run = form_submit(form, lambda cd: services.run_create(request.principal, date=cd["date"],
                                                                    driver_id=cd["driver_id"], vehicle=cd["vehicle"]))
        if ok:
            return redirect("supply:run_plan", run.pk)
    runs = selectors.runs_from(timezone.localdate())
    return form_page(request, "supply/runs/list.html", {"form": form, "runs": runs}, form=form)


def _add_forms(run, bound=None):
    """One add form per stop kind, listing the orders that can still be added. `bound`: the
    (kind, form) that came back with errors; it is shown with its data and errors."""
    forms = {}
    for kind, orders in selectors.candidates(run).items():
        choices = [(str(o.pk), selectors.candidate_label(o)) for o in orders]
        if bound is not None and bound[0] == kind:
            shown = StopAddForm(bound[1].data, choices=choices, label=ADD_LABELS[kind], prefix=kind)
            shown.is_valid()
            shown._errors = bound[1].errors  # the service's (or the form's) messages, next to the field
            forms[kind] = shown
        else:
            forms[kind] = StopAddForm(choices=choices, label=ADD_LABELS[kind], prefix=kind)
    return forms


def _plan_page(request, run_id, *, bound=None, status=200):
    run = _get_run(run_id)
    views = selectors.stop_views(run, request.principal, view="run_plan")
    ctx = {"run": run, "views": views, "load": selectors.load_list(views), "add_forms": _add_forms(run, bound)}
    return render(request, "supply/runs/plan.html", ctx, status=status)


@require_GET
@require_perm(Perm.ORDER_HANDLE)
def run_plan(request, run_id: int):
    return _plan_page(request, run_id)


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def run_stop_add(request, run_id: int, kind: str):
    if kind not in StopKind.values:
        raise Http404
    form = StopAddForm(request.POST, choices=[(request.POST.get(f"{kind}-order_id", ""), "")], prefix=kind)
    return page_action(request, lambda cd: services.run_stop_add(request.principal, run_id, order_id=cd["order_id"]),
                       form=form, ok=_("Stoppet är tillagt."), done=reverse("supply:run_plan", args=[run_id]),
                       render_back=lambda f: _plan_page(request, run_id, status=422, bound=(kind, f)))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def run_stop_move(request, run_id: int, stop_id: int, direction: str):
    _stop_of(run_id, stop_id)
    return page_action(request, lambda: services.run_stop_move(request.principal, stop_id, direction=direction),
                       done=reverse("supply:run_plan", args=[run_id]) + f"#stop-{stop_id}")


def _moved_message(stops, moved) -> str:
    """"<order> är nu stopp <n> av <total>." for the stop that was dragged (else a plain "saved")."""
    for stop in stops:
        if str(stop.pk) == str(moved):
            return _("Ordningen är sparad: %(number)s är nu stopp %(position)s av %(total)s.") % {
                "number": stop.order.number, "position": stop.position, "total": len(stops)}
    return _("Den nya ordningen är sparad.")


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def run_stop_reorder(request, run_id: int):
    """The new order of the stops still to do (`stop`, repeated, top to bottom), sent by the drag
    and drop on the planning page (htmx/fetch: JSON with the re-rendered stops and load list and
    the sentence the live region reads) or by a plain form (message + back to the page)."""
    _get_run(run_id)
    stop_ids = request.POST.getlist("stop")
    moved = request.POST.get("moved", "")
    if not request.htmx:
        return page_action(request, lambda: services.run_stop_reorder(request.principal, run_id, stop_ids=stop_ids),
                           ok=lambda stops: _moved_message(stops, moved),
                           done=reverse("supply:run_plan", args=[run_id]))

    def answer(stops):
        run = _get_run(run_id)
        views = selectors.stop_views(run, request.principal, view="run_plan")
        ctx = {"run": run, "views": views, "load": selectors.load_list(views)}
        return {"message": _moved_message(stops, moved),
                "stops_html": render_to_string("supply/runs/_stops.html", ctx, request=request),
                "load_html": render_to_string("supply/runs/_load.html", ctx, request=request)}

    return script_action(lambda: services.run_stop_reorder(request.principal, run_id, stop_ids=stop_ids), answer)


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def run_stop_remove(request, run_id: int, stop_id: int):
    _stop_of(run_id, stop_id)
    return page_action(request, lambda: services.run_stop_remove(request.principal, stop_id),
                       ok=_("Stoppet är borttaget från körningen."), done=reverse("supply:run_plan", args=[run_id]))


@require_POST
@require_perm(Perm.ORDER_HANDLE)
def run_sort(request, run_id: int):
    return page_action(request, lambda: services.run_sort_by_postcode(request.principal, run_id),
                       ok=_("Stoppen är sorterade på postnummer."), done=reverse("supply:run_plan", args=[run_id]))


def _sheet(request, run):
    views = selectors.stop_views(run, request.principal, view="run_sheet_pdf")
    pdf = render_run_sheet(run, views, selectors.load_list(views))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="korlista-{run.date.isoformat()}-{run.pk}.pdf"'
    return response


@require_GET
@require_perm(Perm.ORDER_HANDLE)
def run_sheet(request, run_id: int):
    return _sheet(request, _get_run(run_id))


# --------------------------------------------------------------------------- the driver


@require_GET
@require_perm(Perm.DRIVER_RUNS)
def driver_today(request):
    runs = selectors.driver_runs(request.principal.user)
    items = [(run, selectors.stop_views(run, request.principal, view="driver_run")) for run in runs]
    return render(request, "supply/runs/driver_today.html", {"items": items, "today": timezone.localdate()})


def _own_run(request, run_id):
    try:
        return selectors.run_for_driver(request.principal, run_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@require_GET
@require_perm(Perm.DRIVER_RUNS)
def driver_sheet(request, run_id: int):
    return _sheet(request, _own_run(request, run_id))


def _stop_page(request, stop_id, *, forms=None, status=200, marked=None):
    try:
        stop = selectors.stop_for_driver(request.principal, stop_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    view = selectors.stop_views(stop.run, request.principal, view="driver_stop", stops=[stop])[0]
    marked = marked or {}
    picks = [(i, serial, name, marked.get(serial, "collected")) for i, (serial, _number, name) in enumerate(view.collect, 1)]
    ctx = {"v": view, "run": stop.run, "nobody_form": NobodyHomeForm(), "picks": picks, "pick_choices": PICK_CHOICES,
           "deliver_form": PickupDoneForm() if stop.kind == StopKind.PICKUP else DeliverForm()}
    ctx.update(forms or {})
    return render(request, "supply/runs/driver_stop.html", ctx, status=status)


@require_GET
@require_perm(Perm.DRIVER_RUNS)
def driver_stop(request, stop_id: int):
    return _stop_page(request, stop_id)


@require_POST
@require_perm(Perm.DRIVER_RUNS)
def driver_stop_done(request, stop_id: int):
    pickup = bool(request.POST.get("collect_shown"))
    form = PickupDoneForm(request.POST) if pickup else DeliverForm(request.POST)
    line_ids = request.POST.getlist("line") if request.POST.get("lines_shown") else None
    collected, left, marked = picks_from_post(request.POST) if pickup else (None, None, {})
    return page_action(request, lambda cd: outcomes.run_stop_complete(request.principal, stop_id,
                                                                      receiver_name=cd["receiver_name"],
                                                                      signature=cd["signature"], line_ids=line_ids,
                                                                      collected_serials=collected, not_collected=left,
                                                                      note=cd.get("pickup_note", "")),
                       form=form, ok=_done_message, done=reverse("supply:driver_today"), rename={"note": "pickup_note"},
                       render_back=lambda f: _stop_page(request, stop_id, forms={"deliver_form": f}, status=422,
                                                        marked=marked))


def _done_message(stop) -> str:
    if stop.outcome == StopOutcome.PARTIAL:
        return _("Delvis hämtat och kvitterat. Det som är kvar hämtas vid ett nytt stopp.")
    return _("Utfört och kvitterat.")


@require_POST
@require_perm(Perm.DRIVER_RUNS)
def driver_stop_nobody_home(request, stop_id: int):
    form = NobodyHomeForm(request.POST)
    return page_action(request, lambda cd: outcomes.run_stop_nobody_home(request.principal, stop_id,
                                                                         note=cd["note"]),
                       form=form, ok=_("Registrerat: ingen hemma."), done=reverse("supply:driver_today"),
                       render_back=lambda f: _stop_page(request, stop_id, forms={"nobody_form": f}, status=422))
