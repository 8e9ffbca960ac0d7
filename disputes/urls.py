from django.urls import path

from disputes import views

app_name = "disputes"

urlpatterns = [
    path("bookings/<int:booking_id>/open/", views.open_dispute, name="open"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/evidence/", views.add_evidence, name="add_evidence"),
    path("people/<int:user_id>/suspension/", views.suspension, name="suspension"),
]
