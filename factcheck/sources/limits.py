"""What taking in one file or page may cost (ExtractLimits, MAX_TEXT_CHARACTERS), and the
errors extraction raises: each with a message a user can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from factcheck.errors import InvalidInput

# The most characters taken in at once, pasted (the ingest form, the API) or extracted from
# a file or a page: the form's field, the API's schema and every extractor use this number.
MAX_TEXT_CHARACTERS = 2_000_000


class ExtractionError(InvalidInput):
    """The input could not be turned into text; the message says why."""


class LimitExceeded(ExtractionError):
    """The input is over a work limit (pages, characters, seconds); the message names it."""

    status_code = 413


@dataclass(frozen=True)
class ExtractLimits:
    """How much work taking in one file or page may cost. A file over a limit is refused
    whole with a message naming the limit (nothing is saved), as pasted text over
    MAX_TEXT_CHARACTERS is: a newsroom wants to know, not to find half a report taken in."""

    max_pages: int = 500
    seconds: float = 20.0
    max_characters: int = MAX_TEXT_CHARACTERS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExtractLimits:
        """The deployment's limits (INGEST_MAX_PAGES, INGEST_EXTRACT_SECONDS), as the web
        form, the API and the CLI all apply them."""
        return cls(
            max_pages=int(config["INGEST_MAX_PAGES"]),
            seconds=float(config["INGEST_EXTRACT_SECONDS"]),
        )

    def check_pages(self, pages: int) -> None:
        """Refuse a PDF with more pages than the limit, before reading any of them."""
        if pages > self.max_pages:
            raise LimitExceeded(
                f"This PDF has {pages:,} pages; at most {self.max_pages:,} are read. "
                "Upload the pages you need as a smaller PDF; nothing was saved."
            )

    def check_characters(self, characters: int) -> None:
        """Refuse text longer than the character limit (the same as for pasted text)."""
        if characters > self.max_characters:
            raise LimitExceeded(
                f"This file holds more than {self.max_characters:,} characters of text, the "
                "most taken in at once (as for pasted text). Split it into parts and take "
                "them in one by one; nothing was saved."
            )

    def timed_out(self) -> LimitExceeded:
        """The error for a file that took longer than `seconds` to read."""
        seconds = f"{self.seconds:g} second{'' if self.seconds == 1 else 's'}"
        return LimitExceeded(
            f"Reading this file took longer than {seconds}, the limit, so it was stopped; "
            "nothing was saved. The file may be damaged or built to be slow to read: save "
            "or export it again, or paste its text."
        )
