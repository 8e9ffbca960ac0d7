from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel: errors, page refusals, API auth, images, money formatting."""

    name = "core"
    verbose_name = _("Shared kernel")
