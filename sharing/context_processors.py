"""Template variables every page reads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, bool]:
    # The footer links to the design system's page only where that page is served (the demo).
    return {"show_design_page": settings.SHOW_DESIGN_PAGE}
