#!/usr/bin/env bash
# PostGIS for PostgreSQL: nearest-first search walks a GiST index (listings migration 0012), and the geo-search
# benchmark compares with PostGIS itself. Debian's postgresql-15-postgis-3, installed only when missing, so running it again does nothing.
set -euo pipefail
PACKAGE="${POSTGIS_PACKAGE:-postgresql-15-postgis-3}"
if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
  exit 0
fi
echo "Installing Debian's $PACKAGE..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Another install may hold dpkg's lock (the test setup installs chromium): wait for it.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$PACKAGE" >/dev/null
