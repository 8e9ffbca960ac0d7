"""My driving licence in the JSON API (/api/v1/people/me/licence): its state, and uploading a photo (multipart)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from accounts import licences
from accounts.models import DrivingLicence
from core.api import session_or_token_auth
from core.errors import NotFound
from core.requests import ApiRequest

router = Router(tags=["people"], auth=session_or_token_auth)


class LicenceOut(Schema):
    status: str
    refusal_reason: str
    submitted_at: datetime
    decided_at: datetime | None
    photo_url: str


def _out(licence: DrivingLicence) -> dict:
    data = {name: getattr(licence, name) for name in ("status", "refusal_reason", "submitted_at", "decided_at")}
    data["photo_url"] = (
        reverse("accounts:licence_document", kwargs={"licence_id": licence.pk}) if licence.document else ""
    )
    return data


@router.get("/me/licence", response=LicenceOut, summary="My driving licence and where its review stands")
def my_licence(request: ApiRequest):
    licence = licences.licence_of(request.auth)
    if licence is None:
        raise NotFound("You have not uploaded a driving licence yet.")
    return _out(licence)


@router.post("/me/licence", response={201: LicenceOut}, summary="Upload a photo of my driving licence (multipart)")
def upload_licence(request: ApiRequest, image: File[UploadedFile]):
    return Status(201, _out(licences.submit_licence(user=request.auth, image=image)))
