"""My verifications in the JSON API (/api/v1/people/me/verifications): their state, and sending a document.

`kind` is `licence` (driving licence: renting cars, driving) or `identity` (an identity document: optional,
shown on the profile, asked for by some hosts). The photos are never served back, not even to their sender.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext_noop
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from accounts import verifications
from accounts.models import Verification, VerificationKind
from core.api import session_or_token_auth
from core.errors import NotFound
from core.requests import ApiRequest

router = Router(tags=["people"], auth=session_or_token_auth)


class VerificationOut(Schema):
    kind: str
    status: str
    refusal_reason: str
    birth_date: date | None
    submitted_at: datetime
    decided_at: datetime | None
    photos_kept: bool


def _out(verification: Verification) -> dict:
    names = ("kind", "status", "refusal_reason", "birth_date", "submitted_at", "decided_at")
    data = {name: getattr(verification, name) for name in names}
    data["photos_kept"] = bool(verification.document or verification.selfie)
    return data


def _known(kind: str) -> str:
    if kind not in VerificationKind.values:
        raise NotFound(gettext_noop("No such kind of document: licence or identity."))
    return kind


@router.get("/me/verifications", response=list[VerificationOut], summary="My identity document and licence")
def my_verifications(request: ApiRequest):
    return [_out(found) for found in request.auth.verifications.order_by("kind")]


@router.get("/me/verifications/{kind}", response=VerificationOut, summary="Where the review of one stands")
def my_verification(request: ApiRequest, kind: str):
    found = verifications.verification_of(request.auth, _known(kind))
    if found is None:
        raise NotFound(
            gettext_noop("You have not sent your driving licence yet.")
            if kind == "licence"
            else gettext_noop("You have not sent your identity document yet.")
        )
    return _out(found)


@router.post(
    "/me/verifications/{kind}",
    response={201: VerificationOut},
    summary="Send a photo of the document, a selfie and my date of birth (multipart)",
)
def send_verification(
    request: ApiRequest,
    kind: str,
    birth_date: Form[date],
    document: File[UploadedFile],
    selfie: File[UploadedFile],
):
    sent = verifications.submit(
        user=request.auth, kind=_known(kind), document=document, selfie=selfie, birth_date=birth_date
    )
    return Status(201, _out(sent))
