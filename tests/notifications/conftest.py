"""A real SMTP server on the loopback interface (aiosmtpd) that the site's SMTP backend talks to."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """What the loopback server received; `answer` makes it refuse the next messages ("451 ..." or "550 ...")."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.answer = ""

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.answer:
            return self.answer
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(parsed)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: E402, F401
