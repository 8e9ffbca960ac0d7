from django.urls import path

from accounts import verification_pages, views
from accounts.models import VerificationKind

app_name = "accounts"
urlpatterns = [
    path("<int:user_id>/", views.profile, name="profile"),
    path("blocked/", views.blocks, name="blocks"),
    path("blocked/remove/", views.unblock, name="unblock"),
    path("report/", views.report, name="report"),
    path("me/licence/", verification_pages.verification, {"kind": VerificationKind.LICENCE}, name="licence"),
    path("me/identity/", verification_pages.verification, {"kind": VerificationKind.IDENTITY}, name="identity"),
    path(
        "verifications/<int:verification_id>/<str:part>/",
        verification_pages.verification_photo,
        name="verification_photo",
    ),
    path("language/", views.set_language, name="set_language"),
    path("<int:user_id>/edit/", views.edit_profile, name="profile_edit"),
]
