"""Which Python the Makefile makes .venv with: the operating system's when it is 3.11+ and can
make a virtual environment (distributions build it with PGO and LTO, docs/performance.md 3j),
else python3 on the PATH, and PYTHON= always wins."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def venv_command(tmp_path, *arguments: str) -> str:
    """The command `make install` would make .venv with, in a checkout without one."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    # As from a shell: under `make test` the outer make's flags (and its "Entering directory"
    # lines) would otherwise reach this one.
    outer = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTHON", "SYSTEM_PYTHON"}
    env = {name: value for name, value in os.environ.items() if name not in outer}
    dry_run = subprocess.run(
        ["make", "-n", "install", *arguments],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dry_run.stdout.splitlines()[0]


def fake_python(tmp_path, version: tuple[int, int], *, ensurepip: bool = True) -> Path:
    """A stand-in for /usr/bin/python3: this Python running the Makefile's check (its `-c`
    code), as one of `version` would, and without ensurepip (Debian's python3-venv) if so."""
    setup = [f"sys.version_info = {(*version, 0)!r}"]
    if not ensurepip:
        setup.append("sys.modules['ensurepip'] = None")
    wrapper = f"import sys; {'; '.join(setup)}; exec(sys.argv[2])"
    script = tmp_path / "python3"
    script.write_text(f'#!/bin/sh\nexec {sys.executable} -c "{wrapper}" "$@"\n')
    script.chmod(0o755)
    return script


def test_the_system_python_when_it_is_new_enough_and_can_make_a_venv(tmp_path):
    system = fake_python(tmp_path, (3, 11))
    assert venv_command(tmp_path, f"SYSTEM_PYTHON={system}") == f"{system} -m venv .venv"


@pytest.mark.parametrize(
    "system",
    [
        pytest.param(lambda tmp: fake_python(tmp, (3, 9)), id="too old"),
        pytest.param(lambda tmp: fake_python(tmp, (3, 12), ensurepip=False), id="no venv"),
        pytest.param(lambda tmp: tmp / "missing", id="missing"),
    ],
)
def test_python3_on_the_path_otherwise(tmp_path, system):
    assert venv_command(tmp_path, f"SYSTEM_PYTHON={system(tmp_path)}") == "python3 -m venv .venv"


def test_python_given_wins(tmp_path):
    system = fake_python(tmp_path, (3, 12))
    chosen = venv_command(tmp_path, f"SYSTEM_PYTHON={system}", "PYTHON=/opt/python/bin/python3")
    assert chosen == "/opt/python/bin/python3 -m venv .venv"
