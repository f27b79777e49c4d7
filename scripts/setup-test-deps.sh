#!/usr/bin/env bash
# Installs the system tools the test suite needs when they are absent.
# Each later layer (R/metafor, Chromium, PostgreSQL) adds its own block here,
# so that `make test` on a fresh machine needs nothing installed by hand.
set -euo pipefail
echo "setup-test-deps: nothing beyond Python needed yet"
