from django.urls import path

from . import views_service as v

urlpatterns = [
    path("arbetsorder/", v.wo_search, name="wo_search"),
    path("arbetsorder/ny/", v.wo_new, name="wo_new"),
    path("arbetsorder/<int:order_id>/", v.wo_detail, name="wo_detail"),
    path("arbetsorder/<int:order_id>/skicka/", v.wo_submit, name="wo_submit"),
    path("arbetsorder/<int:order_id>/bilaga/", v.wo_attach, name="wo_attach"),
    path("bilaga/<int:attachment_id>/", v.attachment_download, name="attachment"),
    path("hamtorder/", v.pickup_search, name="pickup_search"),
    path("hamtorder/ny/", v.pickup_new, name="pickup_new"),
    path("hamtorder/<int:order_id>/", v.pickup_detail, name="pickup_detail"),
    path("avvikelser/", v.fault_search, name="fault_search"),
    path("avvikelser/ny/", v.fault_new, name="fault_new"),
    path("avvikelser/<int:order_id>/", v.fault_detail, name="fault_detail"),
    path("avvikelser/<int:order_id>/etikett.pdf", v.fault_label, name="fault_label"),
    path("patient/<int:patient_id>/service/", v.patient_service, name="patient_service"),
    path("patient/<int:patient_id>/aterlamning/", v.receipt_new, name="receipt_new"),
    path("kvitto/<int:receipt_id>.pdf", v.receipt_pdf, name="receipt_pdf"),
]
