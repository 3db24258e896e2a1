"""Lyfta objects → FHIR R4 resources (plain dicts in FHIR JSON)."""
from __future__ import annotations

OID_PERSONNUMMER = "urn:oid:1.2.752.129.2.1.3.1"
OID_SAMORDNINGSNUMMER = "urn:oid:1.2.752.129.2.1.3.3"
# Reservnummer has no national OID; Lyfta's own numbers are qualified by this system URI.
SYSTEM_RESERVNUMMER = "urn:lyfta:reservnummer"
OID_HSA = "urn:oid:1.2.752.29.4.19"
SYSTEM_ORG_NUMBER = "urn:oid:2.5.4.97"
SYSTEM_ARTICLE = "urn:lyfta:article"
SYSTEM_ORDER_NUMBER = "urn:lyfta:order-number"
SYSTEM_SERIAL = "urn:lyfta:serial"
# meta.tag on an order's resources when it was entered afterwards from a paper order.
FALLBACK_TAG = {"system": "urn:lyfta:order-flag", "code": "fallback", "display": "Reservrutin"}


def _flag_fallback(res: dict, order) -> dict:
    if getattr(order, "is_fallback", False):
        res["meta"] = {**res.get("meta", {}), "tag": [FALLBACK_TAG]}
    return res

IDENTITY_SYSTEMS = {
    "personnummer": OID_PERSONNUMMER,
    "samordningsnummer": OID_SAMORDNINGSNUMMER,
    "reservnummer": SYSTEM_RESERVNUMMER,
}

# Lyfta order status → FHIR Task.status / DeviceRequest.status / ServiceRequest.status.
TASK_STATUS = {
    "draft": "draft", "submitted": "requested", "confirmed": "accepted", "dispatched": "in-progress",
    "delivered": "completed", "cancelled": "cancelled", "withdrawn": "cancelled", "accepted": "accepted",
    "in_progress": "in-progress", "completed": "completed", "planned": "accepted", "picked_up": "in-progress",
    "received": "completed", "registered": "requested", "investigating": "in-progress", "answered": "completed",
    "closed": "completed",
}
REQUEST_STATUS = {
    "draft": "draft", "submitted": "active", "confirmed": "active", "dispatched": "active", "accepted": "active",
    "in_progress": "active", "delivered": "completed", "completed": "completed", "cancelled": "revoked",
    "withdrawn": "revoked",
}
DEVICE_STATUS = {"in_stock": "active", "on_loan": "active", "scrapped": "inactive", "missing": "inactive"}


def ref(kind: str, pk) -> dict:
    return {"reference": f"{kind}/{pk}"}


def patient(p) -> dict:
    res = {
        "resourceType": "Patient", "id": str(p.pk),
        "identifier": [{"system": IDENTITY_SYSTEMS.get(p.identity_kind, SYSTEM_RESERVNUMMER),
                        "value": p.identity_number}],
        "name": [{"family": p.last_name, "given": [p.first_name]}],
        "managingOrganization": ref("Organization", f"org-{p.customer_id}"),
    }
    if p.phone and not p.protected_identity:
        res["telecom"] = [{"system": "phone", "value": p.phone}]
    if p.registered_street and not p.protected_identity:
        res["address"] = [{"use": "home", "line": [p.registered_street], "postalCode": p.registered_postal_code,
                           "city": p.registered_city, "country": "SE"}]
    return res


def organisation(o) -> dict:
    res = {"resourceType": "Organization", "id": f"org-{o.pk}", "active": o.is_active, "name": o.name,
           "type": [{"coding": [{"system": "urn:lyfta:organisation-kind", "code": o.kind}]}]}
    if o.org_number:
        res["identifier"] = [{"system": SYSTEM_ORG_NUMBER, "value": o.org_number}]
    return res


def unit(u) -> dict:
    res = {"resourceType": "Organization", "id": f"unit-{u.pk}", "name": u.name,
           "identifier": [{"system": OID_HSA, "value": u.hsa_id}],
           "partOf": ref("Organization", f"unit-{u.parent_id}" if u.parent_id else f"org-{u.organisation_id}")}
    return res


def device(d, holder_id=None) -> dict:
    res = {
        "resourceType": "Device", "id": str(d.pk), "serialNumber": d.serial,
        "identifier": [{"system": SYSTEM_SERIAL, "value": d.serial}],
        "status": DEVICE_STATUS.get(d.status, "active"),
        "statusReason": [{"coding": [{"system": "urn:lyfta:device-status", "code": d.status}]}],
        "deviceName": [{"name": d.article.name, "type": "user-friendly-name"}],
        "type": {"coding": [{"system": SYSTEM_ARTICLE, "code": d.article.article_number,
                             "display": d.article.name}]},
    }
    if holder_id:
        res["patient"] = ref("Patient", holder_id)
    return res


def device_request(line, order) -> dict:
    res = {
        "resourceType": "DeviceRequest", "id": str(line.pk),
        "identifier": [{"system": SYSTEM_ORDER_NUMBER, "value": f"{order.number}-{line.line_no}"}],
        "groupIdentifier": {"system": SYSTEM_ORDER_NUMBER, "value": order.number},
        "status": REQUEST_STATUS.get(order.status, "unknown"), "intent": "order",
        "priority": "urgent" if order.priority == "urgent" else "routine",
        "codeCodeableConcept": {"coding": [{"system": SYSTEM_ARTICLE, "code": line.article.article_number,
                                            "display": line.article.name}]},
        "parameter": [{"code": {"text": "quantity"}, "valueQuantity": {"value": line.quantity}}],
        "subject": ref("Patient", order.patient_id) if order.patient_id else
        ref("Organization", f"unit-{order.unit_id}" if order.unit_id else f"org-{order.customer_id}"),
        "authoredOn": order.created_at.isoformat(),
    }
    if order.unit_id:
        res["performer"] = ref("Organization", f"unit-{order.unit_id}")
    if order.orderer_id and order.orderer and order.orderer.hsa_id:
        res["requester"] = {"identifier": {"system": OID_HSA, "value": order.orderer.hsa_id},
                            "display": order.orderer.get_full_name() or order.orderer.username}
    if order.note:
        res["note"] = [{"text": order.note}]
    return _flag_fallback(res, order)


def service_request(order) -> dict:
    res = {
        "resourceType": "ServiceRequest", "id": str(order.pk),
        "identifier": [{"system": SYSTEM_ORDER_NUMBER, "value": order.number}],
        "status": REQUEST_STATUS.get(order.status, "unknown"), "intent": "order",
        "code": {"coding": [{"system": "urn:lyfta:work-order-kind", "code": order.kind or "work"}]},
        "subject": ref("Patient", order.patient_id) if order.patient_id else ref("Organization",
                                                                                  f"org-{order.customer_id}"),
        "authoredOn": order.created_at.isoformat(),
        "priority": "urgent" if order.priority == "urgent" else "routine",
    }
    if order.note:
        res["note"] = [{"text": order.note}]
    return res


def task(order, supply_org_id=None, line_ids=()) -> dict:
    res = {
        "resourceType": "Task", "id": str(order.pk),
        "identifier": [{"system": SYSTEM_ORDER_NUMBER, "value": order.number}],
        "status": TASK_STATUS.get(order.status, "requested"), "intent": "order",
        "businessStatus": {"coding": [{"system": "urn:lyfta:order-status", "code": order.status}]},
        "authoredOn": order.created_at.isoformat(), "lastModified": order.updated_at.isoformat(),
        "requester": ref("Organization", f"org-{order.customer_id}"),
    }
    if order.order_type == "work":
        res["focus"] = ref("ServiceRequest", order.pk)
    elif line_ids:
        res["focus"] = ref("DeviceRequest", line_ids[0])
        res["basedOn"] = [ref("DeviceRequest", i) for i in line_ids]
    if order.patient_id:
        res["for"] = ref("Patient", order.patient_id)
    # Owner: the supply centre handles every order once it is submitted; a draft is the customer's.
    if order.status == "draft" or not supply_org_id:
        res["owner"] = ref("Organization", f"org-{order.customer_id}")
    else:
        res["owner"] = ref("Organization", f"org-{supply_org_id}")
    return _flag_fallback(res, order)


# --------------------------------------------------------------------------- supply

SYSTEM_ORDER_KIND = "urn:lyfta:order-kind"
SYSTEM_BUFFER_STORE = "urn:lyfta:buffer-store"
SYSTEM_DELIVERY = "urn:lyfta:delivery"
SUPPLY_ITEM_TYPE = "http://terminology.hl7.org/CodeSystem/supply-item-type"
# Customer-order kinds that are buffer-store orders (to a store, not to a patient): SupplyRequest.
BUFFER_KINDS = ("replenishment", "buffer_manual")
# Lyfta order status → SupplyRequest.status (draft | active | suspended | cancelled | completed | …).
SUPPLY_REQUEST_STATUS = {
    "draft": "draft", "submitted": "active", "confirmed": "active", "dispatched": "active",
    "delivered": "completed", "cancelled": "cancelled", "withdrawn": "cancelled",
}


def _kind_label(kind: str) -> str:
    from ordering.models import CustomerOrderKind

    return str(CustomerOrderKind(kind).label) if kind in CustomerOrderKind.values else kind


def _store_ref(order) -> dict:
    store = order.buffer_store
    res = {"display": f"{store.name} ({store.code})",
           "identifier": {"system": SYSTEM_BUFFER_STORE, "value": store.code}}
    if store.unit_id:
        res["reference"] = f"Organization/unit-{store.unit_id}"
    return res


def _orderer_ref(order) -> dict | None:
    if order.orderer_id and order.orderer and order.orderer.hsa_id:
        return {"identifier": {"system": OID_HSA, "value": order.orderer.hsa_id},
                "display": order.orderer.get_full_name() or order.orderer.username}
    return None


def supply_request(line, order, supply_org_id=None) -> dict:
    """One line of a buffer-store order (automatic replenishment or a manual store order)."""
    res = {
        "resourceType": "SupplyRequest", "id": str(line.pk),
        "identifier": [{"system": SYSTEM_ORDER_NUMBER, "value": f"{order.number}-{line.line_no}"}],
        "status": SUPPLY_REQUEST_STATUS.get(order.status, "unknown"),
        "category": {"coding": [{"system": SYSTEM_ORDER_KIND, "code": order.kind,
                                 "display": _kind_label(order.kind)}]},
        "priority": "urgent" if order.priority == "urgent" else "routine",
        "itemCodeableConcept": {"coding": [{"system": SYSTEM_ARTICLE, "code": line.article.article_number,
                                            "display": line.article.name}]},
        "quantity": {"value": line.quantity},
        "authoredOn": order.created_at.isoformat(),
    }
    if order.promised_date:
        res["occurrenceDateTime"] = order.promised_date.isoformat()
    requester = _orderer_ref(order)
    if requester:
        res["requester"] = requester
    if supply_org_id:
        res["supplier"] = [ref("Organization", f"org-{supply_org_id}")]
    if order.buffer_store_id:
        res["deliverTo"] = _store_ref(order)
    elif order.unit_id:
        res["deliverTo"] = ref("Organization", f"unit-{order.unit_id}")
    if order.replenishes_rule_id:
        res["reasonCode"] = [{"text": "Under säkerhetsnivån (påfyllnadsregel)"}]
    return _flag_fallback(res, order)


def supply_delivery(dline, supply_org_id=None) -> dict:
    """One line of a delivery (goods handed over and signed for): to a patient (it started the
    loan of a device), to a unit, or into a buffer store."""
    delivery, line = dline.delivery, dline.order_line
    order = delivery.order
    res = {
        "resourceType": "SupplyDelivery", "id": str(dline.pk),
        "identifier": [{"system": SYSTEM_ORDER_NUMBER, "value": f"{order.number}-{line.line_no}"},
                       {"system": SYSTEM_DELIVERY, "value": str(delivery.pk)}],
        "status": "completed",
        "type": {"coding": [{"system": SUPPLY_ITEM_TYPE, "code": "device", "display": "Device"}]},
        "occurrenceDateTime": delivery.delivered_on.isoformat(),
        "receiver": [{"display": delivery.receiver_name}],
    }
    item = {"quantity": {"value": dline.quantity}}
    if dline.device_id:
        item["itemReference"] = {"reference": f"Device/{dline.device_id}", "display": line.article.name}
    else:
        item["itemCodeableConcept"] = {"coding": [{"system": SYSTEM_ARTICLE, "code": line.article.article_number,
                                                   "display": line.article.name}]}
    res["suppliedItem"] = item
    if order.kind in BUFFER_KINDS:
        res["basedOn"] = [ref("SupplyRequest", line.pk)]
    if order.patient_id:
        res["patient"] = ref("Patient", order.patient_id)
    if supply_org_id:
        res["supplier"] = ref("Organization", f"org-{supply_org_id}")
    if order.buffer_store_id:
        res["destination"] = {"display": f"{order.buffer_store.name} ({order.buffer_store.code})",
                              "identifier": {"system": SYSTEM_BUFFER_STORE, "value": order.buffer_store.code}}
    else:
        res["destination"] = {"display": str(delivery.get_place_display())}
    return _flag_fallback(res, order)
