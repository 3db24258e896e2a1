"""The fallback routine's paper forms print in the language of the page they are fetched from,
and their tick boxes are drawn (Helvetica has no "☐": it printed as a stray character)."""
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from operations.fallback_forms import FORMS
from tests.pdf_text import pdf_text


def _form(kind: str, language: str) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("operations:fallback_form_pdf", args=[kind]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    return pdf_text(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(FORMS))
def test_each_form_in_english_and_in_swedish(kind):
    english, swedish = _form(kind, "en"), _form(kind, "sv")
    assert "Lyfta fallback routine" in english and "Signature" in english and "Date and time" in english
    assert "reservrutin" not in english and "Underskrift" not in english
    assert "Lyfta reservrutin" in swedish and "Underskrift" in swedish and "Datum och klockslag" in swedish
    assert "☐" not in english + swedish and "\ufffd" not in english + swedish


@pytest.mark.django_db
def test_the_tick_box_labels_are_split_around_drawn_boxes():
    english = _form("avvikelse", "en")
    lines = {line.strip() for line in english.splitlines()}
    for word in ("Type:", "Adverse event", "Near miss", "Complaint", "Personal injury:", "Yes", "No"):
        assert word in lines  # one text run per part: a box drawn between them


@pytest.mark.django_db
def test_the_index_names_the_forms_in_the_page_language():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("operations:fallback_forms")).content.decode()
    assert "Customer order (assistive devices for a patient or a unit) (PDF)" in html
