"""The API's schemas have one name each: the OpenAPI document names a schema by its class name, and a
second class of the same name silently replaces the first (the photo upload then promised the car
handover's photo fields, and the fuzzer found the answer "violating" the document)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import sharing.api  # noqa: F401  (mounts every router, importing every API module)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_no_two_api_schemas_share_a_name():
    by_name: dict[str, set[str]] = defaultdict(set)
    for schema in _subclasses(Schema):
        module = schema.__module__
        if module.split(".")[0] in ("ninja", "tests") or "<" in schema.__qualname__:
            continue
        by_name[schema.__name__].add(f"{module}.{schema.__qualname__}")
    assert {name: places for name, places in by_name.items() if len(places) > 1} == {}
