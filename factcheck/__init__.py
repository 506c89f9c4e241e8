"""factcheck: a claim and allegation fact-check workflow tool."""

from factcheck.app import create_app

__all__ = ["create_app"]
