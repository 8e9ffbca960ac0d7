from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Scaffolding for the demo and the tests: the Stripe harness and demo data."""

    name = "devtools"
    verbose_name = "Development tools"
