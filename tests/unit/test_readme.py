"""The README's two commands are the ones CI and new users run."""

import re

from factcheck.settings import ROOT


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_readme_opens_with_setup_and_test_commands():
    setup, tests = _readme_commands()
    assert "pip install -e ." in setup and "factcheck demo" in setup
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert tests in ci.splitlines()
