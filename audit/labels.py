"""Readable names for the codes in audit rows (the auditor's extract shows these, not
`identity_lookup`). Unknown codes are shown as they are."""
from django.utils.translation import gettext_lazy as _

VIEW_LABELS = {
    "identity_lookup": _("Sökning på personnummer"),
    "api_identity_lookup": _("API: sökning på personnummer"),
    "patient_search": _("Patientsökning (namn)"),
    "patient_detail": _("Patientuppgifter"),
    "patient_edit": _("Ändring av patientuppgifter"),
    "patient_view": _("Hjälpmedelsbild"),
    "hjalpmedelsbild": _("Hjälpmedelsbild"),
    "patient_service_orders": _("Patientens serviceordrar"),
    "order": _("Order"),
    "order_new": _("Ny beställning"),
    "order_detail": _("Beställning"),
    "order_review": _("Granska och skicka"),
    "order_search": _("Ordersökning"),
    "order_attachment": _("Bilaga till order"),
    "work_order_new": _("Ny arbetsorder"),
    "pickup_new": _("Ny hämtorder"),
    "fault_report_new": _("Ny avvikelse"),
    "fault_label": _("Avvikelseetikett (PDF)"),
    "delivery_note": _("Följesedel (PDF)"),
    "return_receipt": _("Återlämningskvitto"),
    "return_receipt_pdf": _("Återlämningskvitto (PDF)"),
    "device_card": _("Individkort"),
    "technician_list": _("Teknikerns lista"),
    "invoicing_download": _("Fakturaunderlag (nedladdning)"),
    "start_page": _("Startsidan"),
    "inbox": _("Meddelanden"),
    "api_delivery_note": _("API: följesedel"),
    "api_device_read": _("API: individ"),
    "api_fault_label": _("API: avvikelseetikett"),
    "api_invoice_lines": _("API: fakturarader"),
    "api_patient_create": _("API: ny patient"),
    "api_patient_devices": _("API: patientens hjälpmedel"),
    "api_patient_read": _("API: patientuppgifter"),
    "api_return_receipt_pdf": _("API: återlämningskvitto"),
    "loan": _("Utlåning"),
    "loan_exchange": _("Byte av hjälpmedel"),
    "buffer_withdrawal": _("Uttag ur buffertförråd"),
    "fallback_late_entry": _("Efterregistrering (reservrutin)"),
    "overdue_returns": _("Försenade återlämningar"),
    "fhir_patient_search": _("FHIR: sökning på personnummer"),
    "fhir_device": _("FHIR: hjälpmedel"),
    "fhir_devicerequest": _("FHIR: beställningsrad"),
    "api_loan": _("API: utlåning"),
    "api_overdue_returns": _("API: försenade återlämningar"),
}


def view_label(code: str) -> str:
    return str(VIEW_LABELS.get(code, code))
