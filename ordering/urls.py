from django.urls import path

from .views import buffer, core, customer, fault, pickup, special, work

app_name = "ordering"
urlpatterns = [
    path("", customer.order_search, name="order_search"),
    path("ny/", customer.draft_new, name="draft_new"),
    path("<int:order_id>/", customer.order_detail, name="order_detail"),
    path("<int:order_id>/uppgifter/", customer.draft_update, name="draft_update"),
    path("<int:order_id>/rader/", customer.line_add, name="line_add"),
    path("<int:order_id>/rader/<int:line_id>/ta-bort/", customer.line_remove, name="line_remove"),
    path("<int:order_id>/mall/", customer.template_apply, name="template_apply"),
    path("<int:order_id>/spara-mall/", customer.template_save, name="template_save"),
    path("<int:order_id>/granska/", customer.order_review, name="order_review"),
    path("<int:order_id>/skicka/", customer.order_submit, name="order_submit"),
    path("<int:order_id>/aterkalla/", customer.order_withdraw, name="order_withdraw"),
    path("<int:order_id>/sarskilt-beslut/", special.special_request_new, name="special_request_new"),
    path("sarskilda-beslut/", special.special_queue, name="special_queue"),
    path("sarskilda-beslut/<int:order_id>/<slug:action>/", special.special_decide, name="special_decide"),
    path("leverans/<int:delivery_id>/foljesedel.pdf", customer.delivery_note, name="delivery_note"),
    path("patient/<int:patient_id>/", customer.patient_view, name="patient_view"),
    # Name used by patients.views.patient_url (patient search opens the patient view).
    path("patient/<int:patient_id>/", customer.patient_view, name="patient"),
    path("meddelanden/", customer.inbox, name="inbox"),
    path("meddelanden/<int:message_id>/last/", customer.message_read, name="message_read"),
    path("meddelanden/alla-lasta/", customer.messages_read_all, name="messages_read_all"),
    # Work orders, pickups, fault reports, return receipts.
    path("arbetsorder/", work.wo_search, name="wo_search"),
    path("arbetsorder/ny/", work.wo_new, name="wo_new"),
    path("arbetsorder/<int:order_id>/", work.wo_detail, name="wo_detail"),
    path("arbetsorder/<int:order_id>/skicka/", work.wo_submit, name="wo_submit"),
    path("arbetsorder/<int:order_id>/bilaga/", work.wo_attach, name="wo_attach"),
    path("bilaga/<int:attachment_id>/", core.attachment_download, name="attachment"),
    path("hamtorder/", pickup.pickup_search, name="pickup_search"),
    path("hamtorder/ny/", pickup.pickup_new, name="pickup_new"),
    path("hamtorder/<int:order_id>/", pickup.pickup_detail, name="pickup_detail"),
    path("avvikelser/", fault.fault_search, name="fault_search"),
    path("avvikelser/ny/", fault.fault_new, name="fault_new"),
    path("avvikelser/<int:order_id>/", fault.fault_detail, name="fault_detail"),
    path("avvikelser/<int:order_id>/etikett.pdf", fault.fault_label, name="fault_label"),
    path("patient/<int:patient_id>/service/", core.patient_service, name="patient_service"),
    path("patient/<int:patient_id>/aterlamning/", pickup.receipt_new, name="receipt_new"),
    path("kvitto/<int:receipt_id>.pdf", pickup.receipt_pdf, name="receipt_pdf"),
    # Buffer stores (the store keeper's pages).
    path("forrad/", buffer.store_list, name="store_list"),
    path("forrad/<int:store_id>/", buffer.store_detail, name="store_detail"),
    path("forrad/<int:store_id>/uttag/", buffer.withdrawal_new, name="withdrawal_new"),
    path("forrad/<int:store_id>/inventering/", buffer.store_count, name="store_count"),
    path("forrad/<int:store_id>/bestall/", buffer.buffer_order_new, name="buffer_order_new"),
]
