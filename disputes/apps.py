from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_support_group(sender, using="default", **kwargs) -> None:
    from django.apps import apps

    from disputes.roles import ensure_support_group

    ensure_support_group(apps)


class DisputesConfig(AppConfig):
    name = "disputes"
    label = "disputes"
    verbose_name = _("Disputes and the admin's desk")

    def ready(self) -> None:
        # After auth has created this app's permissions (its receiver was connected first).
        post_migrate.connect(_ensure_support_group, sender=self, dispatch_uid="disputes_support_group")
