#!/usr/bin/env bash
# The translation catalogues (locale/<language>/LC_MESSAGES, glossary in locale/GLOSSARY.md):
#   extract  refresh the .po files from the code (makemessages: templates, .py, the emails' .subject files,
#            and static/ scripts for djangojs); new entries come in untranslated
#   check    extract into a scratch copy and fail on any untranslated or fuzzy entry (`make test` runs it)
#   compile  write the .mo files the site reads (`make test` and `make demo` run it); they are committed too,
#            and tests/i18n/test_catalogues.py fails when one is older than its .po
# extract and check need GNU gettext (Debian's `gettext`, installed by scripts/ensure_test_system_packages.sh);
# compile falls back to Babel when msgfmt is missing, so `make demo` works without it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
LANGS=(-l es -l fr -l de -l ja -l zh_Hans)
IGNORE=(--ignore=.venv --ignore=tests --ignore=devtools --ignore=bench --ignore=staticfiles --ignore=static/vendor
        --ignore=test-artifacts --ignore=media --ignore=private_media --ignore=.run --ignore=.stack)

extract() {
  "$PY" manage.py makemessages "${LANGS[@]}" -e html,txt,py,subject --no-location --no-obsolete "${IGNORE[@]}" >/dev/null
  "$PY" manage.py makemessages -d djangojs "${LANGS[@]}" --no-location --no-obsolete "${IGNORE[@]}" >/dev/null
}

case "${1:-compile}" in
  extract)
    extract
    ;;
  check)
    # The committed catalogues stay as they are: extraction runs on them, is checked, then undone.
    scratch=$(mktemp -d)
    cp -a locale "$scratch/"
    trap 'rm -rf locale && cp -a "$scratch/locale" . && rm -rf "$scratch"' EXIT
    extract
    "$PY" scripts/check_messages.py
    ;;
  compile)
    if command -v msgfmt >/dev/null 2>&1; then
      "$PY" manage.py compilemessages -l es -l fr -l de -l ja -l zh_Hans --ignore=.venv >/dev/null
    else
      "$PY" -c 'import pathlib
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
for po in pathlib.Path("locale").glob("*/LC_MESSAGES/*.po"):
    with po.open("rb") as source, po.with_suffix(".mo").open("wb") as target:
        write_mo(target, read_po(source))'
    fi
    ;;
  *) echo "usage: $0 [extract|check|compile]" >&2; exit 2 ;;
esac
