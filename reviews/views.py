"""Review pages: write a review from a booking, respond, report, moderate, and the listing's and person's lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from bookings.selectors import visible_booking
from core.pages import refusal_pages, refusals
from core.requests import HtmxRequest, SignedInRequest
from reviews import selectors, services
from reviews.forms import DecisionForm, ReportForm, ResponseForm, ReviewForm
from reviews.models import Direction, Review, ReviewReport


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _visible_review(request: SignedInRequest, review_id: int) -> Review:
    review = Review.objects.select_related("listing", "author", "subject").filter(pk=review_id).first()
    if review is None or not selectors.can_see(request.user, review):
        raise Http404(services.REVIEW_NOT_FOUND)
    return review


@login_required
@refusal_pages
def write(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """The booking's reviews as the viewer may see them, and the form while they can still write theirs."""
    booking = visible_booking(user=request.user, booking_id=booking_id)
    direction = selectors.direction_of(booking, request.user)
    refusal = selectors.write_refusal(booking=booking, user=request.user, now=timezone.now())
    form = None
    if direction is not None:
        form = ReviewForm(request.POST or None, kind=booking.listing.kind, direction=direction)
    status = 200
    if request.method == "POST":
        if form is None:
            return HttpResponseForbidden(selectors.ONLY_PARTIES)
        if form.is_valid():
            with refusals(form=form) as refused:
                services.write_review(
                    author=request.user,
                    booking_id=booking.pk,
                    rating=form.cleaned_data["rating"],
                    text=form.cleaned_data["text"],
                    aspects=form.aspects(),
                    private_note=form.cleaned_data["private_note"],
                )
            if not refused:
                messages.success(
                    request, gettext("Thank you. Your review will be public once both sides have written.")
                )
                return redirect("reviews:write", booking_id=booking.pk)
        status = 400
    context = {
        "booking": booking,
        "form": form if refusal is None or request.method == "POST" else None,
        "refusal": refusal,
        "reviews": selectors.booking_reviews(booking=booking, viewer=request.user),
        "closes_at": selectors.window_closes_at(booking),
        "is_guest": direction == Direction.GUEST_TO_HOST,
        "response_form": ResponseForm(),
    }
    return render(request, "reviews/write.html", context, status=status)


@login_required
@require_POST
@refusal_pages
def respond(request: SignedInRequest, review_id: int) -> HttpResponse:
    review = _visible_review(request, review_id)
    form = ResponseForm(request.POST)
    fallback = reverse("reviews:write", kwargs={"booking_id": review.booking_id})
    if not form.is_valid():
        messages.error(request, gettext("Write your response first."))
        return redirect(_next_url(request, fallback))
    with refusals(request, forbidden=True) as refused:
        services.respond_to_review(responder=request.user, review_id=review.pk, text=form.cleaned_data["response"])
    if not refused:
        messages.success(request, gettext("Your response is public."))
    return redirect(_next_url(request, fallback))


@login_required
@refusal_pages
def report(request: SignedInRequest, review_id: int) -> HttpResponse:
    review = _visible_review(request, review_id)
    form = ReportForm(request.POST or None)
    fallback = reverse("reviews:listing", kwargs={"listing_id": review.listing_id})
    if request.method == "POST" and form.is_valid():
        with refusals(form=form, forbidden=True) as refused:
            services.report_review(reporter=request.user, review_id=review.pk, reason=form.cleaned_data["reason"])
        if not refused:
            messages.success(request, gettext("Thank you: our team will look at this review."))
            return redirect(_next_url(request, fallback))
    context = {"review": review, "form": form, "next": _next_url(request, fallback)}
    return render(request, "reviews/report.html", context, status=400 if form.errors else 200)


@login_required
@refusal_pages
def moderate(request: HttpRequest, report_id: int) -> HttpResponse:
    """Staff decide a report (the admin has the same actions); everyone else gets 403."""
    if not request.user.is_staff:
        return HttpResponseForbidden("Only staff can moderate reviews.")
    report = get_object_or_404(ReviewReport.objects.select_related("review", "reporter"), pk=report_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Every refusal of a decision is shown above the form, not on one field.
        with refusals(form=form, fields=(), forbidden=True) as refused:
            services.moderate_report(
                staff=request.user,
                report_id=report.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        if not refused:
            messages.success(request, gettext("Decision recorded."))
            return redirect("reviews:moderate", report_id=report.pk)
    status = 400 if form.errors else 200
    return render(request, "reviews/moderate.html", {"report": report, "form": form}, status=status)


@refusal_pages
def listing_reviews(request: HtmxRequest, listing_id: int) -> HttpResponse:
    """All reviews of a listing; htmx asks for the partial alone (pagination inside the listing page)."""
    reviews = selectors.listing_reviews(listing_id=listing_id, viewer=request.user, page=request.GET.get("page"))
    context = {"reviews": reviews, "listing": reviews.listing}
    template = "reviews/_listing_reviews.html" if request.htmx else "reviews/listing_reviews.html"
    return render(request, template, context)


@refusal_pages
def profile_reviews(request: HtmxRequest, user_id: int) -> HttpResponse:
    """All reviews about a person; htmx asks for the partial alone (pagination inside the profile page)."""
    reviews = selectors.user_reviews(user_id=user_id, viewer=request.user, page=request.GET.get("page"))
    context = {"reviews": reviews, "person": reviews.person}
    template = "reviews/_profile_reviews.html" if request.htmx else "reviews/profile_reviews.html"
    return render(request, template, context)
