"""JSON API of profiles, mounted at /api/v1/people/: anyone's public profile, and my own (read, edit, photo).

Edits go through the profile page's own form (ProfileForm) and service, so the API refuses exactly
what the page refuses (an email address as a name, more than ten languages, a file that is no image).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_noop
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from accounts import selectors, services, verifications
from accounts.forms import ProfileForm
from accounts.models import User
from core.api import ObjectId, session_or_token_auth
from core.errors import DomainError, NotFound
from core.requests import ApiRequest

router = Router(tags=["people"])

EDITABLE = ("display_name", "bio", "languages", "city", "country", "language")


class PublicProfileOut(Schema):
    id: int
    name: str
    bio: str
    languages: list[str]
    city: str
    photo_url: str | None
    email_verified: bool
    verified_documents: list[str] = Field(description="Documents Sharing verified: licence, identity")


class MyProfileOut(PublicProfileOut):
    email: str
    display_name: str
    language: str  # of the emails we send; "" is the site's
    country: str  # where payouts go (ISO alpha-2); "" until given


class ProfilePatch(Schema):
    display_name: str | None = None
    bio: str | None = None
    languages: str | None = None
    city: str | None = None
    country: str | None = None
    language: str | None = None


def _public(person: User) -> dict:
    return {
        "id": person.pk,
        "name": person.public_name,
        "bio": person.bio,
        "languages": person.language_list,
        "city": person.city,
        "photo_url": person.avatar.url if person.avatar else None,
        "email_verified": selectors.has_verified_email(person),
        "verified_documents": verifications.verified_kinds(person),
    }


def _mine(person: User) -> dict:
    return {
        **_public(person),
        "email": person.email,
        "display_name": person.display_name,
        "language": person.language,
        "country": person.country,
    }


def _save(person: User, data: dict, files: MultiValueDict | None = None) -> User:
    """Validate with the page's form (the other fields keep their values) and save through its service."""
    current = {name: getattr(person, name) for name in EDITABLE}
    form = ProfileForm({**current, **data}, files, instance=person)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise DomainError(str(errors[0]), field=None if field == "__all__" else field)
    return services.update_profile(actor=person, profile_owner=person, form=form)


@router.get("/me", response=MyProfileOut, auth=session_or_token_auth, summary="My profile, with my email")
def my_profile(request: ApiRequest):
    return _mine(request.auth)


@router.patch("/me", response=MyProfileOut, auth=session_or_token_auth, summary="Edit my profile")
def edit_my_profile(request: ApiRequest, data: ProfilePatch):
    return _mine(_save(request.auth, data.dict(exclude_none=True)))


@router.post("/me/photo", response=MyProfileOut, auth=session_or_token_auth, summary="Set my photo (multipart)")
def set_my_photo(request: ApiRequest, photo: File[UploadedFile]):
    return _mine(_save(request.auth, {}, MultiValueDict({"avatar": [photo]})))


@router.delete("/me/photo", response=MyProfileOut, auth=session_or_token_auth, summary="Remove my photo")
def remove_my_photo(request: ApiRequest):
    # ClearableFileInput's "clear" box, as the page sends it.
    return _mine(_save(request.auth, {"avatar-clear": "on"}))


@router.get("/{user_id}", response=PublicProfileOut, auth=None, summary="Someone's public profile")
def public_profile(request: HttpRequest, user_id: ObjectId):
    try:
        return _public(selectors.public_profile(user_id))
    except Http404:
        raise NotFound(gettext_noop("No such person.")) from None
