"""A loopback SMTP server that keeps what the site sends, so a journey can open its emails.

The server process delivers email through the production path (EMAIL_HOST and EMAIL_PORT
switch settings.py to Django's SMTP backend); this mailbox is the other end. It speaks just
the part of SMTP that smtplib uses without TLS or log-in.
"""

from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage


class Mailbox:
    """Messages received so far, readable from the test while the SMTP thread appends to it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.port = 0

    def deliver(self, raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]

    def wait_for(self, to: str, *, timeout: float = 30.0) -> EmailMessage:
        """The latest message to `to`, waiting for it to arrive (the site sends while answering a request)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [m for m in self.messages if to.lower() in str(m["To"]).lower()]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"mailbox: no email to {to} within {timeout:.0f} s")
            time.sleep(0.05)

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def link_in(self, message: EmailMessage, pattern: str) -> str:
        """The first URL in the message's text that matches `pattern` (a regular expression)."""
        for url in re.findall(r"https?://[^\s\"'<>]+", self.text(message)):
            if re.search(pattern, url):
                return url
        raise AssertionError(f"email {message['Subject']!r}: no link matching {pattern!r} in:\n{self.text(message)}")


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        mailbox: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        self.reply("220 sharing-test-mailbox ESMTP")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 sharing-test-mailbox")
            elif verb in {"MAIL", "RCPT", "RSET", "NOOP"}:
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)  # undo dot-stuffing
                mailbox.deliver(b"".join(lines))
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def smtp_mailbox() -> Iterator[Mailbox]:
    """A running loopback SMTP server on a free port; `mailbox.port` is where to send."""
    mailbox = Mailbox()
    server = _Server(("127.0.0.1", 0), _SmtpSession)
    server.mailbox = mailbox  # type: ignore[attr-defined]
    mailbox.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="smtp-mailbox", daemon=True)
    thread.start()
    try:
        yield mailbox
    finally:
        server.shutdown()
        server.server_close()
