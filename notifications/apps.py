from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Email and push delivery"

    def ready(self) -> None:
        from anymail.signals import tracking

        from notifications.bounces import tracking_received

        # The provider's bounce and complaint events (the webhook in views.email_tracking_webhook).
        tracking.connect(tracking_received, dispatch_uid="notifications.bounces")
