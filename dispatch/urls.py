from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.need, name="need"),
    path("estimate/", views.estimate, name="estimate"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/authenticated/", views.authenticated, name="authenticated"),
    path("requests/<int:request_id>/cancel/", views.cancel, name="cancel"),
    path("requests/<int:request_id>/accept/", views.accept, name="accept"),
    path("requests/<int:request_id>/pass/", views.pass_offer, name="pass"),
    path("provider/", views.provider, name="provider"),
    path("availability/<int:listing_id>/", views.availability, name="availability"),
]
