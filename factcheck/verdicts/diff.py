"""Field-by-field differences between two verdict revisions, with word-level marks."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.services import REVISION_FIELDS, revision_values


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its label, both values as text, and an HTML word diff."""

    field: str
    label: str
    old: str
    new: str
    marked: Markup


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def word_diff(old: str, new: str) -> Markup:
    """Escaped HTML of new text with removed words in <del> and added words in <ins>."""
    a = re.findall(r"\S+|\s+", old)
    b = re.findall(r"\S+|\s+", new)
    out: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(Markup("<del>%s</del>") % "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>%s</ins>") % "".join(b[j1:j2]))
    return Markup("").join(out)


def diff_revisions(old: VerdictRevision | None, new: VerdictRevision) -> list[FieldChange]:
    """What changed from `old` (None: nothing yet) to `new`, in a fixed field order."""
    before = revision_values(old) if old is not None else {}
    after = revision_values(new)
    changes = []
    for name, label in REVISION_FIELDS.items():
        a, b = _as_text(before.get(name)), _as_text(after.get(name))
        if a != b:
            changes.append(FieldChange(name, label, a, b, word_diff(a, b)))
    return changes
