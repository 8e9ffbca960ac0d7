"""The site's static files storage: WhiteNoise's compressed manifest, with hashed names even in DEBUG.

Django's manifest storage hands out the plain names while DEBUG is on, which leaves the demo's files
uncacheable; asking for the hashed name always lets the demo cache them for a year, as production does.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def url(self, name: str | None, force: bool = False) -> str:
        return super().url(name, force=True)
