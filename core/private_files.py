"""Storage for files nobody may fetch by URL (car handover photos, driving licences).

They live under settings.PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, so the media route never
serves them; each app serves its own through a view that checks who is asking.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A file system storage rooted at PRIVATE_MEDIA_ROOT, read at each use (tests move it)."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()
