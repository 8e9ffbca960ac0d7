"""The shipped catalogues are complete, keep every placeholder, and their compiled .mo match the .po."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
FOLDERS = {"es": "es", "fr": "fr", "de": "de", "ja": "ja", "zh-hans": "zh_Hans"}
CATALOGUES = [(language, domain) for language in SHIPPED for domain in ("django", "djangojs")]
# %(name)s, %s, %d (Python) and {name} (str.format) placeholders; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def catalogue(language: str, domain: str):
    with (LOCALE / FOLDERS[language] / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
        return read_po(source)


def entries(language: str, domain: str):
    for message in catalogue(language, domain):
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            yield message, ids, strings


def test_every_shipped_language_has_a_folder_and_both_catalogues():
    assert set(SHIPPED) == set(FOLDERS)
    for language, domain in CATALOGUES:
        assert (LOCALE / FOLDERS[language] / "LC_MESSAGES" / f"{domain}.po").exists()
    assert (LOCALE / "GLOSSARY.md").exists()


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_every_entry_is_translated_and_none_is_fuzzy(language, domain):
    missing = [ids[0] for message, ids, strings in entries(language, domain) if message.fuzzy or not all(strings)]
    assert not missing, f"{language} {domain}: untranslated or fuzzy: {missing}"
    assert len(list(entries(language, domain))) >= (200 if domain == "django" else 10)


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_translations_keep_exactly_the_placeholders_of_the_english(language, domain):
    wrong = []
    for _message, ids, strings in entries(language, domain):
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            # Plural forms may leave the count out ("%(counter)s" is optional in a singular), never add one.
            found = sorted(PLACEHOLDER.findall(string))
            if found != wanted and not (len(ids) > 1 and set(found) <= set(wanted)):
                wrong.append((ids[0], string))
    assert not wrong, f"{language} {domain}: placeholders differ: {wrong}"


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_no_translation_is_the_english_left_in_place(language, domain):
    # Words that are the same in a language (Total, Menu, Diesel, Notifications...) are allowed, sentences not.
    copied = [ids[0] for _m, ids, strings in entries(language, domain) if strings[0] == ids[0] and " " in ids[0]]
    allowed = {"Paris, Berlin, New York…", "%(counter)s photo" if language == "fr" else ""}
    assert not set(copied) - allowed, f"{language} {domain}: English copied: {set(copied) - allowed}"


@pytest.mark.parametrize(("language", "domain"), CATALOGUES)
def test_the_compiled_catalogue_matches_its_source(language, domain):
    """A .po edited without `scripts/messages.sh compile` would silently show the old words."""
    folder = LOCALE / FOLDERS[language] / "LC_MESSAGES"
    with (folder / f"{domain}.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    stale = []
    for message, ids, strings in entries(language, domain):
        if message.context:
            if mo.pgettext(message.context, ids[0]) != strings[0]:
                stale.append(ids[0])
        elif len(ids) == 1:
            if mo.gettext(ids[0]) != strings[0]:
                stale.append(ids[0])
        elif mo.ngettext(ids[0], ids[1], 1) != strings[0] or mo.ngettext(ids[0], ids[1], 5) != strings[-1]:
            stale.append(ids[0])
    assert not stale, f"{language} {domain}: run scripts/messages.sh compile; stale: {stale}"
