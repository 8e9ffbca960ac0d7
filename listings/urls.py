"""Pages of the listings app, mounted at /listings/."""

from django.urls import path

from listings import views
from listings.models import ListingStatus

app_name = "listings"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.choose_kind, name="choose_kind"),
    path("geocode/", views.geocode, name="geocode"),
    path("new/<str:kind>/", views.create, name="create"),
    path("<int:listing_id>/", views.detail, name="detail"),
    path("<int:listing_id>/edit/", views.edit, name="edit"),
    path("<int:listing_id>/ask/", views.ask_host, name="ask"),
    path("<int:listing_id>/report/", views.report, name="report"),
    path("<int:listing_id>/photos/", views.photos, name="photos"),
    path("<int:listing_id>/pause/", views.change_status, {"status": ListingStatus.PAUSED}, name="pause"),
    path("<int:listing_id>/resume/", views.change_status, {"status": ListingStatus.ACTIVE}, name="resume"),
    path("<int:listing_id>/delete/", views.change_status, {"status": ListingStatus.DELETED}, name="delete"),
    path("<int:listing_id>/calendar/", views.calendar, name="calendar"),
    path("<int:listing_id>/calendar/<int:period_id>/unblock/", views.unblock, name="unblock"),
]
