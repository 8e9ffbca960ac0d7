"""Promotion pages, mounted at /promotions/."""

from django.urls import path

from promotions import views

app_name = "promotions"

urlpatterns = [
    path("codes/", views.host_codes, name="host_codes"),
    path("codes/<int:code_id>/deactivate/", views.deactivate, name="deactivate"),
    path("invite/", views.invite, name="invite"),
    path("invite/<str:code>/", views.invitation, name="invitation"),
]
