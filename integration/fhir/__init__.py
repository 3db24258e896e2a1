"""FHIR R4 facade over Lyfta's orders, patients and devices (`/fhir/R4/`, JSON only).

Reads go through the owning apps' selectors (same isolation and patient-access log as the JSON
API); `POST DeviceRequest` creates a customer order through `ordering.flows.customer`, the
service the UI and `/api/v1/orders` use. See docs/fhir.md."""
