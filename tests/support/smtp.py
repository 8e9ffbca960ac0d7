"""A real SMTP server on the loopback interface (aiosmtpd) that the site's SMTP backend talks to."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """What the loopback server received; `answer` makes it refuse the next messages ("451 ..." or "550 ...")."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.answer = ""
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.answer:
            return self.answer
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 30.0) -> EmailMessage:
        """The `count`-th message to `address`, waiting for it (the server thread receives while the test runs)."""
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"mailbox: {len(found)} email(s) to {address} within {timeout:.0f} s")
            time.sleep(0.05)
        return found[count - 1]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def link_in(self, message: EmailMessage, pattern: str) -> str:
        """The first URL in the message's plain text that matches `pattern` (a regular expression)."""
        for url in re.findall(r"https?://[^\s\"'<>]+", self.text(message)):
            if re.search(pattern, url):
                return url
        raise AssertionError(f"email {message['Subject']!r}: no link matching {pattern!r} in:\n{self.text(message)}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A running aiosmtpd on loopback; `mailbox.port` is where to send (from this process or a server process)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    mailbox.port = controller.port
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:
    """A running aiosmtpd on loopback, and this process's email settings pointing at it (the SMTP backend)."""
    with smtp_server() as mailbox:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = mailbox.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield mailbox
