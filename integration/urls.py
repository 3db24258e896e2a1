from django.urls import path

from . import views

app_name = "integration"
urlpatterns = [
    path("leveranser/", views.deliveries, name="deliveries"),
    path("leveranser/skicka-om/", views.deliveries_replay_since, name="deliveries_replay_since"),
    path("leveranser/<int:delivery_id>/skicka-om/", views.delivery_replay, name="delivery_replay"),
]
