"""Form and API payloads for a valid listing of each kind, shared by the listing tests."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

FORM_COMMON = {
    "title": "A place to share",
    "description": "Bright and quiet.",
    "address": "10 Rue de Rivoli, Paris",
    "latitude": "48.8556",
    "longitude": "2.3601",
    "currency": "EUR",
    "price": "85.50",
    "fee": "20",
    "min_units": "1",
    "max_units": "14",
    "advance_notice_hours": "24",
    "capacity": "2",
    "instant_book": "on",
    "cancellation_policy": "moderate",
}
FORM_DETAILS = {
    "room": {
        "bedrooms": "1",
        "beds": "2",
        "amenities": "wifi, kitchen",
        "check_in_time": "15:00",
        "check_out_time": "11:00",
        "house_rules": "No parties.",
    },
    "car": {
        "make": "Renault",
        "model": "Zoe",
        "year": "2021",
        "transmission": "automatic",
        "fuel": "electric",
        "day_price": "60",
        "daily_distance_limit_km": "200",
        "extra_km_price": "0.25",
    },
    "driver": {"languages": "French, English", "brings_car": "on", "service_radius_km": "25"},
}
API_DETAILS = {
    "room": {"bedrooms": 1, "beds": 2, "amenities": ["wifi"]},
    "car": {
        "make": "Renault",
        "model": "Zoe",
        "year": 2021,
        "transmission": "automatic",
        "fuel": "electric",
        "day_price": 6000,
    },
    "driver": {"languages": "German", "brings_car": True, "service_radius_km": 30},
}


def api_payload(kind: str, **overrides) -> dict:
    payload = {
        "kind": kind,
        "title": f"API {kind}",
        "address": "Berlin, Germany",
        "latitude": 52.52,
        "longitude": 13.405,
        "unit_price": 4500,
        "capacity": 3,
        "max_units": 48,
        "details": API_DETAILS[kind],
    }
    return {**payload, **overrides}


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
