"""Block and report: a person shuts someone out, or tells staff about a person or a message.

Rules of the family:
- A block works both ways and on new things only: neither person can write to the other or ask to
  book the other's listings; bookings made before the block go on as agreed. A conversation that
  support staff have joined (a dispute) stays open, so a dispute can always be settled.
- Anyone logged in may report a person, or a message in a conversation they are part of (never their
  own); one open report per person and one per message. The report keeps a snapshot of the context.
- Staff decide reports on the admin desk; the decision and its reason are kept.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext_lazy

from accounts.models import Block, PersonReport, ReportDecision, User
from core.errors import Conflict, DomainError, NotFound, PermissionDenied

REPORT_REASON_MIN, REPORT_REASON_MAX = 10, 1000
CONTEXT_MESSAGES = 5
# `doing` is marked with gettext_noop by the caller and translated here, with the message.
BLOCKED_MESSAGE = gettext_noop("You cannot %(doing)s: one of you has blocked the other.")


def is_blocked_between(first_id: int | None, second_id: int | None) -> bool:
    """Whether either person has blocked the other."""
    if not first_id or not second_id or first_id == second_id:
        return False
    pair = Q(blocker_id=first_id, blocked_id=second_id) | Q(blocker_id=second_id, blocked_id=first_id)
    return Block.objects.filter(pair).exists()


def blocked_either_way(user_id: int) -> set[int]:
    """Everyone `user_id` has blocked or been blocked by (for filtering a list of people at once)."""
    pairs = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user_id}


def ensure_not_blocked(first: User, second_id: int, *, doing: str) -> None:
    """Refuse what `first` tries towards `second_id` when a block stands between them, saying why."""
    if is_blocked_between(first.pk, second_id):
        raise PermissionDenied(BLOCKED_MESSAGE, params={"doing": gettext(doing)}, code="blocked")


def refuse_blocked_message(*, sender: User, participant_ids: list[int], staff_present: bool) -> None:
    """The realtime message guard (settings.REALTIME_MESSAGE_GUARD): no writing across a block.

    A conversation with support staff in it (a dispute) stays open: the block must not stop a settlement.
    """
    if staff_present or getattr(sender, "is_staff", False):
        return
    others = [pk for pk in participant_ids if pk != sender.pk]
    if (
        others
        and Block.objects.filter(
            Q(blocker_id=sender.pk, blocked_id__in=others) | Q(blocked_id=sender.pk, blocker_id__in=others)
        ).exists()
    ):
        raise PermissionDenied(BLOCKED_MESSAGE, params={"doing": gettext("write in this conversation")}, code="blocked")


def _person(person_id: int) -> User:
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise NotFound(gettext_noop("No such person."), field="person")
    return person


def block_person(*, blocker: User, person_id: int) -> Block:
    """Block someone; blocking them twice is a no-op that returns the existing block."""
    person = _person(person_id)
    if person.pk == blocker.pk:
        raise DomainError(gettext_noop("You cannot block yourself."), field="person")
    if person.is_staff:
        raise PermissionDenied(
            gettext_noop("Sharing's support staff cannot be blocked: report a problem to them instead.")
        )
    with transaction.atomic():
        block, _ = Block.objects.get_or_create(blocker=blocker, blocked=person)
    return block


def unblock_person(*, blocker: User, person_id: int) -> None:
    deleted, _ = Block.objects.filter(blocker=blocker, blocked_id=person_id).delete()
    if not deleted:
        raise NotFound(gettext_noop("You have not blocked this person."), field="person")


def blocked_by(user: User):
    """The people `user` has blocked, newest first."""
    return Block.objects.filter(blocker=user).select_related("blocked")


def _reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) < REPORT_REASON_MIN:
        raise DomainError(
            ngettext_lazy(
                "Tell us what happened (at least %(count)d character).",
                "Tell us what happened (at least %(count)d characters).",
                "count",
            ),
            params={"count": REPORT_REASON_MIN},
            field="reason",
        )
    if len(text) > REPORT_REASON_MAX:
        raise DomainError(
            ngettext_lazy(
                "Keep the report under %(count)d character.", "Keep the report under %(count)d characters.", "count"
            ),
            params={"count": REPORT_REASON_MAX},
            field="reason",
        )
    return text


def _create_report(**fields: object) -> PersonReport:
    try:
        with transaction.atomic():
            return PersonReport.objects.create(**fields)
    except IntegrityError:
        raise Conflict(gettext_noop("You have already reported this; our team is looking at it.")) from None


def report_person(*, reporter: User, person_id: int, reason: str) -> PersonReport:
    """Report a person to staff (fake profile, harassment, fraud...)."""
    text = _reason(reason)
    person = _person(person_id)
    if person.pk == reporter.pk:
        raise DomainError(gettext_noop("You cannot report yourself."), field="person")
    context = f"Reported from {person.public_name}'s profile (member since {person.date_joined:%Y-%m-%d})."
    return _create_report(reporter=reporter, person=person, reason=text, context=context)


def reportable_message(*, reporter: User, message_id: int):
    """A message `reporter` may report: in a conversation they are part of, written by someone else."""
    from realtime.models import Message

    message = (
        Message.objects.select_related("thread", "sender")
        .filter(pk=message_id, thread__memberships__user_id=reporter.pk)
        .first()
    )
    if message is None:
        # Same answer whether the message does not exist or is in someone else's conversation.
        raise NotFound(gettext_noop("No such message."), field="message")
    if message.sender_id == reporter.pk:
        raise DomainError(gettext_noop("You cannot report your own message."), field="message")
    return message


def report_message(*, reporter: User, message_id: int, reason: str) -> PersonReport:
    """Report a message; staff see it with the messages before it and the conversation's title."""
    text = _reason(reason)
    message = reportable_message(reporter=reporter, message_id=message_id)
    earlier = message.thread.messages.filter(pk__lt=message.pk).select_related("sender").order_by("-pk")
    lines = [f"Conversation: {message.thread.title} (thread {message.thread_id})"]
    for m in reversed(list(earlier[:CONTEXT_MESSAGES])):
        lines.append(f"{m.created_at:%Y-%m-%d %H:%M} {m.sender.public_name}: {m.body}")
    lines.append(f">>> {message.created_at:%Y-%m-%d %H:%M} {message.sender.public_name}: {message.body}")
    return _create_report(
        reporter=reporter, person=message.sender, message=message, reason=text, context="\n".join(lines)
    )


def decide_report(*, staff: User, report_id: int, decision: str, reason: str) -> PersonReport:
    """Staff close a report: action taken (e.g. a suspension, done on its own desk) or none needed."""
    if not (staff.is_active and staff.is_staff and staff.has_perm("accounts.change_personreport")):
        raise PermissionDenied(gettext_noop("Only Sharing's support staff can decide reports."))
    if decision not in ReportDecision.values:
        raise DomainError(gettext_noop("Decide: action taken, or no action needed."), field="decision")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(gettext_noop("Give a reason: it is kept on record."), field="reason")
    with transaction.atomic():
        report = PersonReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise NotFound(gettext_noop("No such report."))
        if report.decision:
            raise Conflict(gettext_noop("This report is already decided."))
        report.decision, report.decision_reason = decision, reason
        report.decided_by, report.decided_at = staff, timezone.now()
        report.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    return report
