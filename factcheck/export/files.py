"""One export as a stream of bytes, whatever its format, and the "export" job that
writes it into a file for big exports (factcheck.tasks.kinds.export runs it).

The web's direct download streams the same bytes (export.views), so a file prepared by a
job and a direct download of the same rulings are byte for byte the same (but for rulings
published in between).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.errors import InvalidInput
from factcheck.export.claimreview import claim_reviews, jsonl_chunks
from factcheck.export.services import (
    EXPORT_FORMATS,
    ExportFilters,
    evidence_csv,
    export_name,
    export_rows,
    filters_to_payload,
    public_base_url,
    rulings_csv,
)
from factcheck.jobs.models import Job
from factcheck.jobs.services import enqueue


def export_chunks(
    session: so.Session,
    filters: ExportFilters,
    fmt: str,
    config: Mapping[str, Any],
    *,
    bom: bool = True,
    on_rows: Callable[[int], object] | None = None,
) -> Iterator[bytes]:
    """The export in `fmt` ("rulings", "evidence": CSV; "claimreview": JSON Lines) as
    UTF-8 chunks, read as it is written; `on_rows` is told the rows of each chunk."""
    base_url = public_base_url(config)
    if fmt == "rulings":
        return rulings_csv(session, filters, base_url=base_url, bom=bom, on_rows=on_rows)
    if fmt == "evidence":
        return evidence_csv(session, filters, base_url=base_url, bom=bom, on_rows=on_rows)
    if fmt != "claimreview":
        raise InvalidInput(f"Unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)}).")
    reviews = claim_reviews(
        session,
        filters,
        organisation=config["ORGANISATION_NAME"],
        organisation_url=config["ORGANISATION_URL"],
        base_url=base_url,
    )

    def counted() -> Iterator[dict[str, Any]]:
        for review in reviews:
            if on_rows is not None:
                on_rows(1)
            yield review

    return (chunk.encode() for chunk in jsonl_chunks(counted()))


def queue_export(
    session: so.Session,
    filters: ExportFilters,
    fmt: str,
    *,
    actor: Any,
    now: datetime,
    max_rows: int,
) -> Job:
    """Queue an "export" job that writes the export into a file the person who asked for
    it downloads from the job's page; audited; flush. Refuses an export over `max_rows`
    rows (the command line has no bound: `factcheck export`)."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"Unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)}).")
    rows = export_rows(session, filters, fmt, at_most=max_rows)
    if rows > max_rows:
        raise InvalidInput(
            f"This export has more than the {max_rows:,} rows a prepared file may hold; "
            "narrow the dates, or use `factcheck export` on the server."
        )
    name = export_name(fmt, now)
    payload = {"format": fmt, "filters": filters_to_payload(filters), "name": name}
    job = enqueue(session, "export", payload, actor_id=actor.id, total=rows)
    record(
        session,
        actor=actor,
        action="job.start",
        entity_type="job",
        entity_id=job.id,
        extra={"kind": "export", "format": fmt, "rows": rows},
    )
    return job
