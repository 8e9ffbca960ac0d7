"""A party's new grievance about a booking that may already be disputed: it joins the open dispute.

A booking has at most one open dispute (a database constraint), and support settles everything
about it there. So a grievance that arrives while one is open (a contested car return, a claim on
the deposit) joins it instead of being refused: the dispute goes back to the desk's turn if it was
waiting for evidence, and the grievance itself is kept by whoever brought it (the handover answer,
the deposit claim), which the desk shows next to the dispute. With no open dispute, one opens
exactly as `services.open_dispute` opens it (its window and booking states apply).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotFound
from disputes.models import Dispute, DisputeStatus
from disputes.services import _is_party, _lock_booking, open_dispute


@dataclass(frozen=True)
class Joined:
    dispute: Dispute
    opened: bool  # True when this grievance opened the dispute, False when it joined an open one


def join_open_dispute(
    *, user: User, booking_id: int, category: str, description: str, now: datetime | None = None
) -> Joined:
    """The booking's open dispute for the guest's or host's new grievance, opening one when none is open."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        if not _is_party(booking, user):
            raise NotFound(gettext_noop("No such booking."))
        current = booking.disputes.select_for_update().exclude(status=DisputeStatus.RESOLVED).first()
        if current is None:
            dispute = open_dispute(
                user=user, booking_id=booking.pk, category=category, description=description, now=now
            )
            return Joined(dispute=dispute, opened=True)
        if current.status == DisputeStatus.AWAITING_EVIDENCE:
            # Something new from a party: it is the desk's turn again, as when evidence arrives.
            current.status = DisputeStatus.OPEN
            current.save(update_fields=["status"])
        return Joined(dispute=current, opened=False)
