"""The language a person wrote a text in: listing titles and descriptions, messages, reviews (issue 22, item 5).

Stored beside the text as `text_language` (a code of `settings.LANGUAGES`; '' for rows written before it was
kept). The author may say it (the listing form and the API take it); otherwise it is the author's profile
language, else the language of the page they wrote from. Pages mark the text with `lang="..."` so browsers and
screen readers read it right, and say "Written in French" where the reader's language differs
(`{% written_in %}` in `core.templatetags.text_language`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 10


def shipped_language(code: str | None) -> str:
    """The site's language for `code` ('fr-CA' -> 'fr', 'zh-Hans' -> 'zh-hans'); '' for one the site does not ship."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code.lower())  # only codes of settings.LANGUAGES
    except LookupError:
        return ""


def author_language(author: object | None = None) -> str:
    """What a text is taken to be written in when its author did not say: their profile's language, else the page's."""
    return (
        shipped_language(getattr(author, "language", ""))
        or shipped_language(translation.get_language())
        or settings.LANGUAGE_CODE
    )


def validate_text_language(value: str) -> None:
    if value and value not in dict(settings.LANGUAGES):
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        raise ValidationError(
            _("Unknown language “%(value)s”: use one of %(codes)s."),
            code="invalid",
            params={"value": value, "codes": codes},
        )


def language_name(code: str) -> str:
    """The language's name in the reader's language ('French' to an English reader, 'francés' to a Spanish one)."""
    try:
        name = str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
    # Spanish and French write language names in lower case inside a sentence ("Escrito en francés").
    return name[:1].lower() + name[1:] if shipped_language(translation.get_language()) in LOWER_CASE_NAMES else name


LOWER_CASE_NAMES = ("es", "fr")


def text_language_field() -> models.CharField:
    """The model field that keeps a text's language beside it."""
    return models.CharField(
        _("language of the text"),
        max_length=MAX_LENGTH,
        blank=True,
        # '' in the database too, so rows written by plain SQL (bulk loads, older code) need not name it.
        default="",
        db_default="",
        validators=[validate_text_language],
        help_text=_("The language the text is written in (one of the site's languages)."),
    )
