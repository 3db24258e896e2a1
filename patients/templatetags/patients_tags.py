"""`{% load patients_tags %}{% patient_header patient %}` renders the patient header partial
with the address the current principal may see (protected identity respected)."""
from django import template

from patients.selectors import delivery_address, registered_address

register = template.Library()


@register.inclusion_tag("patients/_patient_header.html", takes_context=True)
def patient_header(context, patient, heading_level=1):
    principal = context.get("principal") or getattr(context.get("request"), "principal", None)
    return {
        "patient": patient,
        "patient_address": delivery_address(patient, principal),
        "patient_registered_address": registered_address(patient, principal),
        "heading_tag": f"h{int(heading_level)}",
        "principal": principal,
    }
