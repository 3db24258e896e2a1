"""The one way pages answer input (core.pages): invalid input → 422 with the message next to the
field, nothing else happens; 404 for NotFound; other refusals → a message and a redirect."""
import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from core.errors import IllegalTransition, NotFound, ValidationFailed, field_error
from core.pages import apply_domain_errors, form_page, form_submit, page_action


class NoteForm(forms.Form):
    note = forms.CharField(max_length=10)
    unit = forms.CharField(required=False)


def _request(data=None):
    request = RequestFactory().post("/x/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _messages(request):
    return [str(m) for m in get_messages(request)]


def back(form):
    return HttpResponse(" | ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))


def test_invalid_form_is_422_on_the_same_page_and_runs_nothing():
    calls = []
    request = _request()
    r = page_action(request, calls.append, form=NoteForm({"note": ""}), done="/klar/", render_back=back)
    assert r.status_code == 422 and "note:" in r.content.decode() and calls == []


def test_service_field_error_goes_next_to_its_field_with_422():
    def action(cd):
        field_error("unit_id", "Enheten finns inte eller tillhör inte dig.")

    r = page_action(_request(), action, form=NoteForm({"note": "hej"}), done="/klar/", render_back=back)
    assert r.status_code == 422 and "unit: Enheten finns inte" in r.content.decode()


def test_refusal_is_a_message_and_a_redirect_success_too():
    request = _request()

    def refuse():
        raise IllegalTransition("Ordern kan inte bekräftas när den är levererad.")

    r = page_action(request, refuse, done="/order/1/", ok="Klart.")
    assert (r.status_code, r["Location"]) == (302, "/order/1/")
    assert _messages(request) == ["Ordern kan inte bekräftas när den är levererad."]
    request = _request()
    r = page_action(request, lambda: 7, done="/order/1/", ok=lambda n: f"Klart {n}.")
    assert r.status_code == 302 and _messages(request) == ["Klart 7."]


def test_not_found_is_404():
    def missing():
        raise NotFound("Ordern finns inte.")

    with pytest.raises(Http404):
        page_action(_request(), missing, done="/")
    with pytest.raises(Http404):
        form_submit(NoteForm({"note": "a"}), lambda cd: missing())


def test_form_submit_and_form_page():
    form = NoteForm({"note": "a"})
    ok, result = form_submit(form, lambda cd: cd["note"] * 2)
    assert (ok, result) == (True, "aa")
    form = NoteForm({"note": "a"})
    ok, _ = form_submit(form, lambda cd: (_ for _ in ()).throw(IllegalTransition("Nej.")))
    assert not ok and form.non_field_errors() == ["Nej."]
    request = RequestFactory().get("/")
    assert form_page(request, "base.html", {}, form=form).status_code == 422
    assert form_page(request, "base.html", {}, form=NoteForm()).status_code == 200


def test_apply_domain_errors_maps_line_fields_and_unknown_fields():
    form = NoteForm({"note": "a"})
    form.is_valid()
    apply_domain_errors(form, ValidationFailed("Fel.", errors={"lines.2.note": ["För långt."], "other": ["X"]}))
    assert form.errors["note"] == ["För långt."] and form.non_field_errors() == ["X"]
