"""Background tasks of delivery: plan (and send at once) the deliveries of committed notifications; send one later."""

from __future__ import annotations

from django_tasks import task


@task()
def plan_deliveries_task(notification_ids: list[int]) -> int:
    from notifications.services import plan_and_send

    return len(plan_and_send(notification_ids=notification_ids))


@task()
def send_email_task(delivery_id: int) -> str:
    from notifications.services import send_email

    return str(send_email(delivery_id=delivery_id))


@task()
def send_push_task(delivery_id: int) -> str:
    from notifications.services import send_push_delivery

    return str(send_push_delivery(delivery_id=delivery_id))
