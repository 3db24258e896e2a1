"""The supply centre's list of overdue returns (docs/prescribing.md): loans past their return
date (and trials past their end without a decision), per customer and ordering unit."""
from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from access.decorators import require_perm
from access.roles import Perm
from audit.services import patient_access_record_many
from ordering import selectors as ordering_selectors


@require_GET
@require_perm(Perm.ORDER_HANDLE)
def overdue_returns(request):
    groups = ordering_selectors.overdue_returns()
    patients = sorted({lo.patient_id for g in groups for lo in g["loans"]})
    if patients:
        patient_access_record_many(request.principal, patients, "overdue_returns")
    return render(request, "supply/overdue_returns.html", {
        "groups": groups, "total": sum(len(g["loans"]) for g in groups)})
