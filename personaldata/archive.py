"""What "download my data" contains: everything Sharing holds about one person, as one JSON document.

One section per kind of record, each a list of plain rows (the model's own fields, dates in ISO 8601,
money in minor units with its currency). Secrets are left out: the password hash, session tokens, push keys.
Every field of the User model is either in USER_FIELDS or in USER_FIELDS_LEFT_OUT with the reason
(tests/personaldata/test_export.py fails on a new field that is in neither).
"""

from __future__ import annotations

import json
from typing import Any

from allauth.account.models import EmailAddress
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from accounts.models import Block, PersonReport, User, Verification
from bookings.models import Booking, BookingChange
from dispatch.models import DispatchRequest
from disputes.models import Dispute, DisputeEvidence
from listings.models import Listing
from notifications.models import Preference, PushSubscription
from payments.models import Payment, Payout, PayoutAccount
from promotions.models import CreditMovement, PromoCode, Redemption, Referral
from realtime.models import Message, Notification
from reviews.models import Review

FORMAT_VERSION = 1
USER_FIELDS = [
    "id",
    "email",
    "display_name",
    "avatar",
    "bio",
    "languages",
    "city",
    "country",
    "language",
    "date_joined",
    "last_login",
    "is_active",
    "is_suspended",
    "suspended_at",
    "suspension_reason",
    "is_staff",
    "is_superuser",
]
USER_FIELDS_LEFT_OUT = {
    "password": "a secret: the password's hash tells the person nothing and would help whoever steals the file",
    "groups": "staff roles on the admin desk: how Sharing runs itself, not data about the person",
    "user_permissions": "staff rights on the admin desk, as groups",
}


def _rows(queryset: QuerySet, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    model: type[Model] = queryset.model
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
    return list(queryset.order_by("pk").values(*names))


def _plain(value: Any) -> Any:
    """A stored file as its name (None when there is none); any other value as it is."""
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def build_archive(user: User) -> str:
    """The person's data as a JSON text (what the worker stores and the download serves)."""
    bookings = Booking.objects.filter(Q(guest=user) | Q(listing__owner=user))
    data = {
        "format": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "profile": {name: _plain(getattr(user, name)) for name in USER_FIELDS},
        "email_addresses": _rows(EmailAddress.objects.filter(user=user)),
        "listings": _rows(Listing.objects.filter(owner=user)),
        "bookings_as_guest": _rows(bookings.filter(guest=user)),
        "bookings_as_host": _rows(bookings.filter(listing__owner=user)),
        # Changes of my bookings, asked or answered by either side (dates, guests, new price, answer).
        "booking_changes": _rows(BookingChange.objects.filter(booking__in=bookings), exclude=("payment_id",)),
        "payments": _rows(Payment.objects.filter(payer=user)),
        "payouts": _rows(Payout.objects.filter(host=user)),
        "payout_account": _rows(PayoutAccount.objects.filter(host=user)),
        "reviews_written": _rows(Review.objects.filter(author=user)),
        "reviews_about_me": _rows(Review.objects.filter(subject=user, published_at__isnull=False)),
        "messages_sent": _rows(Message.objects.filter(sender=user)),
        "notifications": _rows(Notification.objects.filter(recipient=user)),
        "disputes": _rows(Dispute.objects.filter(booking__in=bookings)),
        "dispute_evidence_uploaded": _rows(DisputeEvidence.objects.filter(uploader=user)),
        "driver_requests": _rows(DispatchRequest.objects.filter(requester=user)),
        "people_blocked": _rows(Block.objects.filter(blocker=user)),
        "reports_made": _rows(PersonReport.objects.filter(reporter=user), exclude=("decided_by_id",)),
        # The decisions on my documents; the photos themselves are never served back (accounts.verifications).
        "verifications": _rows(Verification.objects.filter(user=user), exclude=("document", "selfie", "decided_by_id")),
        "notification_preferences": _rows(Preference.objects.filter(user=user)),
        "push_devices": _rows(PushSubscription.objects.filter(user=user), exclude=("p256dh", "auth")),
        "promo_codes_made": _rows(PromoCode.objects.filter(host=user)),
        "promo_codes_used": _rows(Redemption.objects.filter(guest=user)),
        "invited_by": _rows(Referral.objects.filter(referred=user), exclude=("referrer_id",)),
        "people_invited": len(Referral.objects.filter(referrer=user)),
        "credit_movements": _rows(CreditMovement.objects.filter(account__user=user).select_related("account")),
    }
    return json.dumps(data, cls=DjangoJSONEncoder, indent=1, ensure_ascii=False)
