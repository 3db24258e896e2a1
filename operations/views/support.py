from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.errors import NotFound
from core.pages import form_page, form_submit, page_action

from .. import selectors
from ..forms import SupportCaseForm, SupportReplyForm
from ..models import SupportCase, SupportMessage
from ..services import support as svc


@require_perm("")
@require_http_methods(["GET", "POST"])
def support_new(request):
    page_url = svc.clean_page_url(request.GET.get("sida", "")) or svc.clean_page_url(request.META.get("HTTP_REFERER"))
    form = SupportCaseForm(request.POST or None, request.FILES or None,
                           initial={"page_url": page_url, "order_number": request.GET.get("order", "")[:16]})
    if request.method == "POST":
        ok, case = form_submit(form, lambda d: svc.support_case_open(
            principal=request.principal, category=d["category"], subject=d["subject"], text=d["text"],
            page_url=d["page_url"], order_number=d["order_number"], screenshot=d.get("screenshot")))
        if ok:
            from django.contrib import messages
            messages.success(request, gettext("Ärendet %(number)s är skickat till supporten.") % {"number": case.number})
            return redirect("operations:support_detail", case_id=case.pk)
    return form_page(request, "operations/support/new.html", {"form": form, "page_url": page_url}, form=form)


@require_perm("")
def support_mine(request):
    return render(request, "operations/support/list.html",
                  {"cases": selectors.support_cases_for(request.principal, mine=True)[:200], "mine": True})


@require_perm(Perm.SUPPORT_HANDLE)
def support_queue(request):
    status = request.GET.get("status", "open")
    if status not in {"open", "answered", "closed", ""}:
        status = "open"
    return render(request, "operations/support/list.html",
                  {"cases": selectors.support_cases_for(request.principal, status=status)[:200], "mine": False,
                   "status": status})


def _case(request, case_id):
    try:
        return svc.case_for(request.principal, case_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@require_perm("")
def support_detail(request, case_id: int):
    case = _case(request, case_id)
    if case.unread_by_opener and case.opened_by_id == request.user.pk:
        svc.support_case_mark_read(principal=request.principal, case_id=case.pk)
    return render(request, "operations/support/detail.html",
                  {"case": case, "thread": case.messages.all(), "form": SupportReplyForm(),
                   "is_support": svc.is_support(request.principal)})


@require_perm("")
@require_POST
def support_reply(request, case_id: int):
    case = _case(request, case_id)
    form = SupportReplyForm(request.POST, request.FILES)

    def back(f):
        return render(request, "operations/support/detail.html",
                      {"case": case, "thread": case.messages.all(), "form": f,
                       "is_support": svc.is_support(request.principal)})

    return page_action(request, lambda d: svc.support_case_reply(principal=request.principal, case_id=case.pk,
                                                                 text=d["text"], screenshot=d.get("screenshot")),
                       form=form, render_back=back, done=reverse("operations:support_detail", args=[case.pk]),
                       ok=gettext("Meddelandet är skickat."))


@require_perm("")
@require_POST
def support_close(request, case_id: int):
    case = _case(request, case_id)
    return page_action(request, lambda: svc.support_case_close(principal=request.principal, case_id=case.pk),
                       done=reverse("operations:support_detail", args=[case.pk]), ok=gettext("Ärendet är avslutat."))


@require_perm("")
def support_screenshot(request, message_id: int):
    msg = SupportMessage.objects.select_related("case").filter(pk=message_id).exclude(screenshot="").first()
    if msg is None:
        raise Http404("Bilden finns inte.")
    _case(request, msg.case_id)  # 404 unless the viewer may see the case
    response = FileResponse(msg.screenshot.open("rb"), content_type=msg.screenshot_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["SupportCase"]
