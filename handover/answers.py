"""Each side's answer to the other side's handover report: confirm it, or contest named parts of it.

Rules (each refusal is a message for a person):
- only the other party on the booking answers a report: its author is told the other party does,
  support staff that they read reports but do not answer them, anyone else that there is no such
  report;
- an answer is final: one per report and person (a database constraint); a second is refused;
- a pickup report is answered while the booking is confirmed, under way, completed or disputed; a
  return report while under way, completed or disputed; a cancelled or declined booking's never;
- a contest names what it contests (the odometer, the fuel or charge level, the photos and the
  car's condition) and says why in CONTEST_REASON_MIN to CONTEST_REASON_MAX characters;
- contesting a return report opens a dispute on the booking, or joins the open one
  (disputes.joining), so that support sees it with both reports and settles any return charge there
  (handover.contests); a contested pickup report is kept on the record for a later dispute;
- either answer lets the handover go on: the return opens once both pickup reports are answered,
  and the return's settlement is written once both return reports are (handover.services);
- the report's author is told (handover.confirmed, handover.contested), after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from disputes.joining import join_open_dispute
from disputes.models import Category
from handover.common import lock_booking, side_of
from handover.models import (
    CONTEST_REASON_MAX,
    CONTEST_REASON_MIN,
    AnswerKind,
    HandoverReport,
    ReportAnswer,
    Side,
    Stage,
)
from handover.services import report_payload, settle_if_complete
from realtime.services import notify
from realtime.wording import words

REPORT_NOT_FOUND = gettext_noop("No such report.")
# What a contest can name, as the form and the API say it, with the answer's flag and how a person reads it.
CONTESTABLE: dict[str, tuple[str, str]] = {
    "odometer": ("contests_odometer", "the odometer"),
    "fuel": ("contests_fuel", "the fuel or charge level"),
    "condition": ("contests_condition", "the photos and the car's condition"),
}
ANSWER_STATUSES = {
    Stage.PICKUP: (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED, BookingStatus.DISPUTED),
    Stage.RETURN: (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED, BookingStatus.DISPUTED),
}


def contest_reason(reason: object) -> str:
    """The contest's reason, stripped; refused when too short or too long."""
    words = (reason if isinstance(reason, str) else "").replace("\r\n", "\n").strip()
    if len(words) < CONTEST_REASON_MIN:
        raise DomainError(
            gettext_noop("Say why you contest the report, in at least %(count)s characters."),
            params={"count": CONTEST_REASON_MIN},
            field="reason",
            code="reason_too_short",
        )
    if len(words) > CONTEST_REASON_MAX:
        raise DomainError(
            gettext_noop("Keep the reason under %(count)s characters; this one has %(length)s."),
            params={"count": CONTEST_REASON_MAX, "length": len(words)},
            field="reason",
            code="reason_too_long",
        )
    return words


def contested_fields(fields: object) -> list[str]:
    """The parts of the report contested, in a fixed order; refused when none or an unknown one is named."""
    given = [fields] if isinstance(fields, str) or not isinstance(fields, Iterable) else list(fields)
    named = [name for name in given if isinstance(name, str) and name in CONTESTABLE]
    if not named or len(named) != len(given):
        raise DomainError(
            gettext_noop("Say what you contest: the odometer, the fuel or charge level, or the photos and condition."),
            field="fields",
            code="fields_missing",
        )
    return [name for name in CONTESTABLE if name in named]


def _locked_report(user: User, report_id: int) -> tuple[Booking, HandoverReport, str]:
    """Lock the report's booking, then the report; the answering party's side, or the refusal."""
    booking_id = (
        HandoverReport.objects.filter(pk=report_id).values_list("booking_id", flat=True).first()
        if isinstance(report_id, int) and 0 < report_id < 2**63
        else None
    )
    if booking_id is None or not user.is_authenticated:
        raise NotFound(REPORT_NOT_FOUND)
    booking = lock_booking(booking_id)
    report = HandoverReport.objects.select_for_update().select_related("author").get(pk=report_id)
    if user.pk not in (booking.guest_id, booking.listing.owner_id):
        if user.is_staff:
            raise PermissionDenied(
                gettext_noop("Only the other party on the booking confirms or contests a report; support reads it."),
                code="not_a_party",
            )
        raise NotFound(REPORT_NOT_FOUND)
    side = side_of(booking, user)
    if side == report.side:
        raise PermissionDenied(
            gettext_noop("The other party confirms or contests your report, not you."), code="own_report"
        )
    if booking.status not in ANSWER_STATUSES[Stage(report.stage)]:
        label = BookingStatus(booking.status).label.lower()
        raise Conflict(
            gettext_noop("This booking is %(status)s: its reports can no longer be answered."),
            params={"status": label},
            code="wrong_state",
        )
    earlier = report.answers.filter(answered_by=user).first()
    if earlier is not None or report.confirmed:
        done = (
            gettext_noop("You already contested this report: an answer is final.")
            if earlier is not None and earlier.contested
            else gettext_noop("You already confirmed this report: an answer is final.")
        )
        raise Conflict(done, code="already_answered")
    return booking, report, side


def _record(report: HandoverReport, **fields: object) -> ReportAnswer:
    try:
        with transaction.atomic():
            return ReportAnswer.objects.create(report=report, **fields)
    except IntegrityError:
        # Two answers raced past the check above; the database keeps the first.
        raise Conflict(
            gettext_noop("You already answered this report: an answer is final."), code="already_answered"
        ) from None


def confirm_report(*, user: User, report_id: int, now: datetime | None = None) -> HandoverReport:
    """The other party confirms a report; answering the second return report settles the return."""
    now = now or timezone.now()
    with transaction.atomic():
        booking, report, side = _locked_report(user, report_id)
        report.confirmed_at = now
        report.save(update_fields=["confirmed_at"])
        _record(report, answered_by=user, side=side, kind=AnswerKind.CONFIRM, created_at=now)
        notify(
            [report.author],
            "handover.confirmed",
            report_payload(report, words(gettext_noop("Your handover report was confirmed"))),
        )
        if report.stage == Stage.RETURN:
            settle_if_complete(booking, now=now)
        return report


def contest_report(
    *, user: User, report_id: int, reason: object, fields: object, now: datetime | None = None
) -> HandoverReport:
    """The other party contests parts of a report; a return report's contest opens or joins the booking's dispute."""
    now = now or timezone.now()
    words = contest_reason(reason)
    named = contested_fields(fields)
    what = ", ".join(CONTESTABLE[name][1] for name in named)
    with transaction.atomic():
        booking, report, side = _locked_report(user, report_id)
        dispute_id = None
        if report.stage == Stage.RETURN:
            contester, author = Side(side).label.lower(), Side(report.side).label.lower()
            dispute_id = join_open_dispute(
                user=user,
                booking_id=booking.pk,
                category=Category.DAMAGE if "condition" in named else Category.PAYMENT,
                description=f"The {contester} contests the {author}'s return report ({what}): {words}",
                now=now,
            ).dispute.pk
        _record(
            report,
            answered_by=user,
            side=side,
            kind=AnswerKind.CONTEST,
            reason=words,
            dispute_id=dispute_id,
            created_at=now,
            **{CONTESTABLE[name][0]: True for name in named},
        )
        stage = Stage(report.stage).label.lower()
        payload = report_payload(report, f"The {Side(side).label.lower()} contested your {stage} report ({what})")
        notify([report.author], "handover.contested", {**payload, "dispute_id": dispute_id})
        if report.stage == Stage.RETURN:
            settle_if_complete(booking, now=now)
        return report
