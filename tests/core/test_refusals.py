"""core.pages: the house rule for a service's refusal on a page (404, 403, message, form error, kept)."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from core.errors import AuthenticationRequired, Conflict, DomainError, NotFound, PermissionDenied
from core.pages import apply_each, one_by_one, refusal_pages, refusals


def page_request() -> HttpRequest:
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def said(request: HttpRequest) -> list[str]:
    return [str(message) for message in get_messages(request)]


class NoteForm(forms.Form):
    note = forms.CharField()


def refuse(error: DomainError):
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return refusal_pages(view)


def test_a_page_whose_subject_is_missing_is_a_404_with_the_message():
    with pytest.raises(Http404, match=r"No such booking\."):
        refuse(NotFound("No such booking."))(page_request())


def test_a_forbidden_page_is_a_403_showing_why():
    response = refuse(PermissionDenied("Only the host can accept this booking."))(page_request())
    assert response.status_code == 403
    assert response.content.decode() == "Only the host can accept this booking."


def test_a_card_the_bank_must_confirm_sends_the_person_to_the_bank():
    pending = AuthenticationRequired("Confirm with your bank.", url="/bank/1/", client_secret="secret")
    response = refuse(pending)(page_request())
    assert (response.status_code, response["Location"]) == (302, "/bank/1/")


def test_any_other_refusal_escaping_a_page_is_still_a_bug():
    with pytest.raises(Conflict):
        refuse(Conflict("Those dates were just taken."))(page_request())


def test_a_refusal_becomes_a_message_on_the_next_page():
    request = page_request()
    with refusals(request) as refused:
        raise Conflict("Those dates were just taken.")
    assert refused and refused.status_code == 409
    assert said(request) == ["Those dates were just taken."]


def test_a_service_that_says_yes_leaves_nothing_behind():
    request = page_request()
    with refusals(request) as refused:
        pass
    assert not refused and refused.message == "" and said(request) == []


def test_a_missing_subject_inside_the_block_is_a_404_unless_it_is_only_a_part_of_the_page():
    with pytest.raises(Http404), refusals(page_request()):
        raise NotFound("No such request.")
    request = page_request()
    with refusals(request, missing_is_404=False) as refused:
        raise NotFound("That photo is not on this listing.")
    assert refused and said(request) == ["That photo is not on this listing."]


def test_permission_denied_goes_through_only_when_the_page_answers_403():
    request = page_request()
    with refusals(request):
        raise PermissionDenied("You cannot book your own listing.")
    assert said(request) == ["You cannot book your own listing."]
    with pytest.raises(PermissionDenied), refusals(page_request(), forbidden=True):
        raise PermissionDenied("Only the host can accept this booking.")


def test_a_refusal_lands_on_the_field_it_names_or_on_the_form():
    form = NoteForm({"note": "x"})
    assert form.is_valid()
    with refusals(form=form):
        raise DomainError("Say a bit more.", field="note")
    with refusals(form=form):
        raise DomainError("Not now.", field="elsewhere")
    assert form.errors == {"note": ["Say a bit more."], "__all__": ["Not now."]}
    above = NoteForm({"note": "x"})
    assert above.is_valid()
    with refusals(form=above, fields=()):
        raise DomainError("Say a bit more.", field="note")
    assert above.errors == {"__all__": ["Say a bit more."]}


def test_an_admin_action_goes_on_past_a_refused_object_and_counts_the_rest():
    request = page_request()

    class Desk:
        @one_by_one(done="{count} marked.")
        def mark(self, request: HttpRequest, number: int) -> None:
            if number == 2:
                raise NotFound("It is gone.")

    Desk().mark(request, [1, 2, 3])
    assert said(request) == ["2: It is gone.", "2 marked."]
    assert apply_each(page_request(), [1], lambda number: None) == 1
