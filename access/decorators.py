import inspect
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from .principal import principal_for_request


def require_perm(perm: str):
    """Page guard: anonymous → login; lacking the permission → 403 page in Swedish.
    The permission is recorded on the view for the permission-matrix test."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            principal = principal_for_request(request)
            if not principal.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not principal.has_perm(perm):
                return render(request, "403.html", {"reason": "Du saknar behörighet för den här sidan."}, status=403)
            request.principal = principal
            return view(request, *args, **kwargs)

        wrapped.lyfta_permission = perm
        # django-ninja reads the operation's parameters from the signature; with postponed
        # annotations (`from __future__ import annotations`) it would resolve them in this
        # module's globals, so give it the signature already evaluated in the view's module.
        try:
            wrapped.__signature__ = inspect.signature(func, eval_str=True)
        except NameError:  # a name defined after the view: ninja resolves it later itself
            pass
        return wrapped

    return decorator


def api_perm(perm: str):
    """API guard for django-ninja operations: the authenticated principal (`request.auth`)
    must hold `perm`, else 403 problem. Recorded on the function for the permission matrix."""

    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            request.auth.require(perm)
            return func(request, *args, **kwargs)

        wrapped.lyfta_permission = perm
        # django-ninja reads the operation's parameters from the signature; with postponed
        # annotations (`from __future__ import annotations`) it would resolve them in this
        # module's globals, so give it the signature already evaluated in the view's module.
        try:
            wrapped.__signature__ = inspect.signature(func, eval_str=True)
        except NameError:  # a name defined after the view: ninja resolves it later itself
            pass
        return wrapped

    return decorator
