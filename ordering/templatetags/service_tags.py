"""`{% patient_service_orders patient %}`: the service-order section of the patient view
(work orders, pickups, fault reports, return receipts). The patient view has already written
the patient-access row."""
from django import template

from access.roles import Perm

from ..kind_selectors import patient_service_orders

register = template.Library()


@register.inclusion_tag("ordering/service/_patient_service.html", takes_context=True)
def patient_service_orders_section(context, patient):
    principal = context.get("principal") or getattr(context.get("request"), "principal", None)
    return {
        "patient": patient, "principal": principal, "request": context.get("request"),
        "svc": patient_service_orders(principal, patient.pk),
        "can_order": principal.has_perm(Perm.ORDER_CREATE) and not principal.is_supply,
    }
