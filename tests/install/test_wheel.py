"""The package as users get it: built into a wheel, installed into a fresh virtual
environment, `keuzewijs validate` and one `advise` run from there.

The wheel carries code; the knowledge base is data beside it (`./knowledge` or
KEUZEWIJS_KNOWLEDGE). Dependencies come from this environment through a path file, so nothing
is downloaded except the build backend pip's build isolation fetches (cached after once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ..conftest import REPO


def _run(*args: str | Path, cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_installed_wheel_validates_and_advises(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KEUZEWIJS_KNOWLEDGE")}
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        dist,
        REPO,
        cwd=tmp_path,
        env=env,
    )
    (wheel,) = dist.glob("keuzewijs-*.whl")

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            python,
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=tmp_path,
            env=env,
        ).strip()
    )
    # A plain path line: the dependencies are found there, but that folder's own .pth files
    # (among them the editable install of this checkout) are not processed.
    (purelib / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "-q",
        wheel,
        cwd=tmp_path,
        env=env,
    )

    where = _run(python, "-c", "import keuzewijs; print(keuzewijs.__file__)", cwd=tmp_path, env=env)
    assert Path(where.strip()).is_relative_to(venv), where

    keuzewijs = venv / "bin" / "keuzewijs"
    # Run from the repository root: the knowledge is ./knowledge, not found through the code.
    _run(keuzewijs, "validate", cwd=REPO, env=env)
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"age": 79, "fracture_type": "femoral_neck", "displaced": False}))
    out = _run(
        keuzewijs,
        "advise",
        "hip-fracture",
        "--profile",
        profile,
        "--format",
        "json",
        "--lang",
        "en",
        cwd=REPO,
        env=env,
    )
    advice = json.loads(out)
    assert advice["condition"] == "hip-fracture"
    assert advice["recommendations"]

    # Elsewhere, without KEUZEWIJS_KNOWLEDGE, the installed CLI names the folder it looked for:
    # one line, exit 2, no traceback (no fallback into the installed package).
    done = subprocess.run(
        [str(keuzewijs), "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == f"error: {tmp_path / 'knowledge'}: no such folder"
