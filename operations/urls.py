from django.urls import path

from .views import access_requests, fallback, notices, support

app_name = "operations"
urlpatterns = [
    path("driftinformation/", notices.notice_history, name="notice_history"),
    path("driftinformation/hantera/", notices.notice_admin, name="notice_admin"),
    path("driftinformation/<int:notice_id>/avsluta/", notices.notice_end, name="notice_end"),
    path("profil/", notices.profile, name="profile"),
    path("behorighet/ansok/", access_requests.access_request_new, name="access_request_new"),
    path("behorighet/ansok/skickad/", access_requests.access_request_sent, name="access_request_sent"),
    path("behorighet/ansokningar/", access_requests.access_request_list, name="access_request_list"),
    path("behorighet/ansokningar/<int:request_id>/beslut/", access_requests.access_request_decide,
         name="access_request_decide"),
    path("behorighet/aktivera/<str:uidb64>/<str:token>/", access_requests.account_activate, name="account_activate"),
    path("support/", support.support_queue, name="support_queue"),
    path("support/nytt/", support.support_new, name="support_new"),
    path("support/mina/", support.support_mine, name="support_mine"),
    path("support/<int:case_id>/", support.support_detail, name="support_detail"),
    path("support/<int:case_id>/svara/", support.support_reply, name="support_reply"),
    path("support/<int:case_id>/avsluta/", support.support_close, name="support_close"),
    path("support/bild/<int:message_id>/", support.support_screenshot, name="support_screenshot"),
    path("reservrutin/", fallback.fallback_forms, name="fallback_forms"),
    path("reservrutin/efterregistrera/", fallback.late_entry, name="fallback_late_entry"),
    path("reservrutin/<slug:kind>.pdf", fallback.fallback_form_pdf, name="fallback_form_pdf"),
]

from .statistics import views as statistics  # noqa: E402

urlpatterns += [
    path("statistik/", statistics.supply_statistics, name="statistics"),
    path("statistik/statistik.xlsx", statistics.supply_statistics_xlsx, name="statistics_xlsx"),
    path("statistik/statistik.csv", statistics.supply_statistics_csv, name="statistics_csv"),
    path("statistik/kund/", statistics.customer_statistics, name="customer_statistics"),
    path("statistik/kund/statistik.xlsx", statistics.customer_statistics_xlsx, name="customer_statistics_xlsx"),
    path("statistik/kund/statistik.csv", statistics.customer_statistics_csv, name="customer_statistics_csv"),
    path("statistik/klimatfaktorer/", statistics.co2_factors, name="co2_factors"),
    path("statistik/klimatfaktorer/<int:factor_id>/ta-bort/", statistics.co2_factor_delete, name="co2_factor_delete"),
]
