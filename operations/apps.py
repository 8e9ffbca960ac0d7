from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the site as processes: the scheduler, worker leases, health and readiness, heartbeats."""

    name = "operations"
    verbose_name = "Operations"
