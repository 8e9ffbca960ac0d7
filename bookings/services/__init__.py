"""Every change of a booking's status: one function per transition, one transaction each, one module per family.

    checkout       request_booking, complete_checkout (3-D Secure), abandon_checkout: a request is made and paid for
    answers        accept_booking, decline_booking (the host), withdraw_booking (the guest, before the answer)
    clock          expire_booking, start_booking, complete_booking, release_payout, advance_due_bookings
    cancellations  cancel_by_guest, cancel_by_host, cancel_for_suspension, guest_refund
    disputes       mark_disputed, clear_dispute: the booking side of a dispute (called by the disputes app)
    steps          what the families share (lock, check, move, notify, confirm); for this package only

Callers import each function from its family's module (`from bookings.services.clock import
complete_booking`): this package re-exports nothing, so a name says where it lives.

The rules every family keeps (each module's docstring adds its own):

Locking order, everywhere: the listing row first, then the booking row(s). Accepting
one request declines the overlapping ones, so two hosts' clicks (or a click and a
timer) on bookings of one listing would otherwise lock each other's rows in
opposite orders; with the listing first they queue. On SQLite the IMMEDIATE
transaction serialises all writers anyway.

Transitions are idempotent: asking for the status a booking already has returns
it unchanged (no second notification, no second history row); asking for a
transition its current status does not allow raises a Conflict with a message
for the person.

MONEY. Each transition decides the booking's money inside its own transaction through
the money port (`bookings.money.money()`, settings.BOOKING_MONEY, by default
payments' Stripe escrow); each family's docstring says which money step its
transitions take. The port checks what the database knows (a DomainError rolls the
status change back) and records the operation; Stripe is called after the commit,
never inside this transaction, and a crash before its answer is recorded is re-driven
with the same key (payments.outbox). Until then the booking page says the money is
pending (`money().money_pending`).

ENDED. A booking that took place and is now over (completed, or cancelled while in
progress) is told after the commit to the hooks named in settings.BOOKING_ENDED_HOOKS
(`bookings.ended`; reviews opens its review window), from `steps._move`, so no
transition can forget it.
"""
