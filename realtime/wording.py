"""Words of a notification kept as a message id and its values, so each reader gets them in their language.

A sender stores `words("%(name)s asks to book.", name=...)` in the payload (`message_words`) beside the
English text it always stored (`message`, `title`); `render_words` translates at read time (the bell, the
notifications page, emails and push, each under the reader's language). A message of several sentences
is a list of such words, each translated on its own and joined. A notification without a listing may keep
its line's words as `title_words`. A payload without words, or words whose translation does not fit its
values, reads as the English it stored: never an error.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


def words(text: str, /, **params: Any) -> dict[str, Any]:
    """An English message (marked with gettext_noop where it is written) and the values of its placeholders."""
    return {"text": text, "params": {key: str(value) for key, value in params.items()}}


def english(spec: dict[str, Any] | list[dict[str, Any]]) -> str:
    if isinstance(spec, list):
        return " ".join(english(part) for part in spec)
    return _fill(str(spec.get("text", "")), spec.get("params") or {})


def render_words(spec: object, fallback: str = "") -> str:
    """The words in the active language; the fallback when they are not a stored message."""
    if isinstance(spec, list) and spec:
        parts = [render_words(part) for part in spec]
        return fallback if not all(parts) else " ".join(parts)
    if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
        return fallback
    params = spec.get("params") or {}
    try:
        return _fill(gettext(spec["text"]), params)
    except (KeyError, ValueError, TypeError):
        return english(spec) if spec["text"] else fallback


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
