from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("<int:user_id>/", views.profile, name="profile"),
    path("blocked/", views.blocks, name="blocks"),
    path("blocked/remove/", views.unblock, name="unblock"),
    path("report/", views.report, name="report"),
    path("<int:user_id>/edit/", views.edit_profile, name="profile_edit"),
]
