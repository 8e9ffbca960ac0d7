"""`{% icon "bell" %}`: one icon of the site's SVG sprite (static/icons/sprite.svg), drawn in currentColor.

Decorative by default (hidden from screen readers, the text beside it says what it is);
`{% icon "star" label="Rating" %}` names it for an icon that stands alone.
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def icon(name: str, label: str = "", css: str = "") -> str:
    classes = f"icon {css}".strip()
    use = format_html('<use href="{}#{}"></use>', static("icons/sprite.svg"), name)
    if label:
        return format_html('<svg class="{}" role="img" aria-label="{}">{}</svg>', classes, label, use)
    return format_html('<svg class="{}" aria-hidden="true" focusable="false">{}</svg>', classes, use)
