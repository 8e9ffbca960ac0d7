"""People own their data: "download my data" and "delete my account".

Rules of the family:
- An export is asked for on a page or through the API; the worker builds the archive after the request
  commits, stores it with an unguessable token, and emails the link. The link works for the owner only,
  for EXPORT_TTL; then the archive is emptied (on the next download attempt or by `purge_data_exports`).
- An account is deleted only when nothing is open: no booking requested, confirmed, in progress or
  disputed, as guest or host; no open dispute; no money of theirs still in escrow (paid, not released)
  or owed to them as a host (a waiting payout). The refusal says which.
- Deleting erases or anonymises the personal data (profile, email, photos, messages, notifications,
  exact places of listings, blocks) and deactivates the account. The user row stays as the anonymous
  reference ("Former member", deleted-<id>@deleted.invalid) that bookings, reviews and the ledger point
  at, so every amount and every review stays where it was and `ledger_check` is unaffected.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, ngettext

from accounts import verifications
from accounts.models import Block, User
from bookings.models import Booking, BookingStatus
from bookings.money import booking_reference
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from disputes.models import Dispute, DisputeStatus
from listings import privacy
from listings.models import Listing, ListingStatus
from payments.ledger import balance
from payments.models import ESCROW, LedgerEntry, Payout, host_payable
from personaldata.archive import build_archive
from personaldata.models import DataExport, ExportStatus
from realtime.models import Message, Notification

EXPORT_TTL = timedelta(days=7)
# One archive a day is plenty, and each one costs the worker a full read of the person's records.
EXPORT_INTERVAL = timedelta(hours=24)
FORMER_MEMBER = "Former member"
REMOVED_MESSAGE = "(This message was removed when its author deleted their account.)"
OPEN_BOOKING_STATUSES = (
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
    BookingStatus.DISPUTED,
)
OPEN_DISPUTE_STATUSES = (DisputeStatus.OPEN, DisputeStatus.AWAITING_EVIDENCE)


# --- Download my data --------------------------------------------------------------------------------------


def request_export(*, user: User, now=None) -> DataExport:
    """Ask for an archive; the worker builds it and emails the link. At most one a day."""
    now = now or timezone.now()
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(gettext_noop("Log in to download your data."))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        recent = DataExport.objects.filter(user=user, created_at__gt=now - EXPORT_INTERVAL).first()
        if recent is not None:
            raise Conflict(
                gettext_noop(
                    "You asked for your data less than a day ago: use the link we emailed you (or wait until %(when)s)."
                ),
                params={"when": date_format(timezone.localtime(recent.created_at + EXPORT_INTERVAL), "j M H:i")},
                code="export_too_soon",
            )
        export = DataExport.objects.create(user=user, token=secrets.token_urlsafe(32), created_at=now)
        from personaldata.tasks import build_export_task

        schedule_on_commit(build_export_task, export.pk)
    return export


def build_export(*, export_id: int, now=None) -> DataExport | None:
    """The worker's part: build the archive, store it, then email the link (after the commit)."""
    now = now or timezone.now()
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .select_related("user")
            .filter(pk=export_id, status=ExportStatus.PENDING)
            .first()
        )
        if export is None:
            return None  # Already built (a retried task) or gone with its account.
        export.archive = build_archive(export.user)
        export.status, export.ready_at, export.expires_at = ExportStatus.READY, now, now + EXPORT_TTL
        export.save(update_fields=["archive", "status", "ready_at", "expires_at"])
        user, link, expires = export.user, settings.SITE_URL.rstrip("/") + export.get_absolute_url(), export.expires_at
        transaction.on_commit(lambda: _email_link(user, link, expires), robust=True)
    return export


def _email_link(user: User, link: str, expires) -> None:
    send_mail(
        "Your Sharing data is ready",
        f"Hello {user.public_name},\n\nThe archive of your data on Sharing is ready. Download it here "
        f"(you will be asked to log in):\n\n{link}\n\nThe link works until {expires:%d %B %Y %H:%M} UTC. "
        "If you did not ask for it, change your password and write to support.\n",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


def download(*, user: User, token: str, now=None) -> DataExport:
    """The archive behind a link, for its owner only, until it expires."""
    now = now or timezone.now()
    export = DataExport.objects.filter(token=token).first()
    # The same answer for a wrong token and someone else's: the link names nothing to a stranger.
    if export is None or export.user_id != user.pk:
        raise NotFound(gettext_noop("No such download."))
    if export.status == ExportStatus.PENDING:
        raise Conflict(gettext_noop("Your archive is still being prepared: we will email you when it is ready."))
    if export.status == ExportStatus.EXPIRED or export.expires_at <= now:
        purge_expired_exports(now=now)
        raise Conflict(
            gettext_noop("This link has expired. Ask for a new archive on the My data page."), code="export_expired"
        )
    return export


def purge_expired_exports(*, now=None) -> int:
    """Empty every archive past its expiry (idempotent); returns how many were emptied."""
    now = now or timezone.now()
    return DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now).update(
        status=ExportStatus.EXPIRED, archive=""
    )


# --- Delete my account -------------------------------------------------------------------------------------


def reasons_to_keep(user: User) -> list[str]:
    """Why the account cannot be deleted yet, in words for the person (empty: it can be)."""
    reasons = []
    as_guest = Booking.objects.filter(guest=user, status__in=OPEN_BOOKING_STATUSES).count()
    as_host = Booking.objects.filter(listing__owner=user, status__in=OPEN_BOOKING_STATUSES).count()
    if as_guest:
        reasons.append(
            ngettext(
                "You have %(count)d booking as a guest still open.",
                "You have %(count)d bookings as a guest still open.",
                as_guest,
            )
            % {"count": as_guest}
        )
    if as_host:
        reasons.append(
            ngettext(
                "Guests have %(count)d booking of your listings still open.",
                "Guests have %(count)d bookings of your listings still open.",
                as_host,
            )
            % {"count": as_host}
        )
    disputes = Dispute.objects.filter(
        Q(booking__guest=user) | Q(booking__listing__owner=user), status__in=OPEN_DISPUTE_STATUSES
    ).count()
    if disputes:
        reasons.append(
            ngettext("%(count)d dispute is not settled yet.", "%(count)d disputes are not settled yet.", disputes)
            % {"count": disputes}
        )
    if _money_held_in_escrow(user):
        reasons.append(gettext("Money of a past booking is still held by Sharing until it is paid out or refunded."))
    currencies = set(Payout.objects.filter(host=user).values_list("currency", flat=True))
    waiting = Payout.objects.filter(host=user, status=Payout.Status.WAITING).exists()
    if waiting or any(balance(host_payable(user.pk), currency=c) for c in currencies):
        reasons.append(gettext("Sharing still owes you a payout: it must be paid out first."))
    return reasons


def _money_held_in_escrow(user: User) -> bool:
    """Whether any booking of the person (as guest or host) still has money in escrow (paid, not yet released)."""
    references = [
        booking_reference(pk)
        for pk in Booking.objects.filter(Q(guest=user) | Q(listing__owner=user)).values_list("pk", flat=True)
    ]
    held = (
        LedgerEntry.objects.filter(account=ESCROW, transaction__reference__in=references)
        .values("transaction__reference", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    return held.exists()


def delete_account(*, user: User, confirm_email: str, now=None) -> User:
    """Erase or anonymise the person's data and close the account; refused while anything is open."""
    now = now or timezone.now()
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(gettext_noop("Log in to delete your account."))
    if user.is_staff:
        raise PermissionDenied(gettext_noop("Staff accounts are closed by an administrator, not from this page."))
    if (confirm_email or "").strip().lower() != user.email.lower():
        raise DomainError(gettext_noop("Type the email address of your account to confirm."), field="confirm_email")
    with transaction.atomic():
        # The person's row is the lock: a booking request or a payout decided meanwhile waits for it.
        user = User.objects.select_for_update().get(pk=user.pk)
        reasons = reasons_to_keep(user)
        if reasons:
            raise Conflict(
                " ".join([*reasons, gettext("Your account can be deleted once nothing is open.")]),
                code="account_has_open_items",
            )
        _erase(user)
        avatar = user.avatar.name
        user.email = f"deleted-{user.pk}@deleted.invalid"
        user.display_name = FORMER_MEMBER
        user.bio = user.languages = user.city = ""
        user.avatar = ""
        # Inactive, and a changed (unusable) password: every session and app token of the person ends.
        user.is_active = False
        user.set_unusable_password()
        user.save()
        transaction.on_commit(lambda: _delete_files([avatar]), robust=True)
    return user


def _erase(user: User) -> None:
    EmailAddress.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()
    Message.objects.filter(sender=user).update(body=REMOVED_MESSAGE)
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    DataExport.objects.filter(user=user).delete()
    # Driving licence, identity document and their photos (private storage) go with the account.
    verifications.delete_all_of(user)
    photos = []
    for listing in Listing.objects.filter(owner=user):
        # The home's exact place goes; the listing row stays (bookings and reviews point at it) at its area.
        lat, lng = privacy.area_point(listing.pk, listing.latitude, listing.longitude)
        listing.latitude, listing.longitude = round(lat, 2), round(lng, 2)
        listing.address, listing.description, listing.status = "", "", ListingStatus.DELETED
        listing.save()
        for photo in listing.photos.all():
            photos.append(photo.image.name)
            photo.delete()
    transaction.on_commit(lambda: _delete_files(photos), robust=True)


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)
