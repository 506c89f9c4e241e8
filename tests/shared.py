"""Where the shared seeds and data live: ../shared beside the checkout (as in CI), or
FACTCHECK_SHARED_DIR. Tests that need them fail under CI=true if they are missing, and
skip elsewhere with a message saying how to point at them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from factcheck.settings import ROOT

SHARED = Path(os.environ.get("FACTCHECK_SHARED_DIR") or ROOT.parent / "shared")


def shared_file(*parts: str) -> Path:
    """Return a file under shared/, or fail (CI) / skip (elsewhere) when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} not found; set FACTCHECK_SHARED_DIR to the shared folder"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def seed_text() -> str:
    """The real news article in shared/seeds."""
    return shared_file("seeds", "article-2024-12-03-syria.txt").read_text("utf-8")
