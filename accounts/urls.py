from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("<int:user_id>/", views.profile, name="profile"),
    path("<int:user_id>/edit/", views.edit_profile, name="profile_edit"),
]
