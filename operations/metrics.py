"""Prometheus metrics of the marketplace, read from the database at each scrape.

Counters come from the tables that already record every event (booking transitions, payments,
payouts, notifications, Stripe events, the task queue), so every web process answers the same
totals however many processes and machines wrote them, and nothing is lost on a restart: no
multi-process counter files to share. A scrape costs a handful of grouped COUNT/SUM queries.
Open sockets are counted by each web process and summed through Redis (operations.sockets).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, F, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric


class MarketplaceCollector:
    """The domain counters a marketplace watches, as Prometheus metric families."""

    def collect(self) -> Iterator[Metric]:
        from bookings.models import BookingTransition
        from payments.models import Payment, Payout, StripeEvent
        from realtime.models import Notification

        transitions = CounterMetricFamily(
            "sharing_booking_transitions", "Bookings entering each status", labels=["to_status"]
        )
        for row in BookingTransition.objects.values("to_status").annotate(n=Count("pk")).order_by():
            transitions.add_metric([row["to_status"]], row["n"])
        yield transitions

        money = CounterMetricFamily(
            "sharing_money_minor_units",
            "Money captured from guests, refunded to them and paid out to hosts, in minor units",
            labels=["flow", "currency"],
        )
        sums = Payment.objects.values("currency").annotate(
            captured=Sum("captured_amount"), refunded=Sum("refunded_amount")
        )
        for flows in sums.order_by():
            money.add_metric(["captured", flows["currency"]], flows["captured"] or 0)
            money.add_metric(["refunded", flows["currency"]], flows["refunded"] or 0)
        paid = Payout.objects.filter(status=Payout.Status.PAID).values("currency")
        for payouts in paid.annotate(total=Sum(F("amount") - F("reversed_amount"))).order_by():
            money.add_metric(["paid_out", payouts["currency"]], payouts["total"] or 0)
        yield money

        notifications = CounterMetricFamily("sharing_notifications", "Notifications sent, by kind", labels=["kind"])
        for kinds in Notification.objects.values("kind").annotate(n=Count("pk")).order_by():
            notifications.add_metric([kinds["kind"]], kinds["n"])
        yield notifications

        webhooks = GaugeMetricFamily(
            "sharing_stripe_webhook_events", "Stripe webhook events by processing status", labels=["status"]
        )
        for statuses in StripeEvent.objects.values("status").annotate(n=Count("pk")).order_by():
            webhooks.add_metric([statuses["status"]], statuses["n"])
        yield webhooks

        yield from self._task_queue()
        yield from self._sockets()

    def _sockets(self) -> Iterator[Metric]:
        from operations.sockets import fleet_total

        try:
            total, processes = fleet_total()
        except Exception:  # Redis down: report no socket figures rather than fail the scrape
            return
        sockets = GaugeMetricFamily("sharing_open_sockets", "WebSockets open on the web processes")
        sockets.add_metric([], total)
        yield sockets
        counted = GaugeMetricFamily("sharing_web_processes", "Web processes whose socket count is included")
        counted.add_metric([], processes)
        yield counted

    def _task_queue(self) -> Iterator[Metric]:
        if settings.TASKS["default"]["BACKEND"] == settings.RQ_BACKEND:
            yield from self._rq_queue()
            return
        if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
            return
        from django_tasks_db.models import DBTaskResult

        now = timezone.now()
        depth = GaugeMetricFamily(
            "sharing_task_queue_depth", "Tasks by status (READY = due or waiting)", labels=["status"]
        )
        for row in DBTaskResult.objects.values("status").annotate(n=Count("pk")).order_by():
            depth.add_metric([row["status"]], row["n"])
        yield depth
        oldest_due = DBTaskResult.objects.filter(status="READY", run_after__lte=now).aggregate(oldest=Min("run_after"))
        lag = GaugeMetricFamily("sharing_task_queue_lag_seconds", "How long the oldest due task has been waiting")
        lag.add_metric([], (now - oldest_due["oldest"]).total_seconds() if oldest_due["oldest"] else 0.0)
        yield lag

    def _rq_queue(self) -> Iterator[Metric]:
        from operations.rq_engine import queue_depth_and_lag

        depth = GaugeMetricFamily("sharing_task_queue_depth", "Tasks waiting in each RQ queue", labels=["queue"])
        lag = GaugeMetricFamily("sharing_task_queue_lag_seconds", "How long the oldest waiting task has waited")
        oldest = 0.0
        for name, count, waited in queue_depth_and_lag():
            depth.add_metric([name], count)
            oldest = max(oldest, waited)
        lag.add_metric([], oldest)
        yield depth
        yield lag


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 (as if absent) without the token, so it is not discoverable."""
    if not _authorised(request):
        raise Http404
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MarketplaceCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
