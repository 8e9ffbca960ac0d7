"""My data in the JSON API, mounted at /api/v1/me/: exports and account deletion (rules: personaldata.services)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from core.api import session_or_token_auth
from personaldata import services
from personaldata.models import DataExport

router = Router(tags=["my data"], auth=session_or_token_auth)


class ExportOut(Schema):
    id: int
    status: str
    created_at: datetime
    expires_at: datetime | None
    download_url: str | None

    @staticmethod
    def resolve_download_url(obj: DataExport) -> str | None:
        return obj.get_absolute_url() if obj.status == "ready" else None


class DeletionCheckOut(Schema):
    can_delete: bool
    reasons: list[str]


class DeleteIn(Schema):
    confirm_email: str


@router.get("/exports", response=list[ExportOut], summary="My data archives (the newest five)")
def list_exports(request: HttpRequest):
    return list(DataExport.objects.filter(user=request.auth).defer("archive")[:5])


@router.post("/exports", response={202: ExportOut}, summary="Ask for my data: built by the worker, link emailed")
def ask_export(request: HttpRequest):
    return Status(202, services.request_export(user=request.auth))


@router.get("/exports/{token}", summary="Download an archive (JSON), until it expires")
def download_export(request: HttpRequest, token: str):
    archive = services.download(user=request.auth, token=token)
    response = HttpResponse(archive.archive, content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/deletion", response=DeletionCheckOut, summary="Can my account be deleted now, and if not why")
def deletion_check(request: HttpRequest):
    reasons = services.reasons_to_keep(request.auth)
    return {"can_delete": not reasons, "reasons": reasons}


@router.post("/delete", response={204: None}, summary="Delete my account (refused while anything is open)")
def delete_account(request: HttpRequest, payload: DeleteIn):
    services.delete_account(user=request.auth, confirm_email=payload.confirm_email)
    return Status(204, None)
