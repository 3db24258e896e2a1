from django.urls import path

from . import views

app_name = "ordering"
urlpatterns = [
    path("", views.order_search, name="order_search"),
    path("ny/", views.draft_new, name="draft_new"),
    path("<int:order_id>/", views.order_detail, name="order_detail"),
    path("<int:order_id>/uppgifter/", views.draft_update, name="draft_update"),
    path("<int:order_id>/rader/", views.line_add, name="line_add"),
    path("<int:order_id>/rader/<int:line_id>/ta-bort/", views.line_remove, name="line_remove"),
    path("<int:order_id>/mall/", views.template_apply, name="template_apply"),
    path("<int:order_id>/spara-mall/", views.template_save, name="template_save"),
    path("<int:order_id>/skicka/", views.order_submit, name="order_submit"),
    path("<int:order_id>/aterkalla/", views.order_withdraw, name="order_withdraw"),
    path("leverans/<int:delivery_id>/foljesedel.pdf", views.delivery_note, name="delivery_note"),
    path("patient/<int:patient_id>/", views.patient_view, name="patient_view"),
    # Name used by patients.views.patient_url (patient search opens the patient view).
    path("patient/<int:patient_id>/", views.patient_view, name="patient"),
    path("meddelanden/", views.inbox, name="inbox"),
    path("meddelanden/<int:message_id>/last/", views.message_read, name="message_read"),
    path("meddelanden/alla-lasta/", views.messages_read_all, name="messages_read_all"),
]

from . import urls_service  # noqa: E402  (work orders, pickups, fault reports, return receipts)

urlpatterns += urls_service.urlpatterns
