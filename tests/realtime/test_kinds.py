"""The notification kinds registry: every kind the apps send is declared once, with its channels."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from realtime.kinds import EMAIL, IN_APP, KINDS, PUSH, get_kind

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "listings", "bookings", "payments", "reviews", "realtime", "disputes", "dispatch"]
KIND_LITERAL = re.compile(r"^[a-z]+\.[a-z_]+$")


def kinds_sent_by_the_apps() -> set[str]:
    """The kind strings passed to notify() or an app's _notify() helper anywhere in the apps' code."""
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in {"notify", "_notify"}:
                    continue
                for arg in node.args[:3]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and KIND_LITERAL.match(arg.value):
                        found.add(arg.value)
    return found


def test_every_kind_the_apps_send_is_declared():
    sent = kinds_sent_by_the_apps()
    assert "booking.requested" in sent and "message.new" in sent  # the scan finds them
    assert sent - set(KINDS) == set()


@pytest.mark.parametrize(
    "kind",
    [
        "booking.requested",
        "booking.answer_reminder",
        "booking.confirmed",
        "booking.declined",
        "booking.expired",
        "booking.cancelled",
        "dispute.opened",
        "dispute.resolved",
        "account.suspended",
    ],
)
def test_money_safety_and_deadline_mails_cannot_be_turned_off(kind):
    assert KINDS[kind].required
    assert KINDS[kind].email


@pytest.mark.parametrize("kind", ["message.new", "review.reminder", "review.can_write", "booking.starts_tomorrow"])
def test_messages_and_reminders_can_be_turned_off(kind):
    assert KINDS[kind].optional


def test_every_kind_is_in_app_and_an_undeclared_one_only_in_app():
    assert all(kind.channels[0] == IN_APP for kind in KINDS.values())
    assert KINDS["message.new"].channels == (IN_APP, EMAIL, PUSH)
    assert get_kind("somebody.new_thing").channels == (IN_APP,)


def test_the_registry_imports_no_domain_app():
    source = (ROOT / "realtime" / "kinds.py").read_text()
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    # django: only django.utils.translation's gettext_noop, which marks the labels for the catalogues.
    assert imported <= {"__future__", "dataclasses", "django"}
