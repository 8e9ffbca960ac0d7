#!/usr/bin/env bash
# System packages the test suite needs beyond Python: nothing yet. The browser
# journeys (issue 9) add Debian's chromium here, installed only when missing.
set -euo pipefail
