"""The worker's part of "download my data"."""

from __future__ import annotations

from django_tasks import task

from personaldata import services


@task()
def build_export_task(export_id: int) -> str:
    export = services.build_export(export_id=export_id)
    return "built" if export is not None else "nothing to do"
