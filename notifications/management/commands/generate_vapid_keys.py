"""Print a new VAPID key pair for Web Push, as the environment lines to set (WEBPUSH_VAPID_*)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_vapid_keys() -> tuple[str, str]:
    """(private key, public key), base64url: the raw 32-byte scalar and the uncompressed P-256 point."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(private), b64url(public)


class Command(BaseCommand):
    help = "Generate a VAPID key pair for Web Push and print it as environment variables."

    def handle(self, *args: object, **options: object) -> None:
        private, public = new_vapid_keys()
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}\nWEBPUSH_VAPID_PUBLIC_KEY={public}\n")
