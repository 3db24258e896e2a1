from django.urls import path

from . import views

app_name = "supply"
urlpatterns = [
    path("ordrar/", views.inbox, name="inbox"),
    path("ordrar/<int:order_id>/", views.order_handle, name="order_handle"),
    path("ordrar/<int:order_id>/bekrafta/", views.order_confirm, name="order_confirm"),
    path("ordrar/<int:order_id>/forsena/", views.order_delay, name="order_delay"),
    path("ordrar/<int:order_id>/makulera/", views.order_cancel, name="order_cancel"),
    path("ordrar/<int:order_id>/skicka/", views.order_dispatch, name="order_dispatch"),
    path("ordrar/<int:order_id>/leverera/", views.order_deliver, name="order_deliver"),
]

from . import urls_service  # noqa: E402  (work orders, pickups, refurbishment, fault reports, dashboard)

urlpatterns += urls_service.urlpatterns
