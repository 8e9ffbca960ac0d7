"""Handover reports: file one at pickup or return, settle the return once both are answered.

Rules (each refusal is a message for a person):
- only the booking's guest and host file or answer; anyone else is told there is no such booking;
- cars only; pickup from PICKUP_OPENS before the start until the end, while the booking is confirmed
  or under way;
  return once both pickup reports are answered, while under way, completed or disputed, until
  RETURN_CLOSES after the end;
- one report per side and stage; six photos from the fixed angles, checked like every upload
  (core.images) before any transaction opens;
- a return odometer below the highest pickup reading is refused (odometers never run backwards);
- the other side answers a report once, confirming or contesting it (handover.answers); when both
  return reports are answered the settlement is written in the same transaction: driven = lowest
  return reading - highest pickup reading (the benefit of a disagreement goes to the renter; a
  larger one is for a dispute), extra = driven beyond daily_distance_limit_km x started days,
  charged at the listing's extra_km_price; missing fuel or charge = lowest pickup level - highest
  return level (again the renter's benefit), charged at the listing's refuel_price_per_percent per point.
Each charge (kilometres "extras:<booking>", fuel "fuel:<booking>") is its own payment with its own
ledger entries and receipt line. It moves money through the bookings money port after the commit
(`collect_extra_charge`), never inside a transaction: record "due", commit, call the card, record
the answer. Either can be contested in a dispute on the booking (a contested return report opens or
joins one; the dispute shows both reports, their answers and the settlement); support gives back
what it decides through `handover.contests`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus
from bookings.money import money
from bookings.selectors import BOOKING_NOT_FOUND
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.images import normalise_image
from core.tasks import schedule_on_commit
from handover import deposits
from handover.common import handover_url, lock_booking, side_of
from handover.models import (
    Angle,
    ChargeStatus,
    Deposit,
    DepositStatus,
    HandoverPhoto,
    HandoverReport,
    RentalCard,
    Settlement,
    Side,
    Stage,
)
from listings.models import CarDetails, Listing, ListingKind
from realtime.services import notify
from realtime.wording import english, words

PICKUP_OPENS = timedelta(hours=24)
RETURN_CLOSES = timedelta(hours=48)
PHOTO_MAX_SIDE = 1600
NOTES_MAX = 2000
PICKUP_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
# Disputed too: a contested report (handover.answers) must not stop the other side's return report.
RETURN_STATUSES = (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED, BookingStatus.DISPUTED)


def _already_filed(stage: str) -> str:
    if stage == Stage.PICKUP:
        return gettext_noop("You already filed your pickup report.")
    return gettext_noop("You already filed your return report.")


def other_party(booking: Booking, side: str) -> User:
    return booking.listing.owner if side == Side.GUEST else booking.guest


def prepare_photos(photos: Mapping[str, UploadedFile | None]) -> dict[str, ContentFile]:
    """Every fixed angle, checked and re-encoded (outside any transaction); a missing or bad one is refused."""
    prepared = {}
    for angle in Angle:
        upload = photos.get(angle.value)
        if upload is None:
            raise DomainError(
                gettext_noop("Add a photo of the %(angle)s."),
                params={"angle": str(angle.label).lower()},
                field=angle.value,
                code="photo_missing",
            )
        try:
            prepared[angle.value] = normalise_image(upload, max_side=PHOTO_MAX_SIDE)
        except ValidationError as error:
            raise DomainError(
                gettext_noop("The photo of the %(angle)s: %(problem)s"),
                params={"angle": str(angle.label).lower(), "problem": error.messages[0]},
                field=angle.value,
                code="bad_photo",
            ) from None
    return prepared


def _check_numbers(odometer_km: object, fuel_percent: object) -> tuple[int, int]:
    if not isinstance(odometer_km, int) or isinstance(odometer_km, bool) or not 0 <= odometer_km <= 2_000_000:
        raise DomainError(gettext_noop("Enter the odometer reading in whole kilometres."), field="odometer_km")
    if not isinstance(fuel_percent, int) or isinstance(fuel_percent, bool) or not 0 <= fuel_percent <= 100:
        raise DomainError(
            gettext_noop("Enter the fuel or charge level as a percentage from 0 to 100."), field="fuel_percent"
        )
    return odometer_km, fuel_percent


def _check_stage(booking: Booking, stage: str, odometer_km: int, now: datetime) -> None:
    if booking.listing.kind != ListingKind.CAR:
        raise Conflict(gettext_noop("Handover reports are for car rentals only."), code="not_a_car")
    if stage == Stage.PICKUP:
        if booking.status not in PICKUP_STATUSES:
            label = BookingStatus(booking.status).label.lower()
            raise Conflict(
                gettext_noop("This booking is %(status)s: there is no pickup to report."),
                params={"status": label},
                code="wrong_state",
            )
        if now < booking.start - PICKUP_OPENS:
            raise Conflict(gettext_noop("Pickup reports open 24 hours before the start."), code="too_early")
        if now > booking.end:
            # After the end the car's state is the return's: a late pickup report would rewrite the start.
            raise Conflict(gettext_noop("Pickup reports close at the end of the rental."), code="too_late")
        return
    if booking.status not in RETURN_STATUSES:
        label = BookingStatus(booking.status).label.lower()
        raise Conflict(
            gettext_noop("This booking is %(status)s: there is no return to report."),
            params={"status": label},
            code="wrong_state",
        )
    if now > booking.end + RETURN_CLOSES:
        raise Conflict(gettext_noop("Return reports close 48 hours after the end of the rental."), code="too_late")
    pickups = list(booking.handover_reports.filter(stage=Stage.PICKUP).prefetch_related("answers"))
    if len(pickups) < 2 or not all(report.answered for report in pickups):
        raise Conflict(
            gettext_noop("Both pickup reports must be filed and confirmed (or contested) before the return."),
            code="pickup_open",
        )
    highest = max(report.odometer_km for report in pickups)
    if odometer_km < highest:
        raise DomainError(
            gettext_noop("The odometer cannot read less than at pickup (%(km)s km)."),
            params={"km": highest},
            field="odometer_km",
            code="odometer_back",
        )


def card_needed(listing: Listing) -> bool:
    """A car whose rental may cost more than the booking (extra kilometres, fuel, a deposit) keeps the renter's card."""
    car = CarDetails.objects.filter(listing_id=listing.pk).first()
    return car is not None and (car.extra_km_price > 0 or car.deposit_amount > 0 or car.refuel_price_per_percent > 0)


def car_reference(booking_id: int) -> str:
    return f"car:{booking_id}"


def keep_card(*, guest: User, booking_id: int, payment_method: str, now: datetime | None = None) -> RentalCard:
    """Keep the renter's card for the rental and hold the car's deposit on it (before the renter's pickup report).

    Outside any transaction: the bank is called, then the card recorded, then the deposit held
    (handover.deposits). A card whose deposit hold was refused is replaced by the next one given.
    """
    now = now or timezone.now()
    booking = Booking.objects.select_related("listing", "guest").filter(pk=booking_id).first()
    if booking is None:
        raise NotFound(BOOKING_NOT_FOUND)
    if side_of(booking, guest) != Side.GUEST:
        raise PermissionDenied(gettext_noop("Only the renter gives a card for the rental."), code="not_the_renter")
    if booking.listing.kind != ListingKind.CAR:
        raise Conflict(gettext_noop("Handover reports are for car rentals only."), code="not_a_car")
    if booking.status not in PICKUP_STATUSES:
        label = BookingStatus(booking.status).label.lower()
        raise Conflict(
            gettext_noop("This booking is %(status)s: no card is needed for it."),
            params={"status": label},
            code="wrong_state",
        )
    kept = RentalCard.objects.filter(booking=booking).first()
    if kept is not None and not _deposit_missing(booking):
        return kept
    token = money().save_card(payer=guest, payment_method=payment_method, reference=car_reference(booking.pk))
    with transaction.atomic():
        card, created = RentalCard.objects.select_for_update().get_or_create(
            booking=booking, defaults={"token": token, "kept_at": now}
        )
        if not created:
            card.token, card.kept_at = token, now
            card.save(update_fields=["token", "kept_at"])
    deposits.hold_deposit(booking=booking, card=token, now=now)
    return card


def _deposit_missing(booking: Booking) -> bool:
    """The car asks for a deposit and none is held yet."""
    if deposits.deposit_amount(booking) <= 0:
        return False
    return (
        not Deposit.objects.filter(booking=booking)
        .exclude(status__in=(DepositStatus.HOLDING, DepositStatus.FAILED))
        .exists()
    )


def report_payload(report: HandoverReport, said: str | dict) -> dict:
    """`said` is the message's words (realtime.wording), each reader's language; an English str stays as is."""
    booking = report.booking
    message = said if isinstance(said, str) else english(said)
    payload = {
        "booking_id": booking.pk,
        "report_id": report.pk,
        "stage": report.stage,
        "message": message,
        "listing_title": booking.listing.title,
        "title": f"{booking.listing.title}: {message}",
        "url": handover_url(booking.pk),
    }
    if not isinstance(said, str):
        payload["message_words"] = said
    return payload


# Who filed which report, as the other party reads it (one sentence each, so each language says it whole).
REPORT_WAITS = {
    ("host", "pickup"): gettext_noop("The owner's pickup report waits for you"),
    ("host", "return"): gettext_noop("The owner's return report waits for you"),
    ("guest", "pickup"): gettext_noop("The renter's pickup report waits for you"),
    ("guest", "return"): gettext_noop("The renter's return report waits for you"),
}


def file_report(
    *,
    author: User,
    booking_id: int,
    stage: str,
    odometer_km: object,
    fuel_percent: object,
    notes: str = "",
    photos: Mapping[str, UploadedFile | None],
    now: datetime | None = None,
) -> HandoverReport:
    """File the author's report of the car at `stage` ("pickup" or "return"), with a photo from every angle."""
    now = now or timezone.now()
    if stage not in Stage.values:
        raise DomainError(gettext_noop("Say whether this is the pickup or the return."), field="stage")
    odometer, fuel = _check_numbers(odometer_km, fuel_percent)
    text = (notes or "").strip()
    if len(text) > NOTES_MAX:
        raise DomainError(
            gettext_noop("Keep the notes under %(count)s characters."), params={"count": NOTES_MAX}, field="notes"
        )
    prepared = prepare_photos(photos)
    with transaction.atomic():
        booking = lock_booking(booking_id)
        side = side_of(booking, author)
        _check_stage(booking, stage, odometer, now)
        if (
            side == Side.GUEST
            and stage == Stage.PICKUP
            and card_needed(booking.listing)
            and (not RentalCard.objects.filter(booking=booking).exists() or _deposit_missing(booking))
        ):
            raise Conflict(
                gettext_noop(
                    "Give a card for the rental first: the deposit is held and extra kilometres are charged on it."
                ),
                field="payment_method",
                code="card_needed",
            )
        if booking.handover_reports.filter(stage=stage, side=side).exists():
            raise Conflict(_already_filed(stage), code="already_filed")
        try:
            with transaction.atomic():
                report = HandoverReport.objects.create(
                    booking=booking,
                    stage=stage,
                    side=side,
                    author=author,
                    odometer_km=odometer,
                    fuel_percent=fuel,
                    notes=text,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(_already_filed(stage), code="already_filed") from None
        for angle, content in prepared.items():
            photo = HandoverPhoto(report=report, angle=angle)
            photo.image.save(f"{angle}.jpg", content, save=False)
            photo.save()
        notify(
            [other_party(booking, side)],
            "handover.reported",
            report_payload(report, words(REPORT_WAITS[(side, stage)])),
        )
        return report


def included_km(booking: Booking, car: CarDetails) -> int:
    """The daily limit for every started day of the rental (a 25-hour rental includes two days)."""
    days = max(1, math.ceil((booking.end - booking.start) / timedelta(days=1)))
    return car.daily_distance_limit_km * days


def settle_if_complete(booking: Booking, *, now: datetime) -> Settlement | None:
    """Write the return's settlement once both return reports are answered (confirmed or contested)."""
    reports = list(booking.handover_reports.prefetch_related("answers"))
    pickups = [r for r in reports if r.stage == Stage.PICKUP]
    returns = [r for r in reports if r.stage == Stage.RETURN]
    if len(returns) < 2 or not all(r.answered for r in returns) or Settlement.objects.filter(booking=booking).exists():
        return None
    car = CarDetails.objects.get(listing_id=booking.listing_id)
    pickup_km = max(r.odometer_km for r in pickups)
    return_km = min(r.odometer_km for r in returns)
    extra = max(0, return_km - pickup_km - included_km(booking, car))
    amount = extra * car.extra_km_price
    pickup_fuel = min(r.fuel_percent for r in pickups)
    return_fuel = max(r.fuel_percent for r in returns)
    missing = max(0, pickup_fuel - return_fuel)
    fuel_amount = missing * car.refuel_price_per_percent
    settlement = Settlement.objects.create(
        booking=booking,
        pickup_km=pickup_km,
        return_km=return_km,
        included_km=included_km(booking, car),
        extra_km=extra,
        extra_km_price=car.extra_km_price,
        extra_amount=amount,
        currency=booking.currency,
        charge_status=ChargeStatus.DUE if amount else ChargeStatus.NOTHING,
        pickup_fuel_percent=pickup_fuel,
        return_fuel_percent=return_fuel,
        missing_fuel_percent=missing,
        refuel_price_per_percent=car.refuel_price_per_percent,
        fuel_amount=fuel_amount,
        fuel_charge_status=ChargeStatus.DUE if fuel_amount else ChargeStatus.NOTHING,
        created_at=now,
    )
    if amount or fuel_amount:
        from handover import tasks

        schedule_on_commit(tasks.collect_extra_charge_task, settlement.pk)
    return settlement


def extra_reference(booking_id: int) -> str:
    return f"extras:{booking_id}"


def fuel_reference(booking_id: int) -> str:
    return f"fuel:{booking_id}"


@dataclass(frozen=True)
class Charge:
    """One of the return's two charges: which Settlement fields hold it, its payment reference, what it says."""

    amount: str
    status: str
    payment_id: str
    error: str
    charged_at: str
    reference: Callable[[int], str]

    def message(self, settlement: Settlement) -> str:
        return english(self.words(settlement))

    def words(self, settlement: Settlement) -> dict:
        if self is KILOMETRES:
            return words(
                gettext_noop("%(extra)s km beyond the included %(included)s km were charged"),
                extra=settlement.extra_km,
                included=settlement.included_km,
            )
        return words(
            gettext_noop("%(percent)s %% of fuel or charge missing at the return was charged"),
            percent=settlement.missing_fuel_percent,
        )


KILOMETRES = Charge("extra_amount", "charge_status", "charge_payment_id", "charge_error", "charged_at", extra_reference)
FUEL = Charge(
    "fuel_amount", "fuel_charge_status", "fuel_payment_id", "fuel_charge_error", "fuel_charged_at", fuel_reference
)


def collect_extra_charge(*, settlement_id: int, now: datetime | None = None) -> Settlement:
    """Charge what is due of the return (kilometres, then fuel) on the renter's card, each as its own payment.

    Outside any transaction; each answer is recorded in a short transaction of its own. Idempotent:
    the money port charges once per reference ("extras:<booking id>", "fuel:<booking id>"), so a
    retry after a crash between the call and the record finds the first charge instead of making
    a second. A refusal of either is raised after both were tried.
    """
    now = now or timezone.now()
    refused: DomainError | None = None
    for charge in (KILOMETRES, FUEL):
        try:
            _collect(settlement_id, charge, now=now)
        except DomainError as error:
            refused = refused or error
    if refused is not None:
        raise refused
    return Settlement.objects.get(pk=settlement_id)


def _collect(settlement_id: int, charge: Charge, *, now: datetime) -> None:
    settlement = Settlement.objects.select_related("booking__listing__owner", "booking__guest").get(pk=settlement_id)
    if getattr(settlement, charge.status) not in (ChargeStatus.DUE, ChargeStatus.FAILED):
        return
    booking = settlement.booking
    card = RentalCard.objects.filter(booking=booking).first()
    try:
        if card is None:
            raise Conflict(gettext_noop("No card was kept for this rental."), code="card_missing")
        payment_id = money().charge_extra(
            card=card.token,
            reference=charge.reference(booking.pk),
            payer=booking.guest,
            host=booking.listing.owner,
            amount=getattr(settlement, charge.amount),
            currency=settlement.currency,
        )
    except DomainError as error:
        with transaction.atomic():
            locked = Settlement.objects.select_for_update().get(pk=settlement_id)
            if getattr(locked, charge.status) == ChargeStatus.DUE:
                setattr(locked, charge.status, ChargeStatus.FAILED)
            setattr(locked, charge.error, error.message[:300])
            locked.save(update_fields=[charge.status, charge.error])
        raise
    with transaction.atomic():
        locked = Settlement.objects.select_for_update().get(pk=settlement_id)
        if getattr(locked, charge.status) == ChargeStatus.CHARGED:
            return
        setattr(locked, charge.status, ChargeStatus.CHARGED)
        setattr(locked, charge.payment_id, payment_id)
        setattr(locked, charge.error, "")
        setattr(locked, charge.charged_at, now)
        locked.save(update_fields=[charge.status, charge.payment_id, charge.error, charge.charged_at])
        said = charge.words(locked)
        message = english(said)
        notify(
            [booking.guest, booking.listing.owner],
            "handover.extra_charged",
            {
                "booking_id": booking.pk,
                "message": message,
                "message_words": said,
                "listing_title": booking.listing.title,
                "title": f"{booking.listing.title}: {message}",
                "url": handover_url(booking.pk),
            },
        )


def collect_due_extra_charges(*, now: datetime | None = None, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Re-drive return charges still due whose task was lost (the sweep); returns how many settlements were charged.

    Only `due` ones: a charge the card refused (`failed`) waits for support, so a declined card is not
    tried every five minutes.
    """
    now = now or timezone.now()
    charged = 0
    due = Settlement.objects.filter(
        Q(charge_status=ChargeStatus.DUE) | Q(fuel_charge_status=ChargeStatus.DUE), created_at__lte=now - older_than
    )
    for settlement_id in due.order_by("pk").values_list("pk", flat=True):
        charged_now = False
        for charge in (KILOMETRES, FUEL):
            if Settlement.objects.filter(pk=settlement_id, **{charge.status: ChargeStatus.DUE}).exists():
                try:
                    _collect(settlement_id, charge, now=now)
                except DomainError:
                    continue
                charged_now = True
        charged += charged_now
    return charged
