"""Write requirements.lock: every package `pip install -e '.[test]'` resolves to, pinned.

`make lock` runs this; `make install` (and so `make run`, `make test` and CI) installs from the
lock, then keuzewijs itself without dependencies. The resolution is pip's own (`pip install
--dry-run --report`), for this interpreter and platform; the versions are exact (==). Hashes are
left out on purpose: pip then demands one for every file, and the wheel it picks for another
platform would have another hash.

After a lock change: `make soup` (docs/safety/soup.md must list the same versions; a test
checks) and the full `make test`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"
HEADER = """\
# requirements.lock: the exact versions keuzewijs is tested with (issue 18). Do not edit by hand:
# `make lock` resolves pyproject.toml's dependencies and the [test] extra again and rewrites it;
# `make soup` then regenerates docs/safety/soup.md from it.
# Resolved for Python {python} on {platform}.
"""


def resolve() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--report",
                str(report),
                f"{REPO}[test]",
            ],
            check=True,
        )
        items = json.loads(report.read_text(encoding="utf-8"))["install"]
    return sorted(
        (i["metadata"]["name"], i["metadata"]["version"])
        for i in items
        if i["metadata"]["name"] != "keuzewijs"
    )


def main() -> None:
    pins = resolve()
    text = HEADER.format(python=".".join(map(str, sys.version_info[:2])), platform=sys.platform)
    text += "".join(f"{name}=={version}\n" for name, version in pins)
    LOCK.write_text(text, encoding="utf-8")
    print(f"wrote {LOCK} ({len(pins)} packages)")


if __name__ == "__main__":
    main()
