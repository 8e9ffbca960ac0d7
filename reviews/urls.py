"""Review pages, mounted at /reviews/."""

from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("booking/<int:booking_id>/", views.write, name="write"),
    path("<int:review_id>/respond/", views.respond, name="respond"),
    path("<int:review_id>/report/", views.report, name="report"),
    path("reports/<int:report_id>/", views.moderate, name="moderate"),
    path("listing/<int:listing_id>/", views.listing_reviews, name="listing"),
    path("people/<int:user_id>/", views.profile_reviews, name="profile"),
]
