"""Disputes in the JSON API (/api/v1/disputes/): open one, read it, add a photo. Only the parties (and staff)."""

from __future__ import annotations

from datetime import datetime

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from core.api import session_or_token_auth
from core.requests import ApiRequest
from disputes import selectors, services
from disputes.models import Category, Dispute

router = Router(tags=["disputes"], auth=session_or_token_auth)


class DisputeIn(Schema):
    booking_id: int
    category: Category
    description: str


class EvidenceOut(Schema):
    id: int
    url: str
    caption: str
    uploader_id: int


class DisputeOut(Schema):
    id: int
    booking_id: int
    category: str
    status: str
    source: str
    description: str
    created_at: datetime
    evidence_deadline: datetime | None
    evidence_request: str
    currency: str
    guest_refund: int | None
    host_payout: int | None
    payout_reversed: int
    reason: str
    resolved_at: datetime | None
    evidence: list[EvidenceOut]


def _out(dispute: Dispute) -> dict:
    data = {name: getattr(dispute, name) for name in DisputeOut.model_fields if name != "evidence"}
    data["evidence"] = [
        {"id": e.pk, "url": e.image.url, "caption": e.caption, "uploader_id": e.uploader_id}
        for e in dispute.evidence.all()
    ]
    return data


@router.post("/", response={201: DisputeOut}, summary="Open a dispute about one of my bookings")
def open_dispute(request: ApiRequest, payload: DisputeIn):
    dispute = services.open_dispute(
        user=request.auth, booking_id=payload.booking_id, category=payload.category, description=payload.description
    )
    return Status(201, _out(dispute))


@router.get("/{dispute_id}", response=DisputeOut, summary="One dispute, with its evidence and outcome")
def get_dispute(request: ApiRequest, dispute_id: int):
    return _out(selectors.visible_dispute(user=request.auth, dispute_id=dispute_id))


@router.post("/{dispute_id}/evidence", response={201: EvidenceOut}, summary="Add a photo (multipart)")
def add_evidence(request: ApiRequest, dispute_id: int, image: File[UploadedFile], caption: Form[str] = ""):
    selectors.visible_dispute(user=request.auth, dispute_id=dispute_id)
    evidence = services.add_evidence(user=request.auth, dispute_id=dispute_id, image=image, caption=caption)
    return Status(
        201,
        {
            "id": evidence.pk,
            "url": evidence.image.url,
            "caption": evidence.caption,
            "uploader_id": evidence.uploader_id,
        },
    )
