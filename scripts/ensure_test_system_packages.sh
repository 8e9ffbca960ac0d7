#!/usr/bin/env bash
# System packages the test suite needs beyond Python, installed only when missing:
# Debian's chromium for the browser tests (Playwright's own browser download does
# not work on our machines, so the tests drive /usr/bin/chromium), PostGIS for
# the PostgreSQL pass (nearest-first search on PostgreSQL uses it: scripts/ensure_postgis.sh),
# and for receipts and statements (receipts/pdf.py): WeasyPrint's Pango libraries, fonts that
# work offline (DejaVu for Latin text; IPA Gothic for Japanese, 12 MB installed against 91 MB
# for fonts-noto-cjk) and poppler-utils, whose pdftotext the tests read the PDFs with; GNU gettext for
# the translation catalogues (scripts/messages.sh: makemessages and compilemessages run before the tests).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-ipafont-gothic; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages for the tests: ${missing[*]}..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
bash "$(dirname "$0")/ensure_postgis.sh"
