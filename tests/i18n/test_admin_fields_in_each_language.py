"""The admin names every field of Sharing's models and every choice in the staff member's language: verbose
names and choice labels are marked with gettext_lazy and translated in each shipped language, and a change form
reads in German with none of its English labels left."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import override, trans_real

from payments.models import Payment
from tests.disputes.helpers import paid_booking
from tests.i18n.test_desk_in_each_language import _no_english_left
from tests.i18n.test_more_pages_in_each_language import LANGUAGES

OUR_APPS = {
    "accounts",
    "bookings",
    "core",
    "discovery",
    "dispatch",
    "disputes",
    "handover",
    "listings",
    "notifications",
    "operations",
    "payments",
    "personaldata",
    "promotions",
    "realtime",
    "receipts",
    "reviews",
    "taxes",
}


def _our_fields():
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            if field.concrete and not field.auto_created:
                yield model, field


def test_every_field_and_choice_of_our_models_is_marked_for_translation():
    unmarked = []
    for model, field in _our_fields():
        if not isinstance(field.verbose_name, Promise):
            unmarked.append(f"{model._meta.label}.{field.name}")
        for value, label in field.flatchoices:
            if not isinstance(label, Promise):
                unmarked.append(f"{model._meta.label}.{field.name}={value}")
    assert unmarked == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_field_name_and_choice_label_is_translated(language):
    words = set()
    for _model, field in _our_fields():
        words.add(field.verbose_name)
        words.update(label for _value, label in field.flatchoices)
    with override("en"):
        english = sorted({str(word) for word in words})
    # In the language's catalogue, not merely different: some words are the same ("Diesel", "budget", "PDF").
    catalogue = trans_real.translation(language)._catalog
    assert [text for text in english if text not in catalogue] == []


def _page(client, address: str, language: str) -> str:
    response = client.get(address, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (address, language)
    return response.content.decode()


@pytest.mark.django_db
def test_the_payment_and_booking_pages_label_fields_and_choices_in_each_language(admin_client):
    booking = paid_booking()
    payment = Payment.objects.get(reference=f"booking:{booking.pk}")
    address = reverse("admin:payments_payment_change", args=[payment.pk])
    _no_english_left(
        lambda language: _page(admin_client, address, language),
        [
            "Stripe payment intent id",
            "Host payout amount",
            "Frozen reason",
            "Charged, held by Sharing",
            "Money trail of this reference",
        ],
    )
    german = _page(admin_client, address, "de")
    assert "Stripe-PaymentIntent-ID" in german and "Belastet, von Sharing verwahrt" in german
    address = reverse("admin:bookings_booking_change", args=[booking.pk])
    _no_english_left(
        lambda language: _page(admin_client, address, language),
        ["Guest service fee", "Payout release at", "Cancellation policy"],
    )
    assert "ゲストのサービス料" in _page(admin_client, address, "ja")
