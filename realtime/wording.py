"""Words of a notification kept as a message id and its values, so each reader gets them in their language.

A sender stores `words("%(name)s asks to book.", name=...)` in the payload (`message_words`) beside the
English text it always stored (`message`, `title`); `render_words` translates at read time (the bell, the
notifications page, emails and push, each under the reader's language). A message of several sentences
is a list of such words, each translated on its own and joined. A notification without a listing may keep
its line's words as `title_words`. A payload without words, or words whose translation does not fit its
values, reads as the English it stored: never an error.

A value may itself be words (`words(...)`, `counted_words(...)`: translated with the sentence around it) or a
moment (`moment(when, zone)`: the stored instant, written in the reader's date format at read time) or an
amount (`money_value(amount, currency)`, written the reader's way). Counting
words keep their count (`counted_words(ngettext_lazy(...), n)`) so each language picks its own plural.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext, ngettext

from core.money import format_money


def words(text: str, /, **params: Any) -> dict[str, Any]:
    """An English message (marked with gettext_noop where it is written) and the values of its placeholders."""
    return {"text": text, "params": {key: _kept(value) for key, value in params.items()}}


def counted_words(counting: Any, count: int, /, **params: Any) -> dict[str, Any]:
    """Words that count: `counting` is `ngettext_lazy(singular, plural, "count")` where it is written (as a
    refusal's would be, so the catalogues hold its plurals); the reader's language picks the form at read time."""
    singular, plural = _forms(counting)
    spec = words(singular, count=count, **params)
    spec["plural"], spec["count"] = plural, count
    return spec


def _forms(counting: Any) -> tuple[str, str]:
    # A lazy plural keeps its two English forms for pickling: (unpickle, (func, class, number, kwargs)).
    kwargs = counting.__reduce__()[1][3]
    return str(kwargs["singular"]), str(kwargs["plural"])


def moment(when: datetime, zone: str) -> dict[str, str]:
    """An instant read as a date and time in `zone` (the listing's), in the reader's format."""
    return {"when": when.isoformat(), "zone": zone or "UTC"}


def money_value(amount: int, currency: str) -> dict[str, Any]:
    """An amount in minor units, written the reader's way at read time (`core.money.format_money`)."""
    return {"amount": int(amount), "currency": currency}


def _kept(value: Any) -> Any:
    if isinstance(value, dict | list):
        return value
    return str(value)


def english(spec: dict[str, Any] | list[dict[str, Any]]) -> str:
    if isinstance(spec, list):
        return " ".join(english(part) for part in spec)
    with translation.override(None):
        return _fill(_text(spec, english=True), _values(spec.get("params") or {}))


def line_notice(said: dict[str, Any]) -> dict[str, Any]:
    """A notice's payload keys when its line is its message: the English once (older clients, the admin) and
    the words, which notification_title renders in each reader's language."""
    text = english(said)
    return {"message": text, "message_words": said, "title": text}


def render_words(spec: object, fallback: str = "") -> str:
    """The words in the active language; the fallback when they are not a stored message."""
    if isinstance(spec, list) and spec:
        parts = [render_words(part) for part in spec]
        return fallback if not all(parts) else " ".join(parts)
    if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
        return fallback
    params = spec.get("params") or {}
    try:
        return _fill(_text(spec), _values(params))
    except (KeyError, ValueError, TypeError):
        return english(spec) if spec["text"] else fallback


def _text(spec: dict[str, Any], *, english: bool = False) -> str:
    text = str(spec.get("text", ""))
    if "plural" not in spec:
        return text if english else gettext(text)
    count = int(spec.get("count") or 0)
    if english:
        return text if count == 1 else str(spec["plural"])
    return ngettext(text, str(spec["plural"]), count)


def _values(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in params.items()}


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "when" in value:
        try:
            instant = datetime.fromisoformat(str(value["when"])).astimezone(ZoneInfo(str(value.get("zone") or "UTC")))
        except (ValueError, KeyError):
            return str(value["when"])
        return formats.date_format(instant, "DATETIME_FORMAT")
    if isinstance(value, dict) and "amount" in value and "currency" in value:
        return format_money(int(value["amount"]), str(value["currency"]))
    if isinstance(value, dict | list):
        return render_words(value) or (english(value) if isinstance(value, dict) and value.get("text") else "")
    return value


def _fill(text: str, params: dict[str, Any]) -> str:
    return text % params if params else text


def notification_title(payload: object) -> str | None:
    """The line a notification shows, translated: "<listing>: <message>" when the sender stored its words."""
    if not isinstance(payload, dict):
        return None
    title = payload.get("title")
    if payload.get("title_words") is not None:
        return render_words(payload["title_words"], str(title or "")) or None
    spec = payload.get("message_words")
    if spec is None or not title:
        return str(title) if title else None
    message = render_words(spec, str(payload.get("message", "")))
    listing = payload.get("listing_title")
    return f"{listing}: {message}" if listing else message
