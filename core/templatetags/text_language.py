"""`{% written_in code %}`: "Written in French" beside a text people wrote, when the reader reads another language."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from core.text_language import language_name, shipped_language

register = template.Library()


@register.simple_tag
def written_in(code: str | None) -> SafeString | str:
    reader = shipped_language(translation.get_language())
    if not code or code == reader:
        return ""
    return format_html(
        '<span class="written-in muted small">{}</span>',
        gettext("Written in %(language)s") % {"language": language_name(code)},
    )
