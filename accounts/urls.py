from django.urls import path

from accounts import licence_pages, views

app_name = "accounts"
urlpatterns = [
    path("<int:user_id>/", views.profile, name="profile"),
    path("blocked/", views.blocks, name="blocks"),
    path("blocked/remove/", views.unblock, name="unblock"),
    path("report/", views.report, name="report"),
    path("me/licence/", licence_pages.licence, name="licence"),
    path("licences/<int:licence_id>/photo/", licence_pages.licence_document, name="licence_document"),
    path("<int:user_id>/edit/", views.edit_profile, name="profile_edit"),
]
