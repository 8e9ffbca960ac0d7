"""Pages of delivery: notification settings and one-click unsubscribe."""

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("settings/notifications/", views.settings_page, name="settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("webhooks/email/<str:provider>/tracking/", views.email_tracking_webhook, name="email_tracking_webhook"),
]
