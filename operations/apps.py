from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the site as processes: the scheduler, worker leases, health and readiness, logs and metrics."""

    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django_tasks.signals import task_enqueued, task_finished, task_started

        from operations import taskorigin

        task_enqueued.connect(taskorigin.on_task_enqueued, dispatch_uid="operations.task_enqueued")
        task_started.connect(taskorigin.on_task_started, dispatch_uid="operations.task_started")
        task_finished.connect(taskorigin.on_task_finished, dispatch_uid="operations.task_finished")
