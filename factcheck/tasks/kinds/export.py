"""The "export" job: write a big export (rulings or evidence CSV, ClaimReview JSON Lines)
into a file attached to the job, which the person who asked downloads from its page.

Payload (factcheck.export.files.queue_export): {"format", "filters", "name"}; total = the
rows counted when it was queued. The file is written in one go (the export reads one
streaming cursor, which a commit half-way would close) and attached with the job's
finish; a retried job replaces the file rather than adding a second. Result:
{"download_file": index, "rows": n, "name": ..., "format": ..., "size": bytes}.
"""

from __future__ import annotations

import tempfile
from typing import Any

from flask import current_app

from factcheck.export.files import export_chunks
from factcheck.export.services import filters_from_payload
from factcheck.jobs.runner import JobContext, job_kind
from factcheck.jobs.services import attach_file


@job_kind("export", title="Export")
def export(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.payload
    fmt = str(payload.get("format") or "rulings")
    filters = filters_from_payload(payload.get("filters") or {})
    name = str(payload.get("name") or f"{fmt}-export")
    rows = 0

    def count(n: int) -> None:
        nonlocal rows
        rows += n

    # Written to a temporary file, then read once: one copy of the file in memory, not the
    # two a BytesIO and its getvalue() would hold.
    with tempfile.TemporaryFile() as buffer:
        for chunk in export_chunks(ctx.session, filters, fmt, current_app.config, on_rows=count):
            buffer.write(chunk)
        buffer.seek(0)
        data = buffer.read()
    index = attach_file(ctx.session, ctx.job, name, data)
    # The file commits with the progress; finish() then records the result.
    ctx.checkpoint(rows, total=rows)
    return {
        "download_file": index,
        "rows": rows,
        "name": name,
        "format": fmt,
        "size": len(data),
        "summary": f"{rows:,} row{'' if rows == 1 else 's'} in {name}.",
    }
