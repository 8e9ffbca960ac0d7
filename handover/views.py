"""Pages of a car handover: both sides' reports at pickup and return, filing, confirming or contesting, the photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.pages import refusal_pages, refusals
from core.private_files import private_image_response
from core.requests import SignedInRequest
from handover import answers, contests, deposits, selectors, services
from handover.forms import ClaimDecisionForm, ClaimForm, ContestForm, RefundChargeForm, ReportForm
from handover.models import Angle, Stage


@login_required
@refusal_pages
def detail(
    request: SignedInRequest,
    booking_id: int,
    form: ReportForm | None = None,
    status: int = 200,
    claim_form: ClaimForm | None = None,
    contested: tuple[int, ContestForm] | None = None,
) -> HttpResponse:
    handover = selectors.handover_for(user=request.user, booking_id=booking_id)
    rows = handover.rows
    for entry in (entry for row in rows for entry in row["sides"]):
        report = entry["report"]
        if report is not None and not report.answered and handover.viewer_side not in (None, report.side):
            # One contest form per report the viewer may answer (own ids: two can be on the page).
            sent = contested[1] if contested is not None and contested[0] == report.pk else None
            entry["contest_form"] = sent or ContestForm(auto_id=f"contest-{report.pk}-%s")
    context = {
        "handover": handover,
        "booking": handover.booking,
        "rows": rows,
        # A refused contest whose report has no form any more (answered meanwhile) is told at the top.
        "contest_errors": contested[1].non_field_errors() if contested is not None else None,
        "form": form or ReportForm(),
        "claim_form": claim_form or ClaimForm(),
        "stages": Stage,
    }
    return render(request, "handover/detail.html", context, status=status)


@login_required
@require_POST
@refusal_pages
def file_report(request: SignedInRequest, booking_id: int, stage: str) -> HttpResponse:
    selectors.handover_for(user=request.user, booking_id=booking_id)
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return detail(request, booking_id, form=form, status=400)
    with refusals(form=form) as refused:
        services.file_report(
            author=request.user,
            booking_id=booking_id,
            stage=stage,
            odometer_km=form.cleaned_data["odometer_km"],
            fuel_percent=form.cleaned_data["fuel_percent"],
            notes=form.cleaned_data["notes"],
            photos={angle.value: form.cleaned_data.get(angle.value) for angle in Angle},
        )
    if refused:
        return detail(request, booking_id, form=form, status=refused.status_code)
    messages.success(request, gettext("Report filed. The other party confirms it next."))
    return redirect("handover:detail", booking_id=booking_id)


@login_required
@require_POST
@refusal_pages
def keep_card(request: SignedInRequest, booking_id: int) -> HttpResponse:
    with refusals(request):
        services.keep_card(
            guest=request.user, booking_id=booking_id, payment_method=request.POST.get("payment_method", "")
        )
        messages.success(request, gettext("Card kept for this rental."))
    return redirect("handover:detail", booking_id=booking_id)


@login_required
@require_POST
@refusal_pages
def confirm_report(request: SignedInRequest, report_id: int) -> HttpResponse:
    report = selectors.visible_report(user=request.user, report_id=report_id)
    with refusals(request, forbidden=True):
        answers.confirm_report(user=request.user, report_id=report.pk)
        messages.success(request, gettext("Report confirmed."))
    return redirect("handover:detail", booking_id=report.booking_id)


@login_required
@require_POST
@refusal_pages
def contest_report(request: SignedInRequest, report_id: int) -> HttpResponse:
    """The other party contests parts of a report; a return report's contest opens or joins the booking's dispute."""
    report = selectors.visible_report(user=request.user, report_id=report_id)
    form = ContestForm(request.POST, auto_id=f"contest-{report.pk}-%s")
    if not form.is_valid():
        return detail(request, report.booking_id, contested=(report.pk, form), status=400)
    with refusals(form=form, forbidden=True) as refused:
        answers.contest_report(
            user=request.user,
            report_id=report.pk,
            reason=form.cleaned_data["reason"],
            fields=form.cleaned_data["contested"],
        )
    if refused:
        return detail(request, report.booking_id, contested=(report.pk, form), status=refused.status_code)
    if report.stage == Stage.RETURN:
        messages.success(
            request, gettext("Report contested. Support sees it in the booking's dispute, with both reports.")
        )
    else:
        messages.success(request, gettext("Report contested. It stays on the record next to the report."))
    return redirect("handover:detail", booking_id=report.booking_id)


@login_required
@refusal_pages
def photo(request: SignedInRequest, photo_id: int) -> HttpResponse:
    """The photo itself, for the two parties and staff only (the file is outside the public media)."""
    return private_image_response(selectors.visible_photo(user=request.user, photo_id=photo_id).image)


@login_required
@require_POST
@refusal_pages
def claim(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """The owner claims on the deposit: a damage dispute opens and the hold stays until support decides."""
    selectors.handover_for(user=request.user, booking_id=booking_id)
    form = ClaimForm(request.POST)
    if not form.is_valid():
        return detail(request, booking_id, claim_form=form, status=400)
    with refusals(form=form) as refused:
        deposit = deposits.file_claim(
            host=request.user,
            booking_id=booking_id,
            amount=form.cleaned_data["amount"],
            description=form.cleaned_data["description"],
        )
    if refused:
        return detail(request, booking_id, claim_form=form, status=refused.status_code)
    messages.success(request, gettext("Claim filed: support decides it in the dispute."))
    return redirect("disputes:detail", dispute_id=deposit.claim_dispute_id)


@login_required
@refusal_pages
def decide_claim(request: SignedInRequest, deposit_id: int) -> HttpResponse:
    """Support's page for a claim on a deposit: the handover reports are linked, the amount and reason asked."""
    deposit = selectors.claim_for_desk(user=request.user, deposit_id=deposit_id)
    form = ClaimDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals(form=form) as refused:
            deposits.decide_claim(
                staff=request.user,
                deposit_id=deposit.pk,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        if not refused:
            messages.success(request, gettext("Claim decided."))
            return redirect("handover:decide_claim", deposit_id=deposit.pk)
    return render(request, "handover/decide_claim.html", {"deposit": deposit, "form": form})


@login_required
@refusal_pages
def refund_charge(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """Support's page for a contested return charge: both reports and the settlement, then how much goes back."""
    record = selectors.record_for_desk(user=request.user, booking_id=booking_id)
    form = RefundChargeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with refusals(form=form) as refused:
                contests.refund_return_charge(
                    staff=request.user,
                    booking_id=booking_id,
                    charge=form.cleaned_data["charge"],
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            if not refused:
                messages.success(request, gettext("Refund recorded: it goes back to the renter's card."))
                return redirect("handover:refund_charge", booking_id=booking_id)
            status = refused.status_code
        else:
            status = 400
    return render(request, "handover/refund_charge.html", {"record": record, "form": form}, status=status)
