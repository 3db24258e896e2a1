from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.search, name="search"),
    path("artikel/<str:article_number>/", views.article, name="article"),
    path("iso/", views.iso_browse, name="iso"),
    path("variant/", views.variant_pick, name="variant"),
    path("bild/<int:media_id>/<str:size>/", views.picture, name="picture"),
]
