"""Driving licences: a person uploads one, staff who may review licences verify or refuse it with a reason.

Renting a car (bookings) and going online as a driver (dispatch) call `ensure_verified_licence`, which
refuses with a message that says what to do next. The photo is checked like every upload (core.images)
before any transaction, kept in private storage, and shown only to its owner and to reviewers.
Each operation is one transaction; the owner hears the decision through a notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import DrivingLicence, LicenceStatus, User
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.images import normalise_image
from core.private_files import private_storage
from realtime.services import notify

REVIEW_PERMISSION = "accounts.review_drivinglicence"
LICENCE_MAX_SIDE = 2000
REASON_MAX = 500


def licence_of(user: User) -> DrivingLicence | None:
    return DrivingLicence.objects.filter(user_id=user.pk).first() if user.is_authenticated else None


def ensure_verified_licence(user: User, *, doing: str) -> None:
    """Refuse `doing` ("book a car", "go online as a driver") unless the person's licence is verified."""
    licence = licence_of(user)
    page = reverse("accounts:licence")
    if licence is None:
        raise PermissionDenied(
            f"Upload your driving licence ({page}) and wait for Sharing to verify it before you {doing}.",
            code="licence_missing",
        )
    if licence.status == LicenceStatus.PENDING:
        raise PermissionDenied(
            f"Your driving licence is being checked: you can {doing} once it is verified.", code="licence_pending"
        )
    if licence.status == LicenceStatus.REFUSED:
        raise PermissionDenied(
            f"Your driving licence was refused ({licence.refusal_reason}). Upload a new photo of it ({page}) "
            f"before you {doing}.",
            code="licence_refused",
        )


def can_review(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION))


def require_reviewer(user: User) -> None:
    if not can_review(user):
        raise PermissionDenied("Only staff who review driving licences can do this.")


def submit_licence(*, user: User, image: UploadedFile, now: datetime | None = None) -> DrivingLicence:
    """Upload (or upload again after a refusal) a photo of the licence; it waits for review."""
    now = now or timezone.now()
    try:
        content = normalise_image(image, max_side=LICENCE_MAX_SIDE)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="image", code="bad_photo") from None
    with transaction.atomic():
        licence = DrivingLicence.objects.select_for_update().filter(user_id=user.pk).first()
        if licence is not None and licence.status == LicenceStatus.VERIFIED:
            raise Conflict("Your driving licence is already verified.", code="already_verified")
        licence = licence or DrivingLicence(user=user)
        if licence.document:
            licence.document.delete(save=False)
        licence.document.save("licence.jpg", content, save=False)
        licence.status = LicenceStatus.PENDING
        licence.refusal_reason = ""
        licence.submitted_at = now
        licence.decided_by = None
        licence.decided_at = None
        licence.save()
        return licence


def _decide(staff: User, licence_id: int, status: str, reason: str, now: datetime | None) -> DrivingLicence:
    require_reviewer(staff)
    now = now or timezone.now()
    with transaction.atomic():
        licence = DrivingLicence.objects.select_for_update().select_related("user").filter(pk=licence_id).first()
        if licence is None:
            raise NotFound("No such licence.")
        if licence.status != LicenceStatus.PENDING:
            raise Conflict("This licence was already decided.", code="already_decided")
        if licence.user_id == staff.pk:
            raise PermissionDenied("Someone else reviews your own licence.", code="own_licence")
        licence.status = status
        licence.refusal_reason = reason
        licence.decided_by = staff
        licence.decided_at = now
        licence.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
        message = (
            "Your driving licence is verified: you can rent cars and drive."
            if status == LicenceStatus.VERIFIED
            else f"Your driving licence was refused: {reason}"
        )
        notify(
            [licence.user],
            "licence.decided",
            {"status": status, "message": message, "title": message, "url": reverse("accounts:licence")},
        )
        return licence


def verify_licence(*, staff: User, licence_id: int, now: datetime | None = None) -> DrivingLicence:
    return _decide(staff, licence_id, LicenceStatus.VERIFIED, "", now)


def refuse_licence(*, staff: User, licence_id: int, reason: str, now: datetime | None = None) -> DrivingLicence:
    words = " ".join((reason or "").split())
    if not words:
        raise DomainError("Say why the licence is refused: the person reads it.", field="reason")
    if len(words) > REASON_MAX:
        raise DomainError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    return _decide(staff, licence_id, LicenceStatus.REFUSED, words, now)


def visible_document(*, user: User, licence_id: int) -> DrivingLicence:
    """The licence whose photo `user` may see: their own, or any for a reviewer; NotFound otherwise."""
    licence = DrivingLicence.objects.filter(pk=licence_id).first() if 0 < licence_id < 2**63 else None
    if licence is None or not licence.document or not user.is_authenticated:
        raise NotFound("No such licence.")
    if licence.user_id == user.pk or can_review(user):
        return licence
    raise NotFound("No such licence.")


def purge_decided_photos(*, now: datetime | None = None) -> int:
    """Delete the photo of every licence decided more than LICENCE_PHOTO_RETENTION_DAYS ago; the decision stays.

    Each is cleared by a conditional UPDATE (only if it still names that file), so two runs never race;
    the file goes after the commit. Returns how many photos were deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LICENCE_PHOTO_RETENTION_DAYS)
    old = DrivingLicence.objects.filter(decided_at__lte=cutoff).exclude(document="")
    purged = 0
    for licence_id, name in old.values_list("pk", "document"):
        with transaction.atomic():
            if DrivingLicence.objects.filter(pk=licence_id, document=name).update(document=""):
                purged += 1
                transaction.on_commit(partial(private_storage.delete, name), robust=True)
    return purged
