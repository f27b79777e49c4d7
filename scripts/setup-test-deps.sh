#!/usr/bin/env bash
# Installs the system tools the test suite needs when they are absent.
# Each later layer (R/metafor, Chromium, PostgreSQL) adds its own block here,
# so that `make test` on a fresh machine needs nothing installed by hand.
set -euo pipefail
echo "setup-test-deps: nothing beyond Python needed yet"

# --- R + metafor: reference values for the evidence engine (tests/evidence) -----------
# Installed from Debian (r-cran-metafor) when `library(metafor)` fails. Then the metafor
# reference values are regenerated and compared with the committed fixture: a mismatch
# fails `make test` before pytest runs.
if ! Rscript -e 'suppressPackageStartupMessages(library(metafor)); library(jsonlite)' >/dev/null 2>&1; then
    echo "setup-test-deps: installing R and metafor (Debian r-cran-metafor)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        r-base-core r-cran-metafor r-cran-jsonlite >/dev/null
fi
python3 "$(dirname "$0")/metafor/check_fixture.py"
