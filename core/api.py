"""What every app's API router shares: how a caller authenticates and how ids are bounded.

The API root (`sharing/api.py`) mounts the routers and turns errors into JSON; the
routers themselves only need this module, so no app imports the project shell.
"""

from __future__ import annotations

from typing import Annotated

from allauth.headless.contrib.ninja.security import XSessionTokenAuth
from ninja import Field
from ninja.security import django_auth
from pydantic import BaseModel

# Database ids are 64-bit: an id schema field bounded like this is refused as a 422
# before it reaches a query, the same on SQLite and PostgreSQL.
MAX_DATABASE_ID = 2**63 - 1
ObjectId = Annotated[int, Field(ge=1, le=MAX_DATABASE_ID)]


# Mobile clients send allauth's app session token (X-Session-Token); the site's own
# pages call the API with the session cookie, which then also needs the CSRF token.
class AppTokenAuth(XSessionTokenAuth):
    """allauth's app token, described completely in the OpenAPI schema (header name included)."""

    openapi_in = "header"
    openapi_name = "X-Session-Token"


session_or_token_auth = [AppTokenAuth(), django_auth]


class PlainOut(BaseModel):
    """An answer schema for data the view already built as dicts (not model instances).

    ninja's `Schema` wraps the validation of every object in a Python validator (so that it can read
    model attributes); a page of 20 search results is 40 such objects, about 1 ms of each search
    request. A plain pydantic model is validated by pydantic's core alone, about 8x faster, and shows
    in the OpenAPI document the same way. Use it only for answers given as dicts.
    """
