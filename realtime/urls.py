"""Pages of the realtime app: notifications and conversations."""

from django.urls import path

from realtime import views

app_name = "realtime"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.mark_all_read, name="mark_all_read"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:thread_id>/", views.thread, name="thread"),
]
