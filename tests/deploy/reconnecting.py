"""What a page's or the app's socket does, as a test client: hold a socket through nginx, and when it
closes, reconnect with `?last_id=` the newest notification it has, so that it misses nothing."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake


@dataclass
class Person:
    """One socket of one person: what it received and how its connections ended."""

    user_id: int
    session_key: str
    received: list[int] = field(default_factory=list)
    last_id: int | None = None
    start_id: int = 0  # the newest notification when it first said hello: it expects every one after
    close_codes: list[int | None] = field(default_factory=list)
    connections: int = 0
    first_hello: asyncio.Event = field(default_factory=asyncio.Event)


def socket_url(port: int, last_id: int | None) -> str:
    query = "" if last_id is None else f"?last_id={last_id}"
    return f"ws://127.0.0.1:{port}/ws/notifications/{query}"


async def hold(person: Person, port: int, stop: asyncio.Event) -> None:
    """Keep one socket open until `stop`; reconnect (after a short pause) whenever it closes."""
    while not stop.is_set():
        try:
            async with connect(
                socket_url(port, person.last_id),
                origin=f"http://127.0.0.1:{port}",
                additional_headers={"Cookie": f"sessionid={person.session_key}"},
                open_timeout=20,
            ) as ws:
                person.connections += 1
                try:
                    async for raw in ws:
                        message = json.loads(raw)
                        if message["type"] == "hello" and person.last_id is None:
                            person.last_id = person.start_id = message["last_id"]
                            person.first_hello.set()
                        elif message["type"] == "notification":
                            person.received.append(message["notification"]["id"])
                            person.last_id = message["notification"]["id"]
                except ConnectionClosed as closed:
                    person.close_codes.append(closed.rcvd.code if closed.rcvd else None)
                    continue
                person.close_codes.append(ws.close_code)
        except (OSError, InvalidHandshake, TimeoutError):
            pass  # nginx has no live web process for a moment: try again, as the pages do
        if not stop.is_set():
            await asyncio.sleep(0.2)


def raw_post(port: int, path: str, body: dict, token: str) -> tuple[int, dict]:
    """A whole API call (blocking); (0, {}) when the connection broke before a whole answer came."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Session-Token": token},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (OSError, ValueError):
        return 0, {}


def start_slow_post(port: int, path: str, body: bytes, token: str) -> socket.socket:
    """Send an API call's headers and the first half of its body, and leave it open."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Session-Token: {token}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(head.encode() + body[: len(body) // 2])
    return sock


def finish_slow_post(sock: socket.socket, body: bytes) -> tuple[int, dict]:
    """Send the rest of the body and read the whole answer: (status, JSON)."""
    sock.sendall(body[len(body) // 2 :])
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    sock.close()
    head, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    assert len(payload) == length, "the answer was cut short"
    return status, json.loads(payload)
