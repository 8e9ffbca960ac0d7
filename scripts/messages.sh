#!/usr/bin/env bash
# The translation catalogues (locale/<language>/LC_MESSAGES): `extract` refreshes the .po files from the code
# (makemessages: templates, .py, the emails' .subject files, and the scripts for djangojs), `compile` writes
# the .mo files the site reads. Both need GNU gettext (Debian's `gettext`, installed by
# scripts/ensure_test_system_packages.sh). tests/i18n/test_catalogues.py fails on an entry left untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
LANGS=(-l es -l fr -l de -l ja -l zh_Hans)
IGNORE=(--ignore=.venv --ignore=tests --ignore=devtools --ignore=bench --ignore=staticfiles --ignore=static/vendor
        --ignore=test-artifacts --ignore=media --ignore=private_media)
case "${1:-compile}" in
  extract)
    "$PY" manage.py makemessages "${LANGS[@]}" -e html,txt,py,subject --no-location --no-obsolete "${IGNORE[@]}"
    "$PY" manage.py makemessages -d djangojs "${LANGS[@]}" --no-location --no-obsolete "${IGNORE[@]}"
    ;;
  compile)
    "$PY" manage.py compilemessages --locale es --locale fr --locale de --locale ja --locale zh_Hans --ignore=.venv
    ;;
  *) echo "usage: $0 [extract|compile]" >&2; exit 2 ;;
esac
