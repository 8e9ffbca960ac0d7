#!/usr/bin/env bash
# System packages the test suite needs beyond Python, installed only when missing:
# Debian's chromium for the browser tests (Playwright's own browser download does
# not work on our machines, so the tests drive /usr/bin/chromium), and PostGIS for
# the PostgreSQL pass (nearest-first search on PostgreSQL uses it: scripts/ensure_postgis.sh).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
bash "$(dirname "$0")/ensure_postgis.sh"
