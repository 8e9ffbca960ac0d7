"""Review text as people will read it: plain text, no markup, tidy whitespace."""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def plain_text(value: str) -> str:
    """Strip every tag (including ones hidden behind entities like `&lt;b&gt;`), then tidy the whitespace.

    Runs of spaces and tabs become one space, each line is trimmed, and at most
    one blank line separates paragraphs. Pages escape the result when they show it.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    # Unescaping can reveal new tags ("&lt;script&gt;"), so repeat until nothing changes;
    # every round that changes something shortens the text, so this ends.
    while True:
        stripped = strip_tags(html.unescape(strip_tags(text)))
        if stripped == text:
            break
        text = stripped
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
