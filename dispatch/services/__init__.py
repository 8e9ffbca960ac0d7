"""Every write of the on-demand flow, one module per family of operations (import from the module itself):

- `availability`: the provider's "available now" switch, their heartbeat, going silent;
- `requests`: the estimate, asking (the card hold, 3-D Secure), cancelling, expiring;
- `waves`: offering a request to the nearest providers in growing waves, withdrawing offers;
- `acceptance`: a provider accepts (first accept wins, the job becomes a booking) or passes;
- `location`: live positions between the two parties of an assigned job;
- `common`: when a job runs, and the dispatch page's live events, shared by the others.

Input arrives parsed (`dispatch.inputs`: `Position`, `Need`); services check the rules.

Money never gets its own code here. The card hold for the estimate goes through the
bookings money port (`bookings.money.money()`, settings.BOOKING_MONEY); on acceptance the
job becomes an ordinary booking of the provider's listing through
`bookings.services.checkout.request_booking(authorisation=...)`, which adopts that same hold, and
escrow, payout, reviews and disputes then follow the booking lifecycle.

Stored notices go through `realtime.notify` (the bell, replay after a reconnect); what only
an open dispatch page needs at once (offers with a countdown, live positions) goes through
`realtime.live` on the "dispatch" topic, after commit.
"""
