"""Booking pages, mounted at /bookings/."""

from django.urls import path

from bookings import change_views, views

app_name = "bookings"

urlpatterns = [
    path("book/<int:listing_id>/", views.book, name="book"),
    path("book/<int:listing_id>/quote/", views.quote, name="quote"),
    path("checkout/<uuid:checkout_uid>/complete/", views.checkout_complete, name="checkout_complete"),
    path("trips/", views.trips, name="trips"),
    path("reservations/", views.reservations, name="reservations"),
    path("calendar/", views.calendar, name="calendar"),
    path("<int:booking_id>/", views.detail, name="detail"),
    path("<int:booking_id>/accept/", views.accept, name="accept"),
    path("<int:booking_id>/decline/", views.decline, name="decline"),
    path("<int:booking_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("<int:booking_id>/pay/", views.pay, name="pay"),
    path("<int:booking_id>/pay/complete/", views.pay_complete, name="pay_complete"),
    path("<int:booking_id>/change/", change_views.change, name="change"),
    path("<int:booking_id>/change/accept/", change_views.change_accept, name="change_accept"),
    path("<int:booking_id>/change/decline/", change_views.change_decline, name="change_decline"),
    path("<int:booking_id>/change/withdraw/", change_views.change_withdraw, name="change_withdraw"),
]
