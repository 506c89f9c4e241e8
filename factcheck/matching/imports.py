"""Rulings from elsewhere: other organisations' ClaimReview records, read from a file.

Reads ClaimReview as JSON-LD (one object, an array, or {"@graph": [...]}; also
ClaimReview nested in a page's JSON-LD, e.g. a WebPage whose mainEntity is one, or the
<script type="application/ld+json"> blocks of a saved HTML page) or as JSON Lines (one
object per line: Google Fact Check Tools' exports, or another desk's `factcheck export`
ClaimReview feed). Each good record becomes an ExternalRuling; a record that cannot be
read is refused with its line and record number and the rest are imported. A record seen
before (same publisher, fact-check URL and claim, `record_key`) is updated in place, so
importing a file twice duplicates nothing.

The claims reviewed are embedded with the classifier (in batches, before the write
transaction opens) and matched against the stored claims: each live claim at or above
MATCH_SUGGEST_SIMILARITY gets a "suggested" ClaimMatch to the ruling. A ruling from
elsewhere is never linked automatically.

Bounds (README): the file at most IMPORT_CLAIMREVIEW_MAX_BYTES (50 MB) and
IMPORT_CLAIMREVIEW_MAX_RECORDS records (50,000), a record at most 100,000 characters of
JSON, nesting searched 8 levels deep; claimReviewed at most 5,000 characters, names and
ratings 200, URLs 2,000 (http or https only), the language 20; dates ISO 8601.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.classifier import Classifier
from factcheck.db import end_read_transaction
from factcheck.errors import InvalidInput
from factcheck.matching.index import IMPORT_ACTION, IMPORT_ENTITY, nearest
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.matching.services import MatchSettings

MAX_RECORD_CHARS = 100_000
MAX_CLAIM_CHARS = 5_000
MAX_NAME_CHARS = 200
MAX_URL_CHARS = 2_000
MAX_LANGUAGE_CHARS = 20
MAX_DEPTH = 8
EMBED_BATCH = 64
MATCH_BATCH = 256
WRITE_BATCH = 500


@dataclass(frozen=True)
class ImportLimits:
    """How much one import may read (IMPORT_CLAIMREVIEW_* settings)."""

    max_bytes: int = 52_428_800
    max_records: int = 50_000

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> ImportLimits:
        default = cls()
        return cls(
            int(config.get("IMPORT_CLAIMREVIEW_MAX_BYTES", default.max_bytes)),  # type: ignore[call-overload]
            int(config.get("IMPORT_CLAIMREVIEW_MAX_RECORDS", default.max_records)),  # type: ignore[call-overload]
        )


@dataclass(frozen=True)
class Refused:
    """A record that was not imported, where it was, and why."""

    line: int | None
    record: int
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}, record {self.record}" if self.line else f"record {self.record}"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refused] = field(default_factory=list)
    # Suggested matches written between stored claims and the rulings read.
    matches: int = 0

    def summary(self) -> str:
        return (
            f"{self.imported} imported, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.refused)} refused; {self.matches} new matches with claims."
        )


class RecordError(ValueError):
    """Why one record cannot be imported (a message for a person)."""


@dataclass(frozen=True)
class _Source:
    """A JSON object read from the file, with where it starts."""

    line: int | None
    record: int
    value: Any


# Reading the file.


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"not valid JSON ({exc.msg} at column {exc.colno})"


def _array_items(text: str, start: int) -> Iterator[tuple[int, Any]]:
    """(position, value) of each element of the JSON array starting at text[start]."""
    decoder = json.JSONDecoder()
    pos = start + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            raise json.JSONDecodeError("the array is not closed (no ']')", text, pos)
        if text[pos] == "]":
            return
        value, end = decoder.raw_decode(text, pos)
        yield pos, value
        pos = end


def read_sources(text: str, *, max_records: int) -> tuple[list[_Source], list[Refused]]:
    """The top-level JSON objects of a file and the lines that could not be read.

    Raises InvalidInput when the file as a whole cannot be read (not JSON at all, more
    than max_records records)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    offset = len(text) - len(stripped)
    if not stripped:
        raise InvalidInput("The file is empty.")
    sources: list[_Source] = []
    refused: list[Refused] = []
    if stripped.startswith("<"):
        blocks = re.finditer(
            r"<script[^>]*type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>",
            text,
            re.I | re.S,
        )
        for n, block in enumerate(blocks, start=1):
            line = _line_of(text, block.start(1))
            try:
                sources.append(_Source(line, n, json.loads(block.group(1))))
            except json.JSONDecodeError as exc:
                refused.append(Refused(line + exc.lineno - 1, n, _json_error(exc)))
        if not sources and not refused:
            raise InvalidInput("The page holds no JSON-LD (<script type=application/ld+json>).")
    elif stripped.startswith("["):
        try:
            for n, (pos, value) in enumerate(_array_items(text, offset), start=1):
                sources.append(_Source(_line_of(text, pos), n, value))
                if len(sources) > max_records:
                    break
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"Line {exc.lineno}: {_json_error(exc)}; nothing imported (a JSON array is "
                "read whole: fix the file, or write one record per line)."
            ) from exc
    else:
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict):
            sources.append(_Source(_line_of(text, offset), 1, whole))
        else:
            # JSON Lines: one object per line; blank lines are skipped.
            n = 0
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                n += 1
                if n > max_records:
                    raise InvalidInput(
                        f"The file holds more than {max_records:,} records; split it into "
                        "smaller files."
                    )
                try:
                    sources.append(_Source(number, n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    refused.append(Refused(number, n, _json_error(exc)))
    if len(sources) + len(refused) > max_records:
        raise InvalidInput(
            f"The file holds more than {max_records:,} records; split it into smaller files."
        )
    return sources, refused


def _types(value: Mapping[str, Any]) -> list[str]:
    kind = value.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)]


def _claim_reviews(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """ClaimReview objects in a JSON-LD value: itself, its @graph, or nested in a page."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _claim_reviews(item, depth + 1)
    elif isinstance(value, dict):
        if "ClaimReview" in _types(value):
            yield value
            return
        for key, item in value.items():
            if key != "@context" and isinstance(item, list | dict):
                yield from _claim_reviews(item, depth + 1)


# One record.


@dataclass(frozen=True)
class ParsedRuling:
    """The columns of an ExternalRuling read from one ClaimReview."""

    record_key: str
    publisher_name: str
    publisher_url: str | None
    url: str | None
    claim_reviewed: str
    claimant: str | None
    claimed_on: date | None
    rating: str | None
    rating_value: float | None
    best_rating: float | None
    worst_rating: float | None
    reviewed_on: date | None
    language: str | None
    appearance_url: str | None
    raw: dict[str, Any]
    line: int | None
    record: int


def _text(value: Any, what: str, limit: int) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, list):
        value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise RecordError(f"{what} is not text")
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise RecordError(f"{what} is over {limit:,} characters ({len(text):,})")
    return text


def _url(value: Any, what: str) -> str | None:
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    if isinstance(value, list):
        value = next((v for v in value if v), None)
        if isinstance(value, dict):
            value = value.get("url") or value.get("@id")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{what} is not an address")
    value = value.strip()
    if len(value) > MAX_URL_CHARS:
        raise RecordError(f"{what} is over {MAX_URL_CHARS:,} characters")
    if not re.match(r"https?://[^\s/]+", value, re.I):
        raise RecordError(f"{what} is not an http(s) address: {value[:80]!r}")
    return value


def _date(value: Any, what: str) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"{what} is not a date")
    try:
        if len(value) > 10:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{what} is not a date like 2026-03-02: {value[:40]!r}") from exc


def _number(value: Any, what: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RecordError(f"{what} is not a number: {str(value)[:40]!r}") from exc
    if not np.isfinite(number):
        raise RecordError(f"{what} is not a finite number")
    return number


def record_key(publisher: str, url: str | None, claim: str) -> str:
    """Equal for one organisation's review of one claim at one address."""
    words = " ".join(re.findall(r"\w+", claim.lower()))
    parts = [publisher.strip().lower(), (url or "").strip().lower(), words]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def parse_review(review: Mapping[str, Any], *, line: int | None, number: int) -> ParsedRuling:
    """The columns of one ClaimReview object; RecordError says why it cannot be read."""
    raw = json.dumps(review, ensure_ascii=False, default=str)
    if len(raw) > MAX_RECORD_CHARS:
        raise RecordError(f"the record is over {MAX_RECORD_CHARS:,} characters")
    claim = _text(review.get("claimReviewed"), "claimReviewed", MAX_CLAIM_CHARS)
    if claim is None:
        raise RecordError("no claimReviewed")
    author = review.get("author") or review.get("publisher")
    publisher = _text(author, "publisher (author.name)", MAX_NAME_CHARS)
    if publisher is None:
        raise RecordError("no publisher (author.name)")
    item = review.get("itemReviewed")
    item = item if isinstance(item, dict) else {}
    rating = review.get("reviewRating")
    rating = rating if isinstance(rating, dict) else {}
    appearance = item.get("firstAppearance") or item.get("appearance")
    url = _url(review.get("url"), "url")
    return ParsedRuling(
        record_key=record_key(publisher, url, claim),
        publisher_name=publisher,
        publisher_url=_url(author, "author.url") if isinstance(author, dict | list) else None,
        url=url,
        claim_reviewed=claim,
        claimant=_text(item.get("author"), "itemReviewed.author", MAX_NAME_CHARS),
        claimed_on=_date(item.get("datePublished"), "itemReviewed.datePublished"),
        rating=_text(rating.get("alternateName"), "reviewRating.alternateName", MAX_NAME_CHARS),
        rating_value=_number(rating.get("ratingValue"), "reviewRating.ratingValue"),
        best_rating=_number(rating.get("bestRating"), "reviewRating.bestRating"),
        worst_rating=_number(rating.get("worstRating"), "reviewRating.worstRating"),
        reviewed_on=_date(review.get("datePublished"), "datePublished"),
        language=_text(review.get("inLanguage"), "inLanguage", MAX_LANGUAGE_CHARS),
        appearance_url=_url(appearance, "itemReviewed.appearance"),
        raw=json.loads(raw),
        line=line,
        record=number,
    )


def parse_file(data: bytes, *, limits: ImportLimits) -> tuple[list[ParsedRuling], list[Refused]]:
    """Every ClaimReview of a file read into columns, and the records refused."""
    if len(data) > limits.max_bytes:
        raise InvalidInput(f"The file is over {limits.max_bytes:,} bytes; split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"The file is not UTF-8 text (byte {exc.start}).") from exc
    sources, refused = read_sources(text, max_records=limits.max_records)
    parsed: list[ParsedRuling] = []
    seen: dict[str, ParsedRuling] = {}
    for source in sources:
        reviews = list(_claim_reviews(source.value))
        if not reviews:
            kinds = _types(source.value) if isinstance(source.value, dict) else []
            what = f"@type {', '.join(kinds)}" if kinds else "no @type"
            refused.append(Refused(source.line, source.record, f"not a ClaimReview ({what})"))
            continue
        for review in reviews:
            if len(parsed) >= limits.max_records:
                raise InvalidInput(
                    f"The file holds more than {limits.max_records:,} ClaimReview records; "
                    "split it into smaller files."
                )
            try:
                ruling = parse_review(review, line=source.line, number=source.record)
            except RecordError as exc:
                refused.append(Refused(source.line, source.record, str(exc)))
                continue
            if earlier := seen.get(ruling.record_key):
                where = f"line {earlier.line}" if earlier.line else f"record {earlier.record}"
                refused.append(Refused(source.line, source.record, f"the same ruling as {where}"))
                continue
            seen[ruling.record_key] = ruling
            parsed.append(ruling)
    refused.sort(key=lambda r: (r.line or 0, r.record))
    return parsed, refused


# Storing and matching.

_COLUMNS = (
    "publisher_name",
    "publisher_url",
    "url",
    "claim_reviewed",
    "claimant",
    "claimed_on",
    "rating",
    "rating_value",
    "best_rating",
    "worst_rating",
    "reviewed_on",
    "language",
    "appearance_url",
    "raw",
)


def _existing(session: so.Session, keys: Sequence[str]) -> dict[str, ExternalRuling]:
    found: dict[str, ExternalRuling] = {}
    for start in range(0, len(keys), WRITE_BATCH):
        chunk = keys[start : start + WRITE_BATCH]
        for row in session.scalars(
            sa.select(ExternalRuling).where(ExternalRuling.record_key.in_(chunk))
        ):
            found[row.record_key] = row
    return found


def _embed(classifier: Classifier, texts: Sequence[str]) -> np.ndarray:
    rows = [
        np.asarray(classifier.embed(list(texts[i : i + EMBED_BATCH])), dtype=np.float32)
        for i in range(0, len(texts), EMBED_BATCH)
    ]
    return np.concatenate(rows) if rows else np.empty((0, 0), np.float32)


def import_claimreview(
    session: so.Session,
    parsed: Sequence[ParsedRuling],
    refused: Sequence[Refused],
    *,
    source_file: str,
    classifier: Classifier,
    actor: User | None,
    now: datetime,
    settings: MatchSettings,
) -> ImportReport:
    """Store the parsed rulings (new ones added, known ones updated), embed their claims,
    suggest matches with stored claims, audit the import; flush. The caller commits.

    The claims are embedded before anything is written (the caller's reads end first),
    so the write transaction lasts only as long as the writes."""
    report = ImportReport(refused=list(refused))
    existing = _existing(session, [p.record_key for p in parsed])
    model = (classifier.name, classifier.version)

    def needs_vector(p: ParsedRuling) -> bool:
        row = existing.get(p.record_key)
        return (
            row is None
            or row.vector is None
            or (row.model_name, row.model_version) != model
            or row.claim_reviewed != p.claim_reviewed
        )

    to_embed = [p for p in parsed if needs_vector(p)]
    end_read_transaction(session)
    vectors = _embed(classifier, [p.claim_reviewed for p in to_embed])
    vector_of = {p.record_key: vectors[i] for i, p in enumerate(to_embed)}
    existing = _existing(session, [p.record_key for p in parsed])  # re-read after the pause
    changed: list[ExternalRuling] = []
    for p in parsed:
        row = existing.get(p.record_key)
        values = {name: getattr(p, name) for name in _COLUMNS}
        if row is None:
            row = ExternalRuling(record_key=p.record_key, **values)
            session.add(row)
            report.imported += 1
        elif any(getattr(row, name) != value for name, value in values.items()) or (
            p.record_key in vector_of
        ):
            for name, value in values.items():
                setattr(row, name, value)
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        row.source_file, row.source_line = source_file[:500], p.line
        row.imported_at, row.imported_by_id = now, getattr(actor, "id", None)
        if p.record_key in vector_of:
            vector = vector_of[p.record_key]
            row.model_name, row.model_version = model
            row.dimensions = len(vector)
            row.vector = np.asarray(vector, dtype="<f4").tobytes()
        changed.append(row)
    session.flush()
    report.matches = _match_rulings(session, changed, settings, model)
    record(
        session,
        actor=actor,
        action=IMPORT_ACTION,
        entity_type=IMPORT_ENTITY,
        entity_id=None,
        extra={
            "file": source_file[:500],
            "imported": report.imported,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "refused": len(report.refused),
            "matches": report.matches,
            "refused_lines": [str(r) for r in report.refused[:50]],
        },
    )
    return report


def _match_rulings(
    session: so.Session,
    rulings: Sequence[ExternalRuling],
    settings: MatchSettings,
    model: tuple[str, str],
) -> int:
    """Suggested matches between the rulings and the live claims most like them."""
    with_vectors = [r for r in rulings if r.vector is not None]
    written = 0
    for start in range(0, len(with_vectors), MATCH_BATCH):
        chunk = with_vectors[start : start + MATCH_BATCH]
        matrix = np.stack([np.frombuffer(r.vector, dtype="<f4") for r in chunk])
        found = nearest(
            session,
            matrix,
            k=settings.top,
            min_similarity=settings.suggest,
            kinds=("claim",),
            model=(*model, matrix.shape[1]),
            min_index_rows=settings.index_min_rows,
        )
        pairs = {
            (n.id, r.id): n.similarity for r, near in zip(chunk, found, strict=True) for n in near
        }
        if not pairs:
            continue
        known = set(
            session.execute(
                sa.select(ClaimMatch.claim_id, ClaimMatch.external_ruling_id).where(
                    ClaimMatch.external_ruling_id.in_([r.id for r in chunk])
                )
            ).all()
        )
        for (claim_id, ruling_id), similarity in pairs.items():
            if (claim_id, ruling_id) in known:
                continue
            session.add(
                ClaimMatch(
                    claim_id=claim_id,
                    external_ruling_id=ruling_id,
                    similarity=round(min(1.0, max(-1.0, similarity)), 6),
                    state="suggested",
                    automatic=False,
                )
            )
            written += 1
        session.flush()
    return written
