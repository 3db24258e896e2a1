from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from access.decorators import require_perm
from access.roles import Perm
from core.pages import form_page, form_submit, page_action

from .. import selectors
from ..forms import NoticeForm, SubscriptionForm
from ..services import notices as svc


@require_perm(Perm.NOTICE_PUBLISH)
@require_http_methods(["GET", "POST"])
def notice_admin(request):
    form = NoticeForm(request.POST or None)
    if request.method == "POST":
        ok, _ = form_submit(form, lambda d: svc.notice_publish(actor=request.principal, **d))
        if ok:
            from django.contrib import messages
            messages.success(request, gettext("Driftinformationen är publicerad."))
            return redirect("operations:notice_admin")
    return form_page(request, "operations/notices/admin.html", {"form": form, "current": selectors.current_notices()},
                     form=form)


@require_perm(Perm.NOTICE_PUBLISH)
@require_POST
def notice_end(request, notice_id: int):
    return page_action(request, lambda: svc.notice_end(actor=request.principal, notice_id=notice_id),
                       done=reverse("operations:notice_admin"), ok=gettext("Driftinformationen är avslutad."))


@require_perm("")
def notice_history(request):
    from django.core.paginator import Paginator
    from django.shortcuts import render

    page = Paginator(selectors.notice_history(), 50).get_page(request.GET.get("sida"))
    return render(request, "operations/notices/history.html", {"notices": page})


@require_perm("")
@require_http_methods(["GET", "POST"])
def profile(request):
    form = SubscriptionForm(request.POST or None,
                            initial={"subscribed": selectors.is_subscribed(request.user)})
    if request.method == "POST":
        ok, subscribed = form_submit(form, lambda d: svc.notice_subscription_set(actor=request.principal,
                                                                                 subscribed=d["subscribed"]))
        if ok:
            from django.contrib import messages
            messages.success(request, gettext("Du prenumererar på driftinformation.") if subscribed
                             else gettext("Du prenumererar inte på driftinformation."))
            return redirect("operations:profile")
    return form_page(request, "operations/profile.html", {"form": form}, form=form)
