"""Money operations on guest payments and host payouts, through Stripe, one module per family.

    guest_payments   authorize_payment, set_payment_reference, refresh_payment, capture_payment,
                     cancel_payment, refund_payment, freeze_payment, unfreeze_payment: the guest's card
    host_payouts     release_payout, release_escrow, send_payout, retry_waiting_payouts, reverse_payout,
                     return_platform_fee: escrow to the host's payable and Sharing's fee, then transfers
    saved_cards      save_card, refresh_saved_card: a far-ahead booking's card saved (Customer + SetupIntent)
                     for an off-session charge later (the charge is the outbox's "charge" operation)
    payout_accounts  start_payout_onboarding, refresh_payout_account: hosts' Stripe Connect accounts
    recording        lock_payment, post_capture, post_refund, apply_payment_intent: what Stripe did, into
                     the ledger (shared by the families, the money outbox and webhook processing)

Callers import each function from its family's module (`from payments.services.host_payouts
import release_payout`): this package re-exports nothing, so a name says where it lives.

The rules every family keeps: each operation locks the payment (or payout) row, calls
Stripe with an idempotency key derived from the object and the action, and records the
result in the ledger in a short transaction. If Stripe refuses, nothing changes; if the
process dies after Stripe acted but before the commit, running the operation again sends
the same key, gets Stripe's stored answer, and records it once. Locking order: the
payment, then its payout (`host_payouts.lock_payout`).

Bookings do not call capture/cancel/refund here from their transactions: the escrow port
records them in the money outbox (`payments.outbox`), which sends them after the commit.
`send_payout` itself runs in phases (claim, transfer with no transaction open, record);
`release_escrow` is the ledger-only half of `release_payout`.
"""
