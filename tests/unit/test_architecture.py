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


def _layered_packages() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["name"].startswith("Packages depend downward"))
    return {name.strip() for layer in layers["layers"] for name in layer.split("|")}


def test_every_package_has_a_place_in_the_layers():
    """A package left out of the layers contract could import anything: name each one."""
    package = ROOT / "factcheck"
    present = {
        f"factcheck.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    layered = _layered_packages()
    assert present - layered == set(), "add these to the layers in pyproject.toml"
    assert layered - present == set(), "the layers name packages that do not exist"
