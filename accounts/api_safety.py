"""Block and report in the JSON API, mounted at /api/v1/safety/ (same rules as the pages: accounts.safety)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status

from accounts import safety
from core.api import session_or_token_auth
from core.errors import DomainError
from core.requests import ApiRequest

router = Router(tags=["safety"], auth=session_or_token_auth)


class PersonBlockIn(Schema):
    user_id: int


class BlockOut(Schema):
    user_id: int = Field(validation_alias="blocked_id")
    name: str
    created_at: datetime

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.blocked.public_name


class ReportIn(Schema):
    user_id: int | None = Field(None, description="The person reported (or give message_id)")
    message_id: int | None = Field(None, description="A message in one of your conversations")
    reason: str


class ReportOut(Schema):
    id: int
    user_id: int = Field(validation_alias="person_id")
    message_id: int | None
    created_at: datetime


@router.get("/blocks", response=list[BlockOut], summary="The people I have blocked")
def list_blocks(request: ApiRequest):
    return list(safety.blocked_by(request.auth))


@router.post("/blocks", response={201: BlockOut}, summary="Block a person: no messages, no booking requests")
def block(request: ApiRequest, payload: PersonBlockIn):
    return Status(201, safety.block_person(blocker=request.auth, person_id=payload.user_id))


@router.delete("/blocks/{user_id}", response={204: None}, summary="Unblock a person")
def unblock(request: ApiRequest, user_id: int):
    safety.unblock_person(blocker=request.auth, person_id=user_id)
    return Status(204, None)


@router.post("/reports", response={201: ReportOut}, summary="Report a person or a message to Sharing's staff")
def report(request: ApiRequest, payload: ReportIn):
    if payload.message_id is not None and payload.user_id is None:
        made = safety.report_message(reporter=request.auth, message_id=payload.message_id, reason=payload.reason)
    elif payload.user_id is not None and payload.message_id is None:
        made = safety.report_person(reporter=request.auth, person_id=payload.user_id, reason=payload.reason)
    else:
        raise DomainError(gettext_noop("Report either a person (user_id) or a message (message_id)."), field="user_id")
    return Status(201, made)
