"""The supply centre's dashboard (service levels, queues, reuse rate)."""
from __future__ import annotations

from django.shortcuts import render

from access.decorators import require_perm
from access.roles import Perm

from .. import dashboard as dash

# --------------------------------------------------------------------------- dashboard


@require_perm(Perm.ORDER_HANDLE)
def dashboard(request):
    return render(request, "supply/service/dashboard.html", {"d": dash.dashboard()})
