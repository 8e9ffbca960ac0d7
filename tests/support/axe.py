"""Accessibility checks with axe-core (vendored, pinned: tests/support/vendor/axe.min.js, axe-core 4.10.2 from npm).

Journeys call `serious_violations(page)` on each page they visit; a test fails on any
`serious` or `critical` violation, listing rule, impact and the offending elements.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line per rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text())
    # A popup still fading in (Leaflet's 0.2 s opacity transition) reads as low contrast: let
    # running transitions and animations finish before axe looks.
    page.evaluate(
        "async () => { const done = Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)));"
        " await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 1000))]); }"
    )
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [
        f"{page.url}: {each['id']} ({each['impact']}): {each['help']} -- "
        + "; ".join(" ".join(node["target"]) for node in each["nodes"][:5])
        for each in violations
        if each["impact"] in BLOCKING_IMPACTS
    ]
