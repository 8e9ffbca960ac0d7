"""What paid a booking, by tender (card, Sharing's promotion, the guest's credit, a host-funded discount), and
the one rule that splits a refund between them (`refund_tenders_of_rest`): cancellations, the dispute desk and
the receipts all use it."""

from __future__ import annotations

from dataclasses import dataclass

from bookings.pricing import Quote, share


@dataclass(frozen=True)
class Tenders:
    """What paid a booking (or what is left of each, not given back yet): the card, Sharing's promotion and
    the guest's credit. `host_promotion` is not money: the host-funded discount, what it used of its code's
    budget."""

    card: int
    promotion: int
    credit: int
    host_promotion: int = 0

    @property
    def total(self) -> int:
        """The money: what the guest paid with the three tenders."""
        return self.card + self.promotion + self.credit


def tenders_paid(quote: Quote) -> Tenders:
    return Tenders(
        card=quote.charged,
        promotion=quote.platform_promotion,
        credit=quote.credit,
        host_promotion=quote.host_promotion,
    )


@dataclass(frozen=True)
class RefundTenders:
    """How a refund goes back: to the card, to Sharing's promotion budget and to the guest's credit
    (card + promotion + credit is the refund). `host_promotion` goes back to a host-funded code's budget
    only: no money moves for it."""

    card: int
    promotion: int
    credit: int
    host_promotion: int = 0

    @property
    def total(self) -> int:
        return self.card + self.promotion + self.credit


def refund_tenders_of_rest(left: Tenders, refund: int) -> RefundTenders:
    """Split a refund of `refund` by tender, out of what is `left` of each (the one rule; every refund uses it).

    Refund rule with promotions (proportional): a refund goes back in the proportions in which what is
    left was paid, so the guest is never better off for having paid with a promotion or credit, and a
    discount covers only what the guest keeps. With T = left.total:
      credit back     = share(refund, left.credit, T)
      promotion back  = share(refund, left.promotion + left.credit, T) - credit back   (Sharing-funded: money)
      card back       = refund - (promotion back + credit back)                       (through the outbox)
      host budget back = share(refund, left.host_promotion, T)    (host-funded: the code's budget, no money)
    Refunding everything left returns each part exactly. Rounding is `share`'s; each part is at most what
    is left of it and the three money parts always add up to the refund. A cancellation's first refund
    has everything left (`refund_tenders`); the dispute desk's refund comes after whatever went back
    before (payments.selectors.tenders_left).
    """
    if refund < 0 or refund > left.total:
        raise ValueError(f"a refund of {refund} out of {left.total} left")
    if refund == left.total:
        return RefundTenders(
            card=left.card, promotion=left.promotion, credit=left.credit, host_promotion=left.host_promotion
        )
    credit = share(refund, left.credit, left.total)
    subsidy = share(refund, left.promotion + left.credit, left.total)
    return RefundTenders(
        card=refund - subsidy,
        promotion=subsidy - credit,
        credit=credit,
        host_promotion=share(refund, left.host_promotion, left.total),
    )


def refund_tenders(quote: Quote, refund: int) -> RefundTenders:
    """A booking's refund (nothing given back before it) split by `refund_tenders_of_rest`'s rule."""
    return refund_tenders_of_rest(tenders_paid(quote), min(refund, quote.total))
