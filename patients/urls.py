from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.search, name="search"),
    path("ny/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/andra/", views.edit, name="edit"),
    path("vardrelation/", views.care_relationship, name="care_relationship"),
    path("vardrelationer/granskning/", views.care_relationship_audit, name="care_relationship_audit"),
]
