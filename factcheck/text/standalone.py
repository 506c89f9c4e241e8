"""Make a claim read on its own: drop the reporting frame and day-level time words at
clause edges, resolve what its pronouns point to, and repair its punctuation.

Pure functions over explicit inputs. Attribution decides who spoke and what came before;
this module only rewrites the claim text (the sentence itself is never changed). What
pronouns stand for is factcheck.text.references; time words and the statement's date are
factcheck.text.timewords.
"""

from __future__ import annotations

import re

from factcheck.text.references import FINITE_VERBS, Context, resolve_references
from factcheck.text.timewords import TIME_RE, WEEKDAYS, drop_time_adverbials

# --- the reporting frame ----------------------------------------------------------------

_FRAME_STARTS = frozenset(
    """
    on in at during to via with through after before late early earlier later last this
    yesterday today tonight also again however repeatedly previously further publicly
    separately privately once now then too
    """.split()
) | set(WEEKDAYS)
_TELL = {"told", "tells", "tell", "assured", "assures", "reminded", "reminds"}


def split_frame(rest: str, verb: str | None = None) -> tuple[str, str]:
    """Split what follows a reporting verb into (frame, claim).

    "on Tuesday that taxes rose" -> ("on Tuesday", "taxes rose"); "told reporters that"
    drops the hearers; "in a statement: ..." drops the setting. A frame is short and holds
    no finite verb, so "said the report that was leaked ..." keeps its words.
    """
    text = rest.strip()
    match = re.match(r"^(?P<frame>[^“”\"]{0,90}?)(?:,\s*)?(?:\bthat\b|:)\s*", text)
    if match:
        frame = match.group("frame").strip(" ,")
        words = frame.split()
        first = words[0].lower().strip(",") if words else ""
        ok = (
            not words
            or (len(words) <= 12 and (first in _FRAME_STARTS or (verb or "").lower() in _TELL))
        ) and not any(w.lower().strip(",") in FINITE_VERBS for w in words)
        if ok and len(text[match.end() :].split()) >= 1:
            return frame, text[match.end() :]
    text = text.lstrip(" ,")
    # A time word right after the verb dates the statement: "said on Monday the talks ..."
    lead = TIME_RE.match(text)
    if lead and lead.end() < len(text):
        tail = text[lead.end() :]
        if tail[:1] in {",", " "}:
            return lead.group(0), tail.lstrip(" ,")
    return "", text


# --- punctuation ------------------------------------------------------------------------

_OPEN, _CLOSE = "“", "”"


def _balance_quotes(text: str) -> str:
    """Drop curly double quotes that open or close nothing; an odd straight one too."""
    stray: list[int] = []
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == _OPEN:
            opened.append(i)
        elif ch == _CLOSE:
            if opened:
                opened.pop()
            else:
                stray.append(i)
    stray += opened
    straight = [i for i, ch in enumerate(text) if ch == '"']
    if len(straight) % 2:
        stray.append(straight[0] if straight[0] == 0 else straight[-1])
    for i in sorted(stray, reverse=True):
        text = text[:i] + text[i + 1 :]
    return text


def strip_outer_quotes(text: str) -> str:
    """ "“The budget doubled,”" -> "The budget doubled"; a quote inside stays quoted."""
    text = text.strip()
    if len(text) > 1 and text[0] in '“"' and text[-1] in '”"':
        inner = text[1:-1]
        if _balance_quotes(inner) == inner:
            text = inner
    return text.strip().rstrip(",").strip()


def finish(claim: str) -> str:
    """Repair punctuation: whitespace, stray and unbalanced quotes, doubled stops, a quote
    mark after the final stop; start with a capital letter and end with a stop."""
    claim = re.sub(r"\s+", " ", claim).strip()
    claim = _balance_quotes(claim)
    claim = re.sub(r"\s+([,.;:!?”])", r"\1", claim)
    claim = re.sub(r"“\s+", "“", claim)
    claim = re.sub(r"([.!?])([”\"’])\.", r"\2\1", claim)  # same goal.”. -> same goal”.
    claim = re.sub(r"\.([”\"])$", r"\1.", claim)  # same goal.” -> same goal”.
    claim = re.sub(r"(?<!\.)\.\.(?!\.)", ".", claim)
    claim = re.sub(r"([!?])\.", r"\1", claim)
    claim = re.sub(r"[,;:]\.", ".", claim)
    claim = claim.strip().rstrip(" ,;:-–—").strip()
    if not claim:
        return claim
    body = claim.rstrip('”"’)')
    if body and body[-1] not in ".!?…":
        claim += "."
    lead = re.match(r"^[“\"‘(\[]*", claim).end()
    if lead < len(claim) and claim[lead].islower():
        claim = claim[:lead] + claim[lead].upper() + claim[lead + 1 :]
    return claim


def standalone(claim: str, ctx: Context | None = None) -> str:
    """The claim as a reader should see it on its own (see the module docstring)."""
    ctx = ctx or Context()
    text = strip_outer_quotes(claim)
    text = re.sub(r"^\s*(?:that\b|[:,])\s*", "", text)
    text = drop_time_adverbials(text)
    text = re.sub(r"^\s*(?:that\b|[:,])\s*", "", text)
    text = resolve_references(text, ctx)
    return finish(text)
