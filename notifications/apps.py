from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Email and push delivery")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed, password_reset
        from anymail.signals import tracking

        from notifications.account_mail import on_email_confirmed, on_password_reset
        from notifications.bounces import tracking_received

        # The provider's bounce and complaint events (the webhook in views.email_tracking_webhook).
        tracking.connect(tracking_received, dispatch_uid="notifications.bounces")
        # A link mailed to an undeliverable address was followed: it works again (notifications.account_mail).
        email_confirmed.connect(on_email_confirmed, dispatch_uid="notifications.email_confirmed")
        password_reset.connect(on_password_reset, dispatch_uid="notifications.password_reset")
