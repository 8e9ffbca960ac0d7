"""Writes of the listings app: listings, their photos at creation, and the availability calendar.
The owner's later photo changes (add, delete, cover, reorder, caption) are in listings.photos.

Every function is one transaction. Whatever changes a listing's calendar locks
the listing row first, so two writers of the same calendar queue on PostgreSQL
(SELECT ... FOR UPDATE) as they do on SQLite (IMMEDIATE transactions).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.safety import ensure_not_blocked
from accounts.selectors import ensure_not_suspended, has_verified_email
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.images import normalise_image
from core.money import checked_currency, currency_for_country
from core.text_language import author_language
from listings.changes import PRICE_DROP, PUBLISHED, check_currency_receivable, listing_changed
from listings.geo import geodesic_km
from listings.geocoding import geocode_place, reverse_place
from listings.horizon import check_period
from listings.models import (
    MAX_PHOTOS_PER_LISTING,
    BusyPeriod,
    BusySource,
    Listing,
    ListingKind,
    ListingPhoto,
    ListingReport,
    ListingReportDecision,
    ListingStatus,
)
from listings.rules import (
    COMMON_FIELDS,
    DETAIL_FIELDS,
    DETAIL_MODELS,
    UNKNOWN_KIND,
    check_number,
    require,
    validate_listing,
)
from listings.selectors import overlapping_busy_periods
from realtime.models import Thread
from realtime.services import ensure_thread

DATES_TAKEN_MESSAGE = gettext_noop("Those dates were just taken. Pick other dates.")


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError(gettext_noop("Dates must include a time zone."), field="start")
    if end <= start:
        raise DomainError(gettext_noop("The end must be after the start."), field="end")


def hold_slot(
    *, listing: Listing, start: datetime, end: datetime, source: str = BusySource.BOOKING, note: str = ""
) -> BusyPeriod:
    """Mark [start, end) busy on the listing's calendar, or raise Conflict if any part of it is.

    Callers that change other rows in the same decision (a booking's status)
    call this inside their own transaction, so both commit or neither does.
    """
    _check_period(start, end)
    with transaction.atomic():
        Listing.objects.select_for_update().only("pk").get(pk=listing.pk)
        if overlapping_busy_periods(listing_id=listing.pk, start=start, end=end).exists():
            raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
        try:
            # A savepoint, so that on PostgreSQL the exclusion constraint's refusal
            # leaves the caller's transaction usable for its own error handling.
            with transaction.atomic():
                return BusyPeriod.objects.create(listing=listing, start=start, end=end, source=source, note=note)
        except IntegrityError as error:
            if "busy_period_no_overlap" in str(error):
                raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken") from error
            raise


def release_slot(*, busy_period: BusyPeriod) -> None:
    """Free a period again (a booking cancelled, a block removed)."""
    with transaction.atomic():
        Listing.objects.select_for_update().only("pk").get(pk=busy_period.listing_id)
        BusyPeriod.objects.filter(pk=busy_period.pk).delete()


# --- Listings: create, edit, pause, delete -------------------------------------------


def _model_errors_to_domain(error: ValidationError) -> DomainError:
    field, messages = next(iter(error.message_dict.items()))
    return DomainError(" ".join(messages), field=None if field == "__all__" else field)


def _apply(instance, data: dict, allowed: tuple[str, ...]) -> None:
    for name, value in data.items():
        if name not in allowed:
            raise DomainError(gettext_noop("Unknown field “%(name)s”."), params={"name": name}, field=name)
        setattr(instance, name, value)


NAMED_CITY_REACH_KM = 40


def pin_far_message(away_km: float, address_city: str, pin_city: str) -> str:
    """Why a pin and its address disagree (the page's map shows the same words before saving)."""
    return (
        f"The pin is {away_km:.0f} km from {address_city}, where the address is, near {pin_city}. "
        "Move the pin to the address, or correct the address (add the country if the city name is common)."
    )


def _place_fields(fields: dict, *, address_changed: bool, point_changed: bool) -> dict:
    """Fill city, country and time zone from the pin (or geocode the address when no pin was placed)."""
    fields = dict(fields)
    if fields.get("latitude") is None or fields.get("longitude") is None:
        place = geocode_place(fields.get("address", ""))
        fields["latitude"], fields["longitude"] = place.latitude, place.longitude
    elif not (point_changed or address_changed):
        return fields
    else:
        check_number(fields, "latitude", gettext_noop("The latitude"), low=-90, high=90)
        check_number(fields, "longitude", gettext_noop("The longitude"), low=-180, high=180)
        place = reverse_place(fields["latitude"], fields["longitude"])
        try:
            named = geocode_place(fields.get("address", ""))
        except DomainError:
            named = None
        # The city the owner typed names the place better than the nearest gazetteer entry
        # (often a district), as long as the pin is in or near that city; a pin farther away is
        # a stray tap or a wrong address, and the listing would be found in the wrong place.
        if named is not None:
            away = float(geodesic_km(named.latitude, named.longitude, place.latitude, place.longitude))
            if away > NAMED_CITY_REACH_KM:
                raise DomainError(pin_far_message(away, named.city, place.city), field="address", code="pin_far")
            place = named
    fields.update(city=place.city[:100], country_code=place.country_code, time_zone=place.time_zone)
    return fields


def _priced_in(fields: dict, owner: User) -> dict:
    """The fields with their currency checked (one the owner's payouts can receive), or the country's currency."""
    fields = dict(fields)
    code = fields.get("currency")
    fields["currency"] = checked_currency(code) if code else currency_for_country(fields.get("country_code") or "")
    check_currency_receivable(owner=owner, currency=fields["currency"])
    return fields


def create_listing(
    *, owner: User, kind: str, fields: dict, details: dict, photos: Sequence[UploadedFile] = ()
) -> Listing:
    """A new active listing with its kind's details and photos; nothing is written if any rule is broken."""
    require(kind in ListingKind.values, UNKNOWN_KIND, "kind", kind=kind)
    if not has_verified_email(owner):
        raise PermissionDenied(gettext_noop("Confirm your email address before listing something."))
    ensure_not_suspended(owner, doing=gettext_noop("list anything"))
    fields = _priced_in(_place_fields(fields, address_changed=True, point_changed=True), owner)
    fields["text_language"] = fields.get("text_language") or author_language(owner)
    validate_listing(kind=kind, fields=fields, details=details)
    prepared = _prepare_photos(list(photos))
    with transaction.atomic():
        listing = Listing(owner=owner, kind=kind)
        _apply(listing, fields, (*COMMON_FIELDS, "city", "country_code", "time_zone"))
        detail = DETAIL_MODELS[kind](listing=listing)
        _apply(detail, details, DETAIL_FIELDS[kind])
        try:
            listing.full_clean()
            detail.full_clean(exclude=["listing"])
        except ValidationError as error:
            raise _model_errors_to_domain(error) from None
        listing.save()
        detail.listing = listing
        detail.save()
        _store_photos(listing, prepared)
        listing_changed(listing_id=listing.pk, reason=PUBLISHED)
    return listing


def _lock_own(listing: Listing, actor: User) -> Listing:
    locked = Listing.objects.select_for_update().get(pk=listing.pk)
    if locked.owner_id != actor.pk:
        raise PermissionDenied(gettext_noop("Only the owner can change this listing."))
    if locked.status == ListingStatus.DELETED:
        raise NotFound(gettext_noop("This listing was deleted."))
    return locked


def update_listing(*, listing: Listing, actor: User, fields: dict, details: dict) -> Listing:
    """Change the owner's listing (any subset of fields); the same rules as at creation."""
    ensure_not_suspended(actor, doing=gettext_noop("change your listings"))
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        detail = DETAIL_MODELS[locked.kind].objects.filter(listing=locked).first() or DETAIL_MODELS[locked.kind](
            listing=locked
        )
        current = {name: getattr(locked, name) for name in COMMON_FIELDS}
        current_details = {name: getattr(detail, name) for name in DETAIL_FIELDS[locked.kind]}
        for name in fields:
            if name not in COMMON_FIELDS:
                raise DomainError(gettext_noop("Unknown field “%(name)s”."), params={"name": name}, field=name)
        merged = {**current, **fields}
        point_changed = (merged["latitude"], merged["longitude"]) != (locked.latitude, locked.longitude)
        merged = _place_fields(merged, address_changed=merged["address"] != locked.address, point_changed=point_changed)
        merged = _priced_in(merged, locked.owner)
        merged_details = {**current_details, **details}
        was_price = locked.unit_price
        validate_listing(kind=locked.kind, fields=merged, details=merged_details)
        _apply(locked, merged, (*COMMON_FIELDS, "city", "country_code", "time_zone"))
        _apply(detail, merged_details, DETAIL_FIELDS[locked.kind])
        try:
            locked.full_clean()
            detail.full_clean(exclude=["listing"])
        except ValidationError as error:
            raise _model_errors_to_domain(error) from None
        locked.save()
        detail.save()
        if locked.unit_price < was_price and locked.status == ListingStatus.ACTIVE:
            listing_changed(listing_id=locked.pk, reason=PRICE_DROP)
    return locked


def set_listing_status(*, listing: Listing, actor: User, status: str) -> Listing:
    """Pause, resume or (soft) delete the owner's listing; search and other people stop seeing it unless active."""
    require(status in ListingStatus.values, gettext_noop("Unknown status."), "status")
    if status == ListingStatus.ACTIVE:
        ensure_not_suspended(actor, doing=gettext_noop("take bookings again"))
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        republished = locked.status != ListingStatus.ACTIVE and status == ListingStatus.ACTIVE
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        if republished:  # the host may have moved since it was priced: their payouts must take its currency
            check_currency_receivable(owner=locked.owner, currency=locked.currency)
            listing_changed(listing_id=locked.pk, reason=PUBLISHED)
    return locked


# --- Photos ----------------------------------------------------------------------------

PHOTO_MAX_SIDE = 1600


def _prepare_photos(uploads: list[UploadedFile]) -> list:
    """Check and resize every upload before anything is written; the first bad one refuses them all."""
    prepared = []
    for upload in uploads:
        try:
            prepared.append(normalise_image(upload, max_side=PHOTO_MAX_SIDE))
        except ValidationError as error:
            name = getattr(upload, "name", "photo")
            raise DomainError(f"{name}: {' '.join(error.messages)}", field="photos") from None
    return prepared


def _store_photos(listing: Listing, prepared: list) -> list[ListingPhoto]:
    existing = listing.photos.count()
    if existing + len(prepared) > MAX_PHOTOS_PER_LISTING:
        raise DomainError(
            gettext_noop("A listing holds up to %(count)s photos; it has %(existing)s already."),
            params={"count": MAX_PHOTOS_PER_LISTING, "existing": existing},
            field="photos",
        )
    photos = []
    for offset, content in enumerate(prepared):
        photo = ListingPhoto(listing=listing, position=existing + offset)
        photo.image.save("photo.jpg", content, save=False)
        photo.save()
        photos.append(photo)
    return photos


# --- Owner's calendar ------------------------------------------------------------------


def block_period(
    *, listing: Listing, actor: User, start: datetime, end: datetime, note: str = "", now: datetime | None = None
) -> BusyPeriod:
    """The owner marks a period unavailable (refused over a booking or another block), from now to the horizon."""
    now = now or timezone.now()
    _check_period(start, end)
    if end - start > timedelta(days=366):
        raise DomainError(gettext_noop("Block at most a year at a time."), field="end")
    if end <= now:
        raise DomainError(
            gettext_noop("That day has passed. Pick days from today on."), field="first_day", code="past_dates"
        )
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        check_period(time_zone=locked.time_zone, horizon_days=locked.booking_horizon_days, end=end, now=now)
        return hold_slot(listing=listing, start=start, end=end, source=BusySource.OWNER_BLOCK, note=note)


def unblock_period(*, listing: Listing, actor: User, busy_period_id: int) -> None:
    """The owner frees one of their own blocks; bookings are cancelled through the bookings app, not here."""
    with transaction.atomic():
        _lock_own(listing, actor)
        period = BusyPeriod.objects.filter(pk=busy_period_id, listing_id=listing.pk).first()
        if period is None:
            raise NotFound(gettext_noop("That blocked period does not exist any more."))
        if period.source != BusySource.OWNER_BLOCK:
            raise DomainError(
                gettext_noop("This period is a booking: cancel the booking instead."), field="busy_period"
            )
        release_slot(busy_period=period)


def question_thread_key(*, listing_id: int, requester_id: int) -> str:
    """The pre-booking conversation of one requester with a listing's owner."""
    return f"listing:{listing_id}:user:{requester_id}"


def open_question_thread(*, listing: Listing, requester: User) -> Thread:
    """The requester's question thread with the owner of a listing they can see, created on first ask."""
    if requester.pk == listing.owner_id:
        raise PermissionDenied(gettext_noop("This is your own listing: guests ask you their questions here."))
    if not has_verified_email(requester):
        raise PermissionDenied(
            gettext_noop("Confirm your email address before writing to hosts."), code="email_unverified"
        )
    ensure_not_suspended(requester, doing=gettext_noop("write to hosts"))
    ensure_not_blocked(requester, listing.owner_id, doing=gettext_noop("write to this host"))
    return ensure_thread(
        key=question_thread_key(listing_id=listing.pk, requester_id=requester.pk),
        title=f"Question about {listing.title}",
        link_url=listing.get_absolute_url(),
        participants=[requester, listing.owner],
    )


def pause_listings_of_suspended_owner(*, owner: User) -> int:
    """Take every active listing of a suspended owner out of search and booking; returns how many."""
    with transaction.atomic():
        return Listing.objects.filter(owner=owner, status=ListingStatus.ACTIVE).update(
            status=ListingStatus.PAUSED, updated_at=timezone.now()
        )


# --- Reports and moderation ------------------------------------------------------------------

REPORT_REASON_MAX = 1000


def report_listing(*, listing: Listing, reporter: User, reason: str) -> ListingReport:
    """Anyone logged in may report a listing they can see, once; staff then decide on the desk."""
    text = " ".join((reason or "").split())
    if len(text) < 10:
        raise DomainError(
            gettext_noop("Tell us what is wrong with this listing (at least 10 characters)."), field="reason"
        )
    if len(text) > REPORT_REASON_MAX:
        raise DomainError(
            gettext_noop("Keep the report under %(count)s characters."),
            params={"count": REPORT_REASON_MAX},
            field="reason",
        )
    if reporter.pk == listing.owner_id:
        raise PermissionDenied(gettext_noop("You cannot report your own listing."))
    try:
        with transaction.atomic():
            return ListingReport.objects.create(listing=listing, reporter=reporter, reason=text)
    except IntegrityError:
        raise Conflict(gettext_noop("You have already reported this listing; our team is looking at it.")) from None


def decide_listing_report(*, staff: User, report_id: int, decision: str, reason: str) -> ListingReport:
    """Staff remove the reported listing (soft delete: bookings and the ledger keep pointing at it) or keep it."""
    if not (staff.is_active and staff.is_staff and staff.has_perm("listings.change_listingreport")):
        raise PermissionDenied(gettext_noop("Only Sharing's support staff can decide reports."))
    if decision not in ListingReportDecision.values:
        raise DomainError(gettext_noop("Decide to remove or keep the listing."), field="decision")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(gettext_noop("Give a reason: it is kept on record."), field="reason")
    with transaction.atomic():
        report = ListingReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise NotFound(gettext_noop("No such report."))
        if report.decision:
            if report.decision == decision:
                return report
            raise Conflict(gettext_noop("This report was already decided."))
        if decision == ListingReportDecision.REMOVE:
            Listing.objects.filter(pk=report.listing_id).update(status=ListingStatus.DELETED, updated_at=timezone.now())
        report.decision = decision
        report.decision_reason = reason[:REPORT_REASON_MAX]
        report.decided_by = staff
        report.decided_at = timezone.now()
        report.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    return report
