"""Verified people: a person sends a driving licence or an identity document with a selfie; reviewers decide.

One set of rules for every kind of document (accounts.models.VerificationKind):
- the photos are checked like every upload (core.images) before any transaction, kept in private storage,
  and shown to staff with the "review verifications" permission only, never to anyone else (the sender
  included: a stolen session must not yield someone's papers), each look recorded as a DocumentView;
- a reviewer verifies, or refuses with a reason the person reads; the decision is made once;
- the photos are deleted VERIFICATION_DOCUMENT_RETENTION_DAYS after the decision, which stays on record.
Renting a car and driving call `ensure_verified_licence` (with the car's minimum age); a host who asks for
verified guests, `ensure_verified_person`. Both refuse with a message that says what to do next.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from accounts.models import DocumentPart, DocumentView, User, Verification, VerificationKind, VerificationStatus
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.images import normalise_image
from core.private_files import private_storage
from realtime.services import notify
from realtime.wording import english, words

REVIEW_PERMISSION = "accounts.review_verification"
PHOTO_MAX_SIDE = 2000
REASON_MAX = 500
# A date of birth outside these bounds is a typo (Sharing is for adults; nobody is 120).
YOUNGEST_AGE, OLDEST_AGE = 16, 120
PAGE: dict[str, str] = {VerificationKind.LICENCE: "accounts:licence", VerificationKind.IDENTITY: "accounts:identity"}


def name_of(kind: str) -> str:
    # English, as the refusals it goes into are still English sentences.
    with translation.override(None):
        return str(VerificationKind(kind).label).lower()


def verification_of(user: User, kind: str) -> Verification | None:
    if not user.is_authenticated:
        return None
    return Verification.objects.filter(user_id=user.pk, kind=kind).first()


def verified_kinds(user: User) -> list[str]:
    """The kinds of document Sharing verified for this person, for the badges on their profile."""
    found = Verification.objects.filter(user_id=user.pk, status=VerificationStatus.VERIFIED)
    return sorted(found.values_list("kind", flat=True))


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


_MISSING = {
    VerificationKind.LICENCE: gettext_noop(
        "Upload your driving licence (%(page)s) and wait for Sharing to verify it before you %(doing)s."
    ),
    VerificationKind.IDENTITY: gettext_noop(
        "Upload your identity document and a selfie (%(page)s) and wait for Sharing to verify it before you %(doing)s."
    ),
}
_PENDING = {
    VerificationKind.LICENCE: gettext_noop(
        "Your driving licence is being checked: you can %(doing)s once it is verified."
    ),
    VerificationKind.IDENTITY: gettext_noop(
        "Your identity document is being checked: you can %(doing)s once it is verified."
    ),
}
_REFUSED = {
    VerificationKind.LICENCE: gettext_noop(
        "Your driving licence was refused (%(reason)s). Send it again (%(page)s) before you %(doing)s."
    ),
    VerificationKind.IDENTITY: gettext_noop(
        "Your identity document was refused (%(reason)s). Send it again (%(page)s) before you %(doing)s."
    ),
}


def _ensure_state(verification: Verification | None, kind: str, *, doing: str, why: str = "") -> Verification:
    """The verification if verified; otherwise PermissionDenied saying what to do (send, wait, send again).

    `doing` and `why` are marked with gettext_noop where written: the refusal is said in the asker's language."""
    params = {"page": reverse(PAGE[kind]), "doing": gettext(doing)}
    if verification is None:
        said, code = _MISSING[VerificationKind(kind)], f"{kind}_missing"
    elif verification.status == VerificationStatus.PENDING:
        said, code = _PENDING[VerificationKind(kind)], f"{kind}_pending"
    elif verification.status == VerificationStatus.REFUSED:
        said, code = _REFUSED[VerificationKind(kind)], f"{kind}_refused"
        params["reason"] = verification.refusal_reason
    else:
        return verification
    refusal = PermissionDenied(said, params=params, code=code)
    if why:
        refusal = PermissionDenied(f"{gettext(why)} {refusal.message}", code=code)
    raise refusal


def ensure_verified_licence(user: User, *, doing: str, min_age: int | None = None, on: date | None = None) -> None:
    """Refuse `doing` ("book a car", "go online as a driver") unless the licence is verified (and old enough `on`)."""
    licence = _ensure_state(verification_of(user, VerificationKind.LICENCE), VerificationKind.LICENCE, doing=doing)
    if not min_age:
        return
    if licence.birth_date is None:
        raise PermissionDenied(
            gettext_noop(
                "This car is for drivers aged %(age)s or over, and your licence was verified without your date "
                "of birth: write to support to add it."
            ),
            params={"age": min_age},
            code="age_unknown",
        )
    if age_on(licence.birth_date, on or timezone.localdate()) < min_age:
        raise PermissionDenied(
            gettext_noop("This car is for drivers aged %(age)s or over on the day of pickup."),
            params={"age": min_age},
            code="too_young",
        )


def ensure_verified_person(user: User, *, doing: str) -> None:
    """Refuse `doing` unless Sharing verified one of the person's documents (an identity document or a licence)."""
    if user.is_authenticated and verified_kinds(user):
        return
    why = gettext_noop("This host welcomes guests whose identity Sharing has verified.")
    identity = verification_of(user, VerificationKind.IDENTITY)
    _ensure_state(identity, VerificationKind.IDENTITY, doing=doing, why=why)


def can_review(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION))


def require_reviewer(user: User) -> None:
    if not can_review(user):
        raise PermissionDenied(gettext_noop("Only staff who review identity documents and licences can do this."))


def _photo(upload: UploadedFile | None, field: str, what: str):
    if upload is None:
        raise DomainError(what, field=field, code="photo_missing")
    try:
        return normalise_image(upload, max_side=PHOTO_MAX_SIDE)
    except ValidationError as error:
        raise DomainError(error.messages[0], field=field, code="bad_photo") from None


def _checked_birth_date(birth_date: date | None, today: date) -> date:
    if birth_date is None:
        raise DomainError(gettext_noop("Give your date of birth, as written on the document."), field="birth_date")
    if not YOUNGEST_AGE <= age_on(birth_date, today) <= OLDEST_AGE:
        raise DomainError(
            gettext_noop("Check your date of birth: it should be the one on the document."), field="birth_date"
        )
    return birth_date


def submit(
    *,
    user: User,
    kind: str,
    document: UploadedFile | None,
    selfie: UploadedFile | None,
    birth_date: date | None,
    now: datetime | None = None,
) -> Verification:
    """Send (or send again after a refusal) a document, a selfie and the date of birth; they wait for review."""
    now = now or timezone.now()
    if kind not in VerificationKind.values:
        raise NotFound(gettext_noop("No such kind of document."))
    missing = (
        gettext_noop("Add a photo of your driving licence.")
        if kind == VerificationKind.LICENCE
        else gettext_noop("Add a photo of your identity document.")
    )
    document_photo = _photo(document, "document", missing)
    selfie_photo = _photo(selfie, "selfie", gettext_noop("Add a selfie (a photo of your face)."))
    born = _checked_birth_date(birth_date, timezone.localdate(now))
    with transaction.atomic():
        verification = Verification.objects.select_for_update().filter(user_id=user.pk, kind=kind).first()
        if verification is not None and verification.status == VerificationStatus.VERIFIED:
            raise Conflict(
                gettext_noop("Your driving licence is already verified.")
                if kind == VerificationKind.LICENCE
                else gettext_noop("Your identity document is already verified."),
                code="already_verified",
            )
        verification = verification or Verification(user=user, kind=kind)
        replaced = [name for name in (verification.document.name, verification.selfie.name) if name]
        verification.document.save("document.jpg", document_photo, save=False)
        verification.selfie.save("selfie.jpg", selfie_photo, save=False)
        verification.birth_date = born
        verification.status = VerificationStatus.PENDING
        verification.refusal_reason = ""
        verification.submitted_at = now
        verification.decided_by = None
        verification.decided_at = None
        verification.save()
        transaction.on_commit(partial(_delete_files, replaced), robust=True)
        return verification


def _decide(staff: User, verification_id: int, status: str, reason: str, now: datetime | None) -> Verification:
    require_reviewer(staff)
    now = now or timezone.now()
    with transaction.atomic():
        found = Verification.objects.select_for_update().select_related("user").filter(pk=verification_id).first()
        if found is None:
            raise NotFound(gettext_noop("No such document."))
        if found.status != VerificationStatus.PENDING:
            raise Conflict(gettext_noop("This document was already decided."), code="already_decided")
        if found.user_id == staff.pk:
            raise PermissionDenied(gettext_noop("Someone else reviews your own documents."), code="own_document")
        found.status = status
        found.refusal_reason = reason
        found.decided_by = staff
        found.decided_at = now
        found.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
        said = _decision_words(found.kind, status, reason)
        message = english(said)
        notify(
            [found.user],
            "verification.decided",
            {
                "kind": found.kind,
                "status": status,
                "message": message,
                "title": message,
                # Each reader's language at read time (realtime.wording); the English above for older clients.
                "message_words": said,
                "title_words": said,
                "url": reverse(PAGE[found.kind]),
            },
        )
        return found


def _decision_words(kind: str, status: str, reason: str) -> dict:
    licence = kind == VerificationKind.LICENCE
    if status == VerificationStatus.VERIFIED:
        if licence:
            return words(gettext_noop("Your driving licence is verified."))
        return words(gettext_noop("Your identity document is verified."))
    if licence:
        return words(gettext_noop("Your driving licence was refused: %(reason)s"), reason=reason)
    return words(gettext_noop("Your identity document was refused: %(reason)s"), reason=reason)


def verify(*, staff: User, verification_id: int, now: datetime | None = None) -> Verification:
    return _decide(staff, verification_id, VerificationStatus.VERIFIED, "", now)


def refuse(*, staff: User, verification_id: int, reason: str, now: datetime | None = None) -> Verification:
    words = " ".join((reason or "").split())
    if not words:
        raise DomainError(gettext_noop("Say why the document is refused: the person reads it."), field="reason")
    if len(words) > REASON_MAX:
        raise DomainError(
            gettext_noop("Keep the reason under %(count)s characters."), params={"count": REASON_MAX}, field="reason"
        )
    return _decide(staff, verification_id, VerificationStatus.REFUSED, words, now)


def view_photo(*, user: User, verification_id: int, part: str, now: datetime | None = None) -> FieldFile:
    """A photo of a verification for a reviewer, the look recorded; NotFound for everybody else, sender included."""
    found = Verification.objects.filter(pk=verification_id).first() if 0 < verification_id < 2**63 else None
    if found is None or part not in DocumentPart.values or not can_review(user):
        raise NotFound(gettext_noop("No such document."))
    photo: FieldFile = getattr(found, part)
    if not photo:
        raise NotFound(gettext_noop("This photo is no longer kept."))
    DocumentView.objects.create(verification=found, part=part, staff=user, viewed_at=now or timezone.now())
    return photo


def purge_decided_documents(*, now: datetime | None = None) -> int:
    """Delete the photos of every verification decided VERIFICATION_DOCUMENT_RETENTION_DAYS ago or more.

    Each row is cleared by a conditional UPDATE (only if it still names those files), so two runs never race;
    the files go after the commit. The decision stays. Returns how many verifications lost their photos.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VERIFICATION_DOCUMENT_RETENTION_DAYS)
    old = Verification.objects.filter(decided_at__lte=cutoff).exclude(document="", selfie="")
    purged = 0
    for verification_id, document, selfie in old.values_list("pk", "document", "selfie"):
        with transaction.atomic():
            still = Verification.objects.filter(pk=verification_id, document=document, selfie=selfie)
            if still.update(document="", selfie=""):
                purged += 1
                transaction.on_commit(partial(_delete_files, [document, selfie]), robust=True)
    return purged


def delete_all_of(user: User) -> None:
    """Erase a person's verifications and (after the commit) their photos: their account is being deleted."""
    theirs = Verification.objects.filter(user=user)
    names = [name for pair in theirs.values_list("document", "selfie") for name in pair]
    theirs.delete()
    transaction.on_commit(partial(_delete_files, names), robust=True)


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name and private_storage.exists(name):
            private_storage.delete(name)
