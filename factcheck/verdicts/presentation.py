"""A verdict revision as plain values and labelled fields, for diffs and audit entries."""

from __future__ import annotations

from factcheck.verdicts.models import EvidenceSource, VerdictRevision

REVISION_FIELDS = {
    "rating": "Rating",
    "summary": "Conclusion",
    "explanation": "Explanation",
    "claim_text": "Claim",
    "claimant_name": "Claimant",
    "claimant_role": "Claimant's role",
    "claimed_on": "Date claimed",
    "evidence": "Evidence",
}


def _evidence_line(e: EvidenceSource) -> str:
    parts = [e.title or e.url]
    if e.publisher:
        parts.append(e.publisher)
    parts.append(e.url if e.title else "")
    if e.accessed_on:
        parts.append(f"accessed {e.accessed_on.isoformat()}")
    if e.note:
        parts.append(f"note: {e.note}")
    return " · ".join(p for p in parts if p)


def revision_values(rev: VerdictRevision) -> dict[str, object]:
    """A revision's fields as plain values, for diffs and audit entries."""
    return {
        "rating": rev.rating.label if rev.rating else None,
        "summary": rev.summary,
        "explanation": rev.explanation or None,
        "claim_text": rev.claim_text,
        "claimant_name": rev.claimant_name,
        "claimant_role": rev.claimant_role,
        "claimed_on": rev.claimed_on.isoformat() if rev.claimed_on else None,
        "evidence": [_evidence_line(e) for e in rev.evidence],
    }
