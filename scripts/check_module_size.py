"""Fails when a module outside tests and migrations is over 500 lines without a written reason.

House rule (issue 16, STYLE.md): a file that long usually holds two jobs and should be split by
family of operations. When the size is right, say why in the module docstring, on a line that
starts with `Size:`. Run by `make lint`; `python scripts/check_module_size.py [ROOT]`.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

MAX_LINES = 500
SKIPPED_DIRS = {".git", ".venv", "node_modules", "staticfiles", "media", "migrations", "tests", "__pycache__"}

# TEMPORARY waivers: each names why the module is over and who removes the line. Keep this list short.
WAIVED: dict[str, str] = {}


def has_size_reason(source: str) -> bool:
    """True when the module docstring has a line starting with `Size:`."""
    try:
        docstring = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return False
    return any(line.strip().startswith("Size:") for line in docstring.splitlines())


def modules(root: Path) -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name not in SKIPPED_DIRS and not name.startswith(".")]
        found += [Path(folder, name) for name in files if name.endswith(".py") and not name.startswith("test_")]
    return sorted(found)


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else ".").resolve()
    offenders: list[tuple[str, int]] = []
    waived: list[tuple[str, int]] = []
    for path in modules(root):
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
        if lines <= MAX_LINES or has_size_reason(source):
            continue
        name = path.relative_to(root).as_posix()
        (waived if name in WAIVED else offenders).append((name, lines))
    for name, lines in waived:
        print(f"waived (TEMPORARY): {name}: {lines} lines, {WAIVED[name]}")
    for name in sorted(set(WAIVED) - {name for name, _ in waived}):
        print(f"note: {name} is no longer over {MAX_LINES} lines (or is gone): remove its waiver")
    for name, lines in offenders:
        print(f"{name}: {lines} lines (over {MAX_LINES}): split it by family, or give the reason in a `Size:` line.")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
