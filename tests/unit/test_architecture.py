"""The code's shape, checked with every test run: import directions and lint.

The import contracts are in pyproject.toml ([tool.importlinter]); ruff's rules are there
too. Both tools come with the test extra, so CI checks them on a clean clone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from factcheck.settings import ROOT

BIN = Path(sys.executable).parent

pytestmark = pytest.mark.unit


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_ruff_finds_nothing():
    paths = ("factcheck", "tests", "bench", "migrations")
    lint = _run(str(BIN / "ruff"), "check", *paths)
    assert lint.returncode == 0, lint.stdout[-4000:]
    formatted = _run(str(BIN / "ruff"), "format", "--check", *paths)
    assert formatted.returncode == 0, formatted.stdout[-4000:]
