from django.urls import path

from handover import views

app_name = "handover"

urlpatterns = [
    path("bookings/<int:booking_id>/", views.detail, name="detail"),
    path("bookings/<int:booking_id>/card/", views.keep_card, name="keep_card"),
    path("bookings/<int:booking_id>/claim/", views.claim, name="claim"),
    path("deposits/<int:deposit_id>/decision/", views.decide_claim, name="decide_claim"),
    path("bookings/<int:booking_id>/refund/", views.refund_charge, name="refund_charge"),
    path("bookings/<int:booking_id>/<str:stage>/", views.file_report, name="file_report"),
    path("reports/<int:report_id>/confirm/", views.confirm_report, name="confirm"),
    path("reports/<int:report_id>/contest/", views.contest_report, name="contest"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
]
