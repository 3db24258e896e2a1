"""The one way pages answer input (DESIGN.md §3; every form page in every context uses it).

- Invalid input — the form's own checks or a service's `ValidationFailed` — is shown next to the
  field it concerns (an error the form has no field for goes on top of the form) and answered
  with **422**, re-rendering the page the form was on; nothing was written (services are atomic).
- `NotFound` is a 404 page (other customers' data does not exist for you).
- Any other domain error (an illegal move, a conflict such as "already confirmed") is a message
  at the top of the page the action returns to, after a redirect.
- Success: an optional message and a redirect (POST → redirect → GET).

`form_submit` runs a service for a form on its own page (create pages); `page_action` runs a
service from a button or a small form on another page (detail and handling pages); `form_page`
renders a form page with 200, or 422 when the form carries errors. `script_action` is the same
for a page's own script (a drag and drop that posts with fetch): JSON, the message and the
error's status instead of a redirect."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from .errors import DomainError, NotFound, ValidationFailed

INVALID = 422

# Service field names that the forms call otherwise (service → form).
FIELD_NAMES = {"delivery_point_id": "delivery_point", "unit_id": "unit"}


def apply_domain_errors(form: forms.Form, exc: ValidationFailed, *, rename: dict[str, str] | None = None) -> None:
    """Put a ValidationFailed's field errors on the form, each next to its field (`lines.3.quantity`
    → `quantity`; unknown fields → the form's top); none at all → the message on top."""
    names = {**FIELD_NAMES, **(rename or {})}
    placed = False
    for key, msgs in (exc.errors or {}).items():
        name = key.split(".")[-1] if key.startswith(("lines.", "parts.")) else key
        name = names.get(key, names.get(name, name))
        for m in msgs if isinstance(msgs, (list, tuple)) else [msgs]:
            form.add_error(name if name in form.fields else None, str(m))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def form_submit(form: forms.Form, action: Callable[[dict], Any], *, rename: dict[str, str] | None = None):
    """Run `action(cleaned_data)` when the form is valid. → (True, result), or (False, None) with
    the errors on the form. NotFound → 404; any other domain error goes on top of the form."""
    if not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except ValidationFailed as exc:
        apply_domain_errors(form, exc, rename=rename)
    except DomainError as exc:
        form.add_error(None, exc.message)
    return False, None


def form_page(request: HttpRequest, template: str, context: dict, *, form: forms.Form | None = None) -> HttpResponse:
    """Render a form page: 422 when the (bound) form carries errors, else 200."""
    invalid = form is not None and form.is_bound and bool(form.errors)
    return render(request, template, context, status=INVALID if invalid else 200)


def page_action(request: HttpRequest, action: Callable[..., Any], *, done: str,
                form: forms.Form | None = None, render_back: Callable[[forms.Form], HttpResponse] | None = None,
                ok: str | Callable[[Any], str] = "", rename: dict[str, str] | None = None) -> HttpResponse:
    """Run a service from a page. With a `form`, `action(cleaned_data)`; without, `action()`.
    Invalid input re-renders `render_back(form)` with 422 (without `render_back` it becomes a
    message on the `done` page). Other domain errors: message + redirect to the URL `done`.
    Success: the `ok` message (text, or made from the result) + redirect to `done`."""
    try:
        if form is not None:
            if not form.is_valid():
                if render_back is None:
                    flash.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
                    return redirect(done)
                return _invalid(render_back(form))
            result = action(form.cleaned_data)
        else:
            result = action()
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except ValidationFailed as exc:
        if form is not None and render_back is not None:
            apply_domain_errors(form, exc, rename=rename)
            return _invalid(render_back(form))
        flash.error(request, exc.message)
        return redirect(done)
    except DomainError as exc:
        flash.error(request, exc.message)
        return redirect(done)
    message = ok(result) if callable(ok) else ok
    if message:
        flash.success(request, message)
    return redirect(done)


def _invalid(response: HttpResponse) -> HttpResponse:
    response.status_code = INVALID
    return response


def script_action(action: Callable[[], Any], answer: Callable[[Any], dict]) -> JsonResponse:
    """Run a service for a page's script. Success: `answer(result)` as JSON (200). NotFound → 404;
    any other domain error → `{"message": …}` with its status (422, 409, …); nothing was written."""
    try:
        result = action()
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        return JsonResponse({"message": exc.message}, status=exc.status)
    return JsonResponse(answer(result))
