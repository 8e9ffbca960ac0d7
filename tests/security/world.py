"""One marketplace in every state an attacker could aim at, owned by host A and guest G.

Built once per test module (money moves through the localstripe harness, which costs
seconds) inside a transaction that is rolled back afterwards; each test runs in a
savepoint inside it, so what one attempt writes never reaches the next.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from accounts import verifications
from accounts.models import User, Verification
from accounts.safety import block_person
from bookings.models import Booking, PendingCheckout
from bookings.services.checkout import booking_thread_key
from bookings.services.clock import complete_booking, start_booking
from core.errors import AuthenticationRequired
from discovery import favourites as favourite_services
from discovery import saved_searches as saved_search_services
from discovery.models import FavouriteList, SavedSearch
from dispatch.models import DispatchRequest
from disputes import services as dispute_services
from disputes.models import Category, Dispute
from disputes.suspensions import suspend_user
from handover import services as handover_services
from handover.models import Angle, Deposit, HandoverReport
from listings import photos as listing_photos
from listings import services as listing_services
from listings.models import BusyPeriod, CarDetails, Listing, ListingPhoto
from payments.models import GUEST_FUNDING, LedgerTransaction, Payment, PayoutAccount
from payments.services import payout_accounts
from personaldata import services as data_services
from personaldata.models import DataExport
from promotions.models import PromoCode
from promotions.services import create_code
from realtime import services as realtime_services
from realtime.models import Notification, Thread
from receipts import services as receipt_services
from receipts.content import month_bounds
from receipts.models import Document
from reviews import services as review_services
from reviews.models import Review, ReviewReport
from tests.bookings.factories import NOW, request_hours, request_room
from tests.conftest import make_user
from tests.dispatch.factories import NOW as DISPATCH_NOW
from tests.dispatch.factories import provider, request_driver
from tests.listings.factories import make_listing
from tests.payments.fixtures import THREE_D_SECURE, card, onboard
from tests.reviews.factories import guest_review, host_review

# What only A, G and the people they deal with may read: none of it may appear in a stranger's page or JSON.
SECRET_MESSAGE = "The key is under the blue flowerpot, code 4711."
PAUSED_TITLE = "Hidden loft while the owner is away"
PRIVATE_LIST_NAME = "Ada's secret weekend plans"
SECRET_CAR_NOTE = "Spare key in the glovebox, alarm code 2468."


@dataclass(frozen=True)
class Place:
    """Where one of A's listings really is: private until a booking of it is confirmed (listings.privacy)."""

    address: str
    latitude: float
    longitude: float

    @property
    def fields(self) -> dict:
        return {"address": self.address, "latitude": self.latitude, "longitude": self.longitude}

    def shown_in(self, text: str) -> bool:
        """Whether `text` gives the place away: its street address, or both coordinates to ~10 m."""
        lat, lng = f"{self.latitude:.6f}"[:-2], f"{self.longitude:.6f}"[:-2]
        return self.address in text or (lat in text and lng in text)


# Distinct places, so that seeing one (G's confirmed booking) is not mistaken for seeing another;
# ASCII addresses, so they read the same in HTML and in JSON (which escapes accents).
PLACES = {
    "listing": Place("17 Rue des Jardins Secrets, Paris", 48.861234, 2.341876),
    "instant": Place("5 Impasse des Lilas Caches, Paris", 48.872468, 2.331357),
    "paused": Place("9 Quai du Loft Absent, Paris", 48.851579, 2.362468),
    "car": Place("8 Rue du Parking Prive, Paris", 48.866642, 2.322519),
    "driver": Place("3 Allée du Garage Discret, Paris", 48.842135, 2.352791),
}


def jpeg(size: tuple[int, int] = (40, 30), name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@dataclass
class World:
    host: User  # "A": owns the listings, hosts every booking
    guest: User  # "G": A's guest; the other party of each booking
    second_user: User  # "B": verified, logged in, party to nothing of A's
    suspended: User  # "S": verified, suspended by support staff, party to nothing of A's
    staff: User  # support staff (suspended S), without the permission to see identity documents
    reviewer: User  # staff who review identity documents and licences (the only ones who see their photos)
    listing: Listing  # A's active room, requests need A's answer
    instant: Listing  # A's active instant-book room (confirmed, completed and disputed bookings)
    paused: Listing  # A's paused listing: a 404 for everybody else
    photo: ListingPhoto
    block: BusyPeriod  # A's own block on the calendar
    requested: Booking  # G asked, A has not answered
    confirmed: Booking  # paid, in escrow, in the future
    completed: Booking  # took place; both reviews published
    half_reviewed: Booking  # took place; only G has written (the review is G's alone)
    disputed: Booking
    dispute: Dispute
    published_review: Review  # G's review of A, public
    private_review: Review  # G's unpublished review
    report: ReviewReport  # G reported A's published review
    checkout: PendingCheckout  # G's booking waiting for the bank (3-D Secure)
    checkout_payment: Payment
    booking_payment: Payment
    payout_account: PayoutAccount
    thread: Thread
    notification: Notification  # one of A's notifications
    blocked: User  # someone G has blocked (accounts.safety)
    export: DataExport  # G's "download my data" archive, ready
    driver: Listing  # A's driving service, switched "available now" near G
    ride: DispatchRequest  # G asked for a driver now; A's driver has the offer
    favourites: FavouriteList  # A's private list, holding A's active room
    saved_search: SavedSearch  # A's saved search
    promo_code: PromoCode  # A's own promo code for A's listings (host-funded)
    car_rental: Booking  # G rents A's car (confirmed); A filed the pickup report, not yet confirmed
    car_report: HandoverReport  # A's pickup report of the car, with its photos (private files)
    deposit: Deposit  # the car's deposit, held on G's kept card
    identity: Verification  # G's identity document and selfie, waiting for review (private files)
    stripe_key: str
    # Issued by `issue_documents` once the world's payments are charged (after build_world).
    receipt: Document = None  # type: ignore[assignment]  # G's receipt of the confirmed booking's payment
    statement: Document = None  # type: ignore[assignment]  # A's monthly statement (PDF and CSV)
    # Every domain row as built; each test runs in a savepoint rolled back after it, so this is
    # the state at the start of every test and is taken once (fast fingerprint and readable rows).
    baseline: dict[str, str | None] = field(default_factory=dict)
    baseline_rows: dict[str, list[str]] = field(default_factory=dict)

    def changed(self) -> dict[str, dict[str, list]]:
        """What differs from the world as built (empty when an attempt changed nothing)."""
        if snapshot() == self.baseline:
            return {}
        return changes(self.baseline_rows, rows()) or {"(fingerprint)": {"new": ["differs"], "gone_or_changed": []}}

    def private_strings(self) -> list[str]:
        """Strings that only A, G (and staff) may see, for the leak checks."""
        return [
            SECRET_MESSAGE,
            self.export.token,
            PAUSED_TITLE,
            self.host.email,
            self.guest.email,
            self.payout_account.stripe_account_id,
            str(self.checkout.uid),
            PRIVATE_LIST_NAME,
            SECRET_CAR_NOTE,
            self.favourites.share_token,
        ]


def build_world(*, stripe_base: str, stripe_key: str) -> World:
    host = make_user(display_name="Ada Host", country="FR")
    guest = make_user(display_name="Gus Guest")
    second_user = make_user(display_name="Bea Stranger")
    suspended = make_user(display_name="Sid Suspended")
    staff = make_user(display_name="Sam Support", is_staff=True)
    staff.groups.add(Group.objects.get(name="support"))
    reviewer = make_user(display_name="Rita Reviewer", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="review_verification"))

    payout_accounts.start_payout_onboarding(
        host=host, refresh_url="http://testserver/r", return_url="http://testserver/o"
    )
    payout_account = PayoutAccount.objects.get(host=host)
    onboard(stripe_base, payout_account.stripe_account_id)
    payout_account = payout_accounts.refresh_payout_account(stripe_account_id=payout_account.stripe_account_id)

    listing = make_listing(owner=host, title="Ada's quiet room", instant_book=False, **PLACES["listing"].fields)
    instant = make_listing(owner=host, title="Ada's instant room", instant_book=True, **PLACES["instant"].fields)
    paused = make_listing(owner=host, title=PAUSED_TITLE, **PLACES["paused"].fields)
    listing_services.set_listing_status(listing=paused, actor=host, status="paused")
    (photo,) = listing_photos.add_photos(listing=listing, actor=host, uploads=[jpeg()])
    block = listing_services.block_period(
        listing=listing,
        actor=host,
        start=datetime(2027, 6, 1, tzinfo=UTC),
        end=datetime(2027, 6, 4, tzinfo=UTC),
        note="Family visit",
        now=NOW,
    )

    requested = request_room(listing=listing, guest=guest)
    confirmed = request_room(listing=instant, guest=guest, check_in=date(2027, 4, 5), check_out=date(2027, 4, 8))
    completed = _completed(instant, guest, date(2027, 2, 1), date(2027, 2, 3))
    half_reviewed = _completed(instant, guest, date(2027, 2, 10), date(2027, 2, 12))
    published_review = guest_review(completed)
    host_review(completed)
    published_review.refresh_from_db()
    private_review = guest_review(half_reviewed)
    report = review_services.report_review(
        reporter=guest, review_id=Review.objects.get(booking=completed, author=host).pk, reason="Not true at all."
    )

    disputed = request_room(listing=instant, guest=guest, check_in=date(2027, 5, 5), check_out=date(2027, 5, 8))
    dispute = dispute_services.open_dispute(
        user=guest,
        booking_id=disputed.pk,
        category=Category.DAMAGE,
        description="The heating was broken all weekend.",
        now=disputed.start + timedelta(hours=2),
    )

    try:
        request_room(
            listing=instant,
            guest=guest,
            check_in=date(2027, 7, 1),
            check_out=date(2027, 7, 3),
            card_number=THREE_D_SECURE,
        )
    except AuthenticationRequired as pending:
        checkout = pending.subject
    else:  # pragma: no cover - the harness always asks for 3-D Secure with this card
        raise AssertionError("the 3-D Secure card did not ask for authentication")
    checkout_payment = Payment.objects.get(pk=checkout.payment_id)
    booking_payment = Payment.objects.get(reference=f"booking:{confirmed.pk}")

    thread = realtime_services.ensure_thread(
        key=booking_thread_key(confirmed.pk),
        title="Ada's instant room, April",
        link_url=confirmed.get_absolute_url(),
        participants=[guest, host],
    )
    realtime_services.post_message(thread=thread, sender=guest, body=SECRET_MESSAGE)
    notification = Notification.objects.filter(recipient=host).latest("pk")

    driver = provider(owner=host, title="Ada drives", **PLACES["driver"].fields)
    ride = request_driver(requester=guest, now=DISPATCH_NOW)
    assert ride.offers.filter(listing=driver).exists()

    favourites = favourite_services.create_list(owner=host, name=PRIVATE_LIST_NAME)
    favourite_services.add_to_list(owner=host, listing_id=instant.pk, list_id=favourites.pk)
    saved_search = saved_search_services.save_search(
        owner=host, name="Rooms near Lyon", latitude=45.76, longitude=4.84, radius_km=10
    )
    promo_code = create_code(
        by=host,
        code="ADA-10",
        funded_by="host",
        percent=Decimal(10),
        valid_from=NOW,
        valid_until=NOW + timedelta(days=365),
    )

    # G's licence (verified, as make_user gives every person) with its photos, and G's identity document
    # waiting for review, for the document routes.
    licence = guest.verifications.get(kind="licence")
    licence.document.save("document.jpg", jpeg(), save=False)
    licence.selfie.save("selfie.jpg", jpeg(), save=True)
    identity = verifications.submit(
        user=guest, kind="identity", document=jpeg(), selfie=jpeg(), birth_date=date(1990, 4, 2)
    )
    car_rental, car_report = _car_handover(host, guest)
    deposit = Deposit.objects.get(booking=car_rental)

    suspend_user(staff=staff, person_id=suspended.pk, reason="Fraudulent listings.", now=NOW)
    blocked = make_user(display_name="Bo Blocked")
    block_person(blocker=guest, person_id=blocked.pk)
    export = data_services.build_export(export_id=data_services.request_export(user=guest).pk)
    return World(
        host=host,
        guest=guest,
        second_user=second_user,
        suspended=suspended,
        staff=staff,
        reviewer=reviewer,
        listing=listing,
        instant=instant,
        paused=paused,
        photo=photo,
        block=block,
        requested=requested,
        confirmed=confirmed,
        completed=completed,
        half_reviewed=half_reviewed,
        disputed=disputed,
        dispute=dispute,
        published_review=published_review,
        private_review=private_review,
        report=report,
        checkout=checkout,
        checkout_payment=checkout_payment,
        booking_payment=booking_payment,
        payout_account=payout_account,
        thread=thread,
        notification=notification,
        blocked=blocked,
        export=export,
        driver=driver,
        ride=ride,
        favourites=favourites,
        saved_search=saved_search,
        promo_code=promo_code,
        car_rental=car_rental,
        car_report=car_report,
        deposit=deposit,
        identity=identity,
        stripe_key=stripe_key,
    )


def issue_documents(world: World) -> None:
    """G's receipt of the confirmed booking's payment and A's statement of this month (issued as if it were over);
    run once the world's payments are charged."""
    capture = LedgerTransaction.objects.get(reference=f"booking:{world.confirmed.pk}", entries__account=GUEST_FUNDING)
    receipt = receipt_services.issue_receipt(ledger_transaction_id=capture.pk)
    assert receipt is not None
    month = timezone.now().date().replace(day=1)
    world.receipt = receipt
    world.statement = receipt_services.issue_statement(host_id=world.host.pk, month=month, now=month_bounds(month)[1])


def _car_handover(host: User, guest: User) -> tuple[Booking, HandoverReport]:
    car = make_listing(owner=host, kind="car", title="Ada's car", instant_book=True, **PLACES["car"].fields)
    start = datetime(2027, 8, 2, 9, 0, tzinfo=UTC)
    CarDetails.objects.filter(listing=car).update(deposit_amount=30_000, extra_km_price=20)
    rental = request_hours(listing=car, guest=guest, start=start, hours=24)
    handover_services.keep_card(guest=guest, booking_id=rental.pk, payment_method=card(), now=start)
    report = handover_services.file_report(
        author=host,
        booking_id=rental.pk,
        stage="pickup",
        odometer_km=42_000,
        fuel_percent=90,
        notes=SECRET_CAR_NOTE,
        photos={angle.value: jpeg(name=f"{angle.value}.jpg") for angle in Angle},
        now=start,
    )
    return rental, report


def _completed(listing: Listing, guest: User, check_in: date, check_out: date) -> Booking:
    booking = request_room(listing=listing, guest=guest, check_in=check_in, check_out=check_out)
    start_booking(booking_id=booking.pk, now=booking.start)
    return complete_booking(booking_id=booking.pk, now=booking.end)


def new_stripe_key() -> str:
    return "sk_test_" + uuid.uuid4().hex


# --- "Nothing changed" -----------------------------------------------------------------------------------
# Every row of every domain table; what an attempt may legitimately touch is left out:
# the session machinery and the person's own last log-in time.
DOMAIN_APPS = {
    "accounts",
    "promotions",
    "account",
    "listings",
    "bookings",
    "payments",
    "reviews",
    "realtime",
    "disputes",
    "dispatch",
    "personaldata",
    "discovery",
    "handover",
    "receipts",
}
IGNORED_COLUMNS = {("accounts.User", "last_login")}


def _domain_tables() -> list[tuple[str, str, str, list[str]]]:
    """(label, table, primary key column, compared columns) of every domain model."""
    tables = []
    for model in apps.get_models():
        if model._meta.app_label not in DOMAIN_APPS or not model._meta.managed or model._meta.proxy:
            continue
        label = model._meta.label
        columns = [f.column for f in model._meta.concrete_fields if (label, f.attname) not in IGNORED_COLUMNS]
        tables.append((label, model._meta.db_table, model._meta.pk.column, columns))
    return tables


def _fingerprint_sql() -> tuple[list[str], str]:
    """One statement reading every domain table as text, so a check costs one round trip, not forty."""
    quote = connection.ops.quote_name
    labels, parts = [], []
    for label, table, pk, columns in _domain_tables():
        labels.append(label)
        if connection.vendor == "postgresql":
            row = "ROW(" + ", ".join(quote(c) for c in columns) + ")::text"
            parts.append(f"(SELECT string_agg({row}, '|' ORDER BY {quote(pk)}) FROM {quote(table)})")
        else:
            row = " || ',' || ".join(f"quote({quote(c)})" for c in columns)
            parts.append(
                f"(SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {quote(table)} ORDER BY {quote(pk)}))"
            )
    return labels, "SELECT " + ", ".join(parts)


def snapshot() -> dict[str, str | None]:
    """Each domain table as one text value (its rows in id order)."""
    labels, sql = _fingerprint_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(labels, cursor.fetchone(), strict=True))


def rows() -> dict[str, list[str]]:
    """Each domain table as the repr of its rows: slower than snapshot(), used to say what changed."""
    state: dict[str, list[str]] = {}
    for model in apps.get_models():
        label = model._meta.label
        if label not in {t[0] for t in _domain_tables()}:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if (label, f.attname) not in IGNORED_COLUMNS]
        state[label] = [repr(row) for row in model._base_manager.order_by("pk").values_list(*columns)]
    return state


def changes(before: dict[str, list[str]], after: dict[str, list[str]]) -> dict[str, dict[str, list]]:
    """Per table, the rows that appeared and the rows that went away or changed (empty when nothing changed)."""
    diff = {}
    for label in before:
        old, new = set(before[label]), set(after[label])
        if old != new:
            diff[label] = {"new": sorted(new - old)[:5], "gone_or_changed": sorted(old - new)[:5]}
    return diff
