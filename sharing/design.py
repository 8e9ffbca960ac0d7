"""The design system's showcase page (/design/): every component and token, shown in the demo only.

What it lists (tokens, icons) is read from the same files the pages use, so a token or an icon added to
them shows here without anyone remembering to.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

_STATIC = Path(settings.BASE_DIR) / "static"
SECTIONS = [
    ("type", "Type"),
    ("spacing", "Spacing"),
    ("colours", "Colours"),
    ("buttons", "Buttons"),
    ("cards", "Cards"),
    ("forms", "Form fields"),
    ("alerts", "Alerts"),
    ("empty", "Empty states"),
    ("steps", "Money steps"),
    ("icons", "Icons"),
]
_TYPE_SAMPLES = {"xs": "Fine print", "sm": "Small print", "base": "Body text", "md": "Card title"}
_COLOUR_USES = {
    "c-ink": "text",
    "c-muted": "secondary text",
    "c-line": "lines and borders",
    "c-bg": "page background",
    "c-surface": "cards",
    "c-subtle": "secondary buttons",
    "c-brand": "links, primary buttons",
    "c-brand-strong": "hover, badges",
    "c-brand-soft": "success background",
    "c-danger": "errors, destructive buttons",
    "c-danger-soft": "error background",
    "c-warn": "warnings",
    "c-warn-soft": "warning background",
    "c-info": "focus ring, information",
    "c-info-soft": "information background",
    "c-star": "rating stars",
}


@cache
def _tokens() -> dict[str, str]:
    """The custom properties of sharing.css's :root, name -> value."""
    css = (_STATIC / "css" / "sharing.css").read_text(encoding="utf-8")
    root = css[css.index(":root") : css.index("}", css.index(":root"))]
    return dict(re.findall(r"--([a-z0-9-]+):\s*([^;]+);", root))


@cache
def sprite_icons() -> list[str]:
    """Every icon the sprite defines, in its order."""
    return re.findall(r'<symbol id="([^"]+)"', (_STATIC / "icons" / "sprite.svg").read_text(encoding="utf-8"))


def showcase(request: HttpRequest) -> HttpResponse:
    if not settings.SHOW_DESIGN_PAGE:
        raise Http404("The design system's page is shown in the demo only.")
    tokens = _tokens()
    type_scale = [(name, _TYPE_SAMPLES.get(name[2:], "Heading")) for name in tokens if name.startswith("t-")]
    context = {
        "sections": SECTIONS,
        "type_scale": type_scale,
        "spacing": [(name, value) for name, value in tokens.items() if name.startswith("s-")],
        "colours": [(name, _COLOUR_USES.get(name, "")) for name in tokens if name.startswith("c-")],
        "icons": sprite_icons(),
    }
    return render(request, "design/showcase.html", context)
