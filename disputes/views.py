"""Party pages: open a dispute about a booking, follow it, add evidence. Staff work on the admin desk."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from accounts.models import User
from bookings.selectors import visible_booking
from core.errors import NotFound
from core.pages import refusal_pages, refusals
from core.requests import SignedInRequest
from disputes import selectors, services, suspensions
from disputes.forms import EvidenceForm, OpenDisputeForm, SuspensionForm
from disputes.models import OPEN_WINDOW
from realtime.selectors import thread_id_by_key


@login_required
@refusal_pages
def open_dispute(request: HttpRequest, booking_id: int) -> HttpResponse:
    if not selectors.valid_id(booking_id):
        raise NotFound(gettext_noop("No such booking."))
    booking = visible_booking(user=request.user, booking_id=booking_id)
    if request.user.pk not in (booking.guest_id, booking.listing.owner_id):
        raise Http404("No such booking.")
    current = selectors.open_dispute_for(booking)
    if current is not None:
        return redirect(current.get_absolute_url())
    form = OpenDisputeForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusals(form=form) as refused:
            dispute = services.open_dispute(
                user=request.user,
                booking_id=booking.pk,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
            )
        status = refused.status_code
        if not refused:
            photo = form.cleaned_data.get("photo")
            if photo:
                not_added = gettext("The dispute is open, but the photo was not added: ")
                with refusals(request, prefix=not_added, level=messages.WARNING):
                    services.add_evidence(user=request.user, dispute_id=dispute.pk, image=photo)
            messages.success(request, gettext("Your dispute is open. The payout is on hold until Sharing decides."))
            return redirect(dispute.get_absolute_url())
    if form.errors and status == 200:
        status = 400
    deadline = booking.end + OPEN_WINDOW
    context = {"booking": booking, "form": form, "deadline": deadline, "window_closed": timezone.now() > deadline}
    return render(request, "disputes/open.html", context, status=status)


@login_required
@refusal_pages
def dispute_detail(
    request: SignedInRequest, dispute_id: int, evidence_form: EvidenceForm | None = None, status: int = 200
) -> HttpResponse:
    dispute = selectors.visible_dispute(user=request.user, dispute_id=dispute_id)
    context = {
        "dispute": dispute,
        "booking": dispute.booking,
        "outcome": selectors.outcome(dispute),
        "bank": selectors.bank_ruling(dispute),
        "evidence": dispute.evidence.select_related("uploader"),
        "thread_id": thread_id_by_key(request.user, dispute.thread_key),
        "evidence_form": evidence_form or EvidenceForm(),
    }
    return render(request, "disputes/detail.html", context, status=status)


@login_required
@require_POST
@refusal_pages
def add_evidence(request: SignedInRequest, dispute_id: int) -> HttpResponse:
    dispute = selectors.visible_dispute(user=request.user, dispute_id=dispute_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        with refusals(form=form) as refused:
            services.add_evidence(
                user=request.user,
                dispute_id=dispute.pk,
                image=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        if refused:
            return dispute_detail(request, dispute.pk, evidence_form=form, status=refused.status_code)
        messages.success(request, gettext("Photo added to the dispute."))
        return redirect(dispute.get_absolute_url())
    return dispute_detail(request, dispute.pk, evidence_form=form, status=400)


@login_required
@refusal_pages
def suspension(request: SignedInRequest, user_id: int) -> HttpResponse:
    """The desk's page to suspend a person (or lift a suspension), with the reason asked first."""
    services.require_desk_staff(request.user)
    person = get_object_or_404(User, pk=user_id)
    form = SuspensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals(form=form) as refused:
            if person.is_suspended:
                suspensions.lift_suspension(staff=request.user, person_id=person.pk, reason=form.cleaned_data["reason"])
                messages.success(request, gettext("%(name)s can use Sharing again.") % {"name": person.public_name})
            else:
                outcome = suspensions.suspend_user(
                    staff=request.user, person_id=person.pk, reason=form.cleaned_data["reason"]
                )
                messages.success(request, suspensions.suspended_summary(outcome))
                for booking_id, problem in outcome.bookings_failed.items():
                    messages.error(
                        request,
                        gettext("Booking %(number)s could not be ended yet: %(problem)s")
                        % {"number": booking_id, "problem": problem},
                    )
        if not refused:
            return redirect(person.get_absolute_url())
    return render(request, "disputes/suspension.html", {"person": person, "form": form})
