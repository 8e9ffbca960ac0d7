"""Forms of the review pages: the review (guests also rate their kind's aspects), a response, a report, a decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from reviews.models import (
    ASPECTS_BY_KIND,
    MAX_RATING,
    MIN_RATING,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Aspect,
    Direction,
    ReportDecision,
)

STARS = [(n, f"{'★' * n} ({n})") for n in range(MAX_RATING, MIN_RATING - 1, -1)]


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _stars(label: StrOrPromise) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=STARS, coerce=int, widget=forms.RadioSelect)


class ReviewForm(forms.Form):
    rating = _stars("Overall")
    text = forms.CharField(
        label="Your review", max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6}), strip=True
    )
    private_note = forms.CharField(
        label="Private note to the other side (optional, never public)",
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, kind: str, direction: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aspect_names: tuple[str, ...] = ()
        if direction == Direction.GUEST_TO_HOST:
            self.aspect_names = ASPECTS_BY_KIND[kind]
            for name in self.aspect_names:
                self.fields[name] = _stars(Aspect(name).label)

    @property
    def aspect_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.aspect_names]

    def aspects(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in self.aspect_names}


class ResponseForm(forms.Form):
    response = forms.CharField(
        label="Your public response", max_length=RESPONSE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="What is wrong with this review?", max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(ReportDecision.HIDE, "Hide the review"), (ReportDecision.KEEP, "Keep the review")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason (kept on record)", max_length=REASON_MAX_LENGTH)
