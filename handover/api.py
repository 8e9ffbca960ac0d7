"""Car handovers in the JSON API (/api/v1/handover/): read one, keep a card, file a report, confirm or contest one.

Only the booking's two parties (and staff, to read) get anything; anyone else is told there is no
such booking. Photos are fetched from the `photo_url` of each (the page route, for the same people).
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from core.api import session_or_token_auth
from core.requests import ApiRequest
from handover import answers, deposits, selectors, services
from handover.models import HandoverReport, ReportAnswer, Settlement

router = Router(tags=["handover"], auth=session_or_token_auth)


class HandoverPhotoOut(Schema):
    angle: str
    photo_url: str


class ReportAnswerOut(Schema):
    """The other party's final answer to a report; a contest names the parts and why."""

    kind: str  # confirm, contest
    side: str  # the answering party's side
    reason: str
    fields: list[str]  # contested: odometer, fuel, condition
    dispute_id: int | None  # the dispute a contested return report opened or joined
    created_at: datetime


class HandoverReportOut(Schema):
    id: int
    stage: str
    side: str
    odometer_km: int
    fuel_percent: int
    notes: str
    created_at: datetime
    confirmed_at: datetime | None
    answer: ReportAnswerOut | None
    photos: list[HandoverPhotoOut]


class SettlementOut(Schema):
    pickup_km: int
    return_km: int
    driven_km: int
    included_km: int
    extra_km: int
    extra_km_price: int
    extra_amount: int
    currency: str
    charge_status: str
    pickup_fuel_percent: int
    return_fuel_percent: int
    missing_fuel_percent: int
    refuel_price_per_percent: int
    fuel_amount: int
    fuel_charge_status: str


class DepositOut(Schema):
    amount: int
    currency: str
    status: str
    release_after: datetime
    claim_amount: int | None
    claim_dispute_id: int | None
    captured_amount: int
    failure_message: str


class HandoverOut(Schema):
    booking_id: int
    card_kept: bool
    deposit: DepositOut | None
    reports: list[HandoverReportOut]
    settlement: SettlementOut | None


class CardIn(Schema):
    payment_method: str


class ContestIn(Schema):
    reason: str
    fields: list[str]


class ClaimIn(Schema):
    amount: int
    description: str


def _answer(answer: ReportAnswer | None) -> dict | None:
    if answer is None:
        return None
    data = {name: getattr(answer, name) for name in ReportAnswerOut.model_fields if name != "fields"}
    return {**data, "fields": answer.contested_fields}


def _report(report: HandoverReport) -> dict:
    data = {name: getattr(report, name) for name in HandoverReportOut.model_fields if name not in ("photos", "answer")}
    data["answer"] = _answer(report.answer)
    data["photos"] = [
        {"angle": p.angle, "photo_url": reverse("handover:photo", kwargs={"photo_id": p.pk})}
        for p in report.photos.all()
    ]
    return data


def _settlement(settlement: Settlement | None) -> dict | None:
    if settlement is None:
        return None
    return {name: getattr(settlement, name) for name in SettlementOut.model_fields}


def _out(user, booking_id: int) -> dict:
    handover = selectors.handover_for(user=user, booking_id=booking_id)
    return {
        "booking_id": handover.booking.pk,
        "card_kept": handover.card_kept,
        "deposit": {name: getattr(handover.deposit, name) for name in DepositOut.model_fields}
        if handover.deposit
        else None,
        "reports": [_report(report) for report in handover.reports.values()],
        "settlement": _settlement(handover.settlement),
    }


@router.get("/bookings/{booking_id}", response=HandoverOut, summary="A car booking's handover reports and return")
def get_handover(request: ApiRequest, booking_id: int):
    return _out(request.auth, booking_id)


@router.post("/bookings/{booking_id}/card", response=HandoverOut, summary="Keep the renter's card for the rental")
def keep_card(request: ApiRequest, booking_id: int, payload: CardIn):
    services.keep_card(guest=request.auth, booking_id=booking_id, payment_method=payload.payment_method)
    return _out(request.auth, booking_id)


@router.post(
    "/bookings/{booking_id}/reports",
    response={201: HandoverReportOut},
    summary="File my pickup or return report (multipart: six photos, one per angle)",
)
def file_report(
    request: ApiRequest,
    booking_id: int,
    stage: Form[str],
    odometer_km: Form[int],
    fuel_percent: Form[int],
    notes: Form[str] = "",
    front: File[UploadedFile | None] = None,
    back: File[UploadedFile | None] = None,
    left: File[UploadedFile | None] = None,
    right: File[UploadedFile | None] = None,
    interior: File[UploadedFile | None] = None,
    dashboard: File[UploadedFile | None] = None,
):
    selectors.handover_for(user=request.auth, booking_id=booking_id)
    photos = {"front": front, "back": back, "left": left, "right": right, "interior": interior, "dashboard": dashboard}
    report = services.file_report(
        author=request.auth,
        booking_id=booking_id,
        stage=stage,
        odometer_km=odometer_km,
        fuel_percent=fuel_percent,
        notes=notes,
        photos=photos,
    )
    return Status(201, _report(report))


@router.post("/reports/{report_id}/confirm", response=HandoverReportOut, summary="Confirm the other party's report")
def confirm_report(request: ApiRequest, report_id: int):
    selectors.visible_report(user=request.auth, report_id=report_id)
    return _report(answers.confirm_report(user=request.auth, report_id=report_id))


@router.post(
    "/reports/{report_id}/contest",
    response=HandoverReportOut,
    summary="Contest the other party's report (a return report's contest opens or joins the booking's dispute)",
)
def contest_report(request: ApiRequest, report_id: int, payload: ContestIn):
    selectors.visible_report(user=request.auth, report_id=report_id)
    report = answers.contest_report(
        user=request.auth, report_id=report_id, reason=payload.reason, fields=payload.fields
    )
    return _report(report)


@router.post(
    "/bookings/{booking_id}/claim",
    response={201: DepositOut},
    summary="The owner claims on the deposit (opens a damage dispute)",
)
def claim(request: ApiRequest, booking_id: int, payload: ClaimIn):
    selectors.handover_for(user=request.auth, booking_id=booking_id)
    deposit = deposits.file_claim(
        host=request.auth, booking_id=booking_id, amount=payload.amount, description=payload.description
    )
    return Status(201, {name: getattr(deposit, name) for name in DepositOut.model_fields})
