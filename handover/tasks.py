"""Background work of car handovers: collecting an extra charge after the commit that settled the return."""

from __future__ import annotations

import logging

from django_tasks import task

from core.errors import DomainError

logger = logging.getLogger(__name__)


@task()
def collect_extra_charge_task(settlement_id: int) -> str:
    from handover.services import collect_extra_charge

    try:
        settlement = collect_extra_charge(settlement_id=settlement_id)
    except DomainError as error:
        if error.retryable:
            raise
        logger.info("settlement %s: extra charge refused (%s)", settlement_id, error.message)
        return f"refused: {error.message}"
    statuses = [str(status) for status in (settlement.charge_status, settlement.fuel_charge_status)]
    return ", ".join(status for status in statuses if status != "nothing") or "nothing"
