from django.urls import path

from . import views

app_name = "stock"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("individ/<str:serial>/", views.device_card, name="device"),
    path("artikel/<str:article_number>/", views.article_stock, name="article"),
    path("forrad/", views.buffer_stores, name="buffer_stores"),
    path("forrad/<int:store_id>/regler/", views.buffer_store_rules, name="buffer_store_rules"),
]
