from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("logga-in/", views.login_view, name="login"),
    path("tvafaktor/", views.enrol_view, name="enrol"),
    path("logga-ut/", views.logout_view, name="logout"),
    path("siths/", views.siths_login, name="oidc_login"),
    path("siths/svar/", views.siths_callback, name="oidc_callback"),
    path("behorigheter/", views.role_admin, name="role_admin"),
    path("behorigheter/kompetenser/", views.competence_admin, name="competence_admin"),
]
