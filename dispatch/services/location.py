"""Live positions while the provider is on the way: each party of an assigned job sees where the other is.

Only the requester and the assigned provider may share, and only while the booking is
confirmed and not started: once the job starts or is cancelled, sharing stops. Nothing is
stored: a position goes straight to the other party's open dispatch pages.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import BookingStatus
from core.errors import Conflict, NotFound
from dispatch.inputs import Position
from dispatch.models import DispatchRequest, RequestState
from dispatch.services.common import tell_now


def share_location(*, sender: User, request_id: int, position: Position) -> int:
    """Send the sender's position to the other party of an assigned job; returns who received it."""
    request = DispatchRequest.objects.select_related("booking").filter(pk=request_id).first()
    if request is None or sender.pk not in (request.requester_id, request.assigned_provider_id):
        raise NotFound(gettext_noop("No such request."))
    booking, provider_id = request.booking, request.assigned_provider_id
    if (
        request.state != RequestState.ASSIGNED
        or booking is None
        or provider_id is None
        or booking.status != BookingStatus.CONFIRMED
    ):
        raise Conflict(
            gettext_noop("Location sharing has stopped: the job started or was cancelled."), code="sharing_stopped"
        )
    is_requester = sender.pk == request.requester_id
    other = provider_id if is_requester else request.requester_id
    tell_now(
        other,
        {
            "type": "location",
            "request": request.pk,
            "from": "requester" if is_requester else "provider",
            "lat": position.latitude,
            "lng": position.longitude,
            "at": timezone.now().isoformat(),
        },
    )
    return other
