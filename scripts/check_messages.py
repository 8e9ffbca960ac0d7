"""Fail when a shipped catalogue has an entry left untranslated or fuzzy (after `scripts/messages.sh extract`).

Run by `scripts/messages.sh check` (so by `make test`): extraction adds every new marked string of the code
to each language's .po with an empty msgstr, or a fuzzy guess; either means a page would show English.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def problems() -> list[str]:
    found = []
    for path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        with path.open("rb") as source:
            catalogue = read_po(source)
        for message in catalogue:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                state = "fuzzy" if message.fuzzy else "untranslated"
                ident = message.id[0] if isinstance(message.id, tuple) else message.id
                found.append(f"{path.relative_to(ROOT)}: {state}: {ident!r}")
    return found


if __name__ == "__main__":
    listed = problems()
    for line in listed:
        print(line)
    if listed:
        print(f"{len(listed)} entries to translate: fill them in the .po files, then `scripts/messages.sh compile`.")
    sys.exit(1 if listed else 0)
