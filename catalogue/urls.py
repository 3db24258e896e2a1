from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.search, name="search"),
    path("artikel/<str:article_number>/", views.article, name="article"),
    path("iso/", views.iso_browse, name="iso"),
]
