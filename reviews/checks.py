"""The checks a review's words and stars pass before anything is written; each refusal in the writer's language.

`what` and `label` are marked with gettext_noop where they are written ("Your response", "your stay") and said
in the asker's language inside the refusal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

from core.errors import DomainError
from reviews.models import ASPECTS_BY_KIND, MAX_RATING, MIN_RATING, Aspect, Direction
from reviews.text import plain_text


def clean_text(
    value: str, *, field: str, max_length: int, min_length: int = 1, what: str = gettext_noop("Your review")
) -> str:
    text = plain_text(value or "")
    if len(text) < min_length:
        if min_length == 1:
            raise DomainError(
                gettext_noop("%(what)s is empty: write a few words."),
                params={"what": gettext(what)},
                field=field,
                code="too_short",
            )
        raise DomainError(
            gettext_noop("%(what)s needs at least %(count)s characters."),
            params={"what": gettext(what), "count": min_length},
            field=field,
            code="too_short",
        )
    if len(text) > max_length:
        raise DomainError(
            gettext_noop("%(what)s is too long: at most %(count)s characters."),
            params={"what": gettext(what), "count": max_length},
            field=field,
            code="too_long",
        )
    return text


def check_rating(value: Any, *, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_RATING <= value <= MAX_RATING:
        raise DomainError(
            gettext_noop("Rate %(what)s from %(low)s to %(high)s stars."),
            params={"what": gettext(label), "low": MIN_RATING, "high": MAX_RATING},
            field=field,
            code="bad_rating",
        )
    return value


# Each aspect's words whole (a label lower-cased into an English sentence reads wrong in German, and the
# article changes with the noun): the aspect as the thing rated, and the refusal when it is left out.
ASPECT_WHAT = {
    Aspect.CLEANLINESS: gettext_noop("the cleanliness"),
    Aspect.ACCURACY: gettext_noop("the accuracy"),
    Aspect.COMMUNICATION: gettext_noop("the communication"),
    Aspect.LOCATION: gettext_noop("the location"),
    Aspect.VALUE: gettext_noop("the value"),
    Aspect.CONDITION: gettext_noop("the condition"),
    Aspect.CONVENIENCE: gettext_noop("the convenience"),
    Aspect.PUNCTUALITY: gettext_noop("the punctuality"),
    Aspect.SAFETY: gettext_noop("the safety"),
}
ASPECT_MISSING = {
    Aspect.CLEANLINESS: gettext_noop("Rate the cleanliness too."),
    Aspect.ACCURACY: gettext_noop("Rate the accuracy too."),
    Aspect.COMMUNICATION: gettext_noop("Rate the communication too."),
    Aspect.LOCATION: gettext_noop("Rate the location too."),
    Aspect.VALUE: gettext_noop("Rate the value too."),
    Aspect.CONDITION: gettext_noop("Rate the condition too."),
    Aspect.CONVENIENCE: gettext_noop("Rate the convenience too."),
    Aspect.PUNCTUALITY: gettext_noop("Rate the punctuality too."),
    Aspect.SAFETY: gettext_noop("Rate the safety too."),
}


def check_aspects(kind: str, direction: str, aspects: dict[str, int] | None) -> dict[str, int]:
    """The guest rates every aspect of the listing's kind; the host rates none."""
    aspects = dict(aspects or {})
    if direction == Direction.HOST_TO_GUEST:
        if aspects:
            raise DomainError(
                gettext_noop("Hosts give an overall rating only."), field="aspects", code="unexpected_aspects"
            )
        return {}
    expected = ASPECTS_BY_KIND[kind]
    unknown = sorted(set(aspects) - set(expected))
    if unknown:
        raise DomainError(
            gettext_noop("This listing is not rated on %(aspects)s."),
            params={"aspects": ", ".join(unknown)},
            field="aspects",
            code="bad_aspect",
        )
    for name in expected:
        if name not in aspects:
            raise DomainError(ASPECT_MISSING[Aspect(name)], field=name, code="missing_aspect")
        check_rating(aspects[name], field=name, label=ASPECT_WHAT[Aspect(name)])
    return {name: aspects[name] for name in expected}
