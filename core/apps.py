from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: errors, page refusals, API auth, images, money formatting."""

    name = "core"
    verbose_name = "Shared kernel"
