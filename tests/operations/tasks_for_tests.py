"""A task that remembers the request id its worker ran it under (for the request-id tests)."""

from django_tasks import task

from operations.logs import request_id_var

seen: list[str] = []


@task()
def remember_request_id() -> None:
    seen.append(request_id_var.get())
