"""Background work of discovery: matching a published or cheaper listing against the saved searches."""

from __future__ import annotations

from django_tasks import task


@task()
def match_listing_task(listing_id: int, reason: str) -> str:
    from discovery.alerts import alert_matching_searches

    return f"alerted {alert_matching_searches(listing_id=listing_id, reason=reason)}"
