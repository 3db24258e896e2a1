from django.urls import path

from . import views

app_name = "invoicing"
urlpatterns = [
    path("", views.months, name="months"),
    path("ny-manad/", views.month_open, name="month_open"),
    path("<str:month>/", views.month_detail, name="month_detail"),
    path("<str:month>/status/", views.month_status, name="month_status"),
    path("<str:month>/berakna/", views.month_compute, name="month_compute"),
    path("<str:month>/stang/", views.month_close, name="month_close"),
    path("<str:month>/kund/<int:customer_id>/", views.customer_month, name="customer_month"),
    path("<str:month>/kund/<int:customer_id>/fakturaunderlag.xlsx", views.download_xlsx, name="download_xlsx"),
    path("<str:month>/kund/<int:customer_id>/fakturaunderlag.csv", views.download_csv, name="download_csv"),
]
