#!/usr/bin/env bash
# Installs the system tools the test suite needs when they are absent.
# Each later layer (R/metafor, Chromium, PostgreSQL) adds its own block here,
# so that `make test` on a fresh machine needs nothing installed by hand.
set -euo pipefail
echo "setup-test-deps: checking R/metafor, Chromium, PostgreSQL, npm, fonts, fhirpath.js, Java"

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

# --- Web decision aid (tests/web): Chromium, PostgreSQL server, axe-core ---------------
# Browser tests drive Debian's Chromium through Playwright (never `playwright install`);
# storage tests start a throwaway PostgreSQL cluster from Debian's server binaries;
# the accessibility check injects axe-core from the npm registry (into build/axe).
web_need=()
[ -x /usr/bin/chromium ] || web_need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || web_need+=(postgresql)
command -v npm >/dev/null 2>&1 || web_need+=(npm)
fc-list 2>/dev/null | grep -qi dejavu || web_need+=(fonts-dejavu-core)
if [ "${#web_need[@]}" -gt 0 ]; then
    echo "setup-test-deps: installing ${web_need[*]} (Debian)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${web_need[@]}" >/dev/null
fi
AXE_DIR="$(cd "$(dirname "$0")/.." && pwd)/build/axe"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
    echo "setup-test-deps: installing axe-core@4 (npm) into build/axe"
    mkdir -p "$AXE_DIR"
    (cd "$AXE_DIR" && npm install --silent --no-audit --no-fund axe-core@4 >/dev/null)
fi

# --- FHIR export (tests/fhir): fhirpath.js, a second FHIRPath engine ----------------------
# The generated FHIRPath conditions are evaluated by fhirpathpy and by HL7's JavaScript
# implementation (npm `fhirpath`, R4 model) on the same profiles; Node comes with npm above.
FHIRPATH_DIR="$(cd "$(dirname "$0")/.." && pwd)/build/fhirpath"
if [ ! -f "$FHIRPATH_DIR/node_modules/fhirpath/package.json" ]; then
    echo "setup-test-deps: installing fhirpath@5 (npm) into build/fhirpath"
    mkdir -p "$FHIRPATH_DIR"
    (cd "$FHIRPATH_DIR" && npm install --silent --no-audit --no-fund fhirpath@5 >/dev/null)
fi

# --- Population audit (tests/audit): Java for Spark local mode -------------------------
# pyspark (from PyPI, via the test extra) needs a JVM (17+ for Spark 4); Debian's headless
# JRE is installed only when `java` is absent. PostgreSQL comes from the web block above.
if ! command -v java >/dev/null 2>&1; then
    echo "setup-test-deps: installing default-jre-headless (Debian) for Spark"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi
