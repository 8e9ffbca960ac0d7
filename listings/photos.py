"""The owner's photos of a listing after creation: add, delete, make the cover, reorder, caption.

Each is one transaction that locks the listing row first (as every write of listings.services does);
position 0 is the cover, and positions stay 0..n-1 with no gaps.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError, NotFound
from listings.models import Listing, ListingPhoto
from listings.services import _lock_own, _prepare_photos, _store_photos


def add_photos(*, listing: Listing, actor: User, uploads: list[UploadedFile]) -> list[ListingPhoto]:
    """Store the uploads after the existing photos (the first photo is the cover), all or none."""
    prepared = _prepare_photos(uploads)
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        return _store_photos(locked, prepared)


def delete_photo(*, listing: Listing, actor: User, photo_id: int) -> None:
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        photo = locked.photos.filter(pk=photo_id).first()
        if photo is None:
            raise NotFound(gettext_noop("That photo is not on this listing."))
        photo.delete()
        for position, remaining in enumerate(locked.photos.order_by("position", "pk")):
            if remaining.position != position:
                remaining.position = position
                remaining.save(update_fields=["position"])


def make_cover(*, listing: Listing, actor: User, photo_id: int) -> None:
    """Move a photo first (the cover), keeping the others in order."""
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        photos = list(locked.photos.order_by("position", "pk"))
        chosen = [photo for photo in photos if photo.pk == photo_id]
        if not chosen:
            raise NotFound(gettext_noop("That photo is not on this listing."))
        for position, photo in enumerate(chosen + [photo for photo in photos if photo.pk != photo_id]):
            photo.position = position
            photo.save(update_fields=["position"])


def reorder_photos(*, listing: Listing, actor: User, photo_ids: list[int]) -> list[ListingPhoto]:
    """Put every photo of the listing in the order given (the first is the cover); ids must be exactly its photos."""
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        photos = {photo.pk: photo for photo in locked.photos.all()}
        if len(set(photo_ids)) != len(photo_ids) or set(photo_ids) != set(photos):
            raise DomainError(
                gettext_noop("List every photo of this listing exactly once, in the new order."), field="photo_ids"
            )
        for position, photo_id in enumerate(photo_ids):
            photo = photos[photo_id]
            if photo.position != position:
                photo.position = position
                photo.save(update_fields=["position"])
        return [photos[photo_id] for photo_id in photo_ids]


PHOTO_CAPTION_MAX = 140


def caption_photo(*, listing: Listing, actor: User, photo_id: int, caption: str) -> ListingPhoto:
    """Set (or clear, with an empty text) the caption shown under one photo."""
    text = " ".join((caption or "").split())
    if len(text) > PHOTO_CAPTION_MAX:
        raise DomainError(
            gettext_noop("Keep the caption under %(count)s characters."),
            params={"count": PHOTO_CAPTION_MAX},
            field="caption",
        )
    with transaction.atomic():
        locked = _lock_own(listing, actor)
        photo = locked.photos.filter(pk=photo_id).first()
        if photo is None:
            raise NotFound(gettext_noop("That photo is not on this listing."))
        photo.caption = text
        photo.save(update_fields=["caption"])
        return photo
