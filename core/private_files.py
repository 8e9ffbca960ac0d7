"""Storage for files nobody may fetch by URL (car handover photos, identity documents and licences).

They live under settings.PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, so the media route never
serves them; each app serves its own through a view that checks who is asking.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse


class PrivateStorage(FileSystemStorage):
    """A file system storage rooted at PRIVATE_MEDIA_ROOT, read at each use (tests move it)."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


def private_image_response(image: FieldFile) -> HttpResponse:
    """A private photo as a response nobody caches: call it only once the view has checked who asks.

    Stored photos are re-encoded JPEGs of at most 1600 px a side (a few hundred KB), so they are read whole.
    """
    try:
        with image.open("rb") as file:
            response = HttpResponse(file.read(), content_type="image/jpeg")
    except FileNotFoundError:
        raise Http404("This photo is no longer kept.") from None
    response["Cache-Control"] = "private, no-store"
    return response
