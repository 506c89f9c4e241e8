"""What the ranker knows about a sentence besides its encoding: cues and context.

Pure functions over one document's sentences in order. The same code computes features for
training (CLEF debates, tweets, the news set) and for ingest, so the two cannot drift.

Cues follow the kinds of claim a desk ranks high (Full Fact's schema, see the README):
quantities, allegations, causal claims, claims about laws and records, comparisons; and
the kinds it ranks low: routine event reports, pledges, predictions, opinions, greetings
and questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _cue(*words: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(words) + r")(?![\w-])", re.IGNORECASE)


NUMBER = re.compile(
    r"\d|(?<![\w-])(?:hundreds?|thousands?|millions?|billions?|trillions?|dozens?|"
    r"percent|per cent|half|twice|double[ds]?|triple[ds]?|quadrupled)(?![\w-])",
    re.IGNORECASE,
)
CUES: dict[str, re.Pattern[str]] = {
    "quantity": re.compile(
        r"%|\$|€|£|\d[\d,.]*\s*(?:km|kilomet|mile|tonnes?|tons?|people|cases|deaths|jobs|"
        r"households|homes|votes|years|months|days|hours)|(?<![\w-])(?:percent|per cent|"
        r"millions?|billions?|trillions?)(?![\w-])",
        re.IGNORECASE,
    ),
    "allegation": _cue(
        r"claim(?:s|ed)?",
        r"alleg\w*",
        r"accus\w*",
        r"charg(?:e|ed|es)",
        r"blam\w*",
        r"lie[sd]?",
        r"lying",
        r"fraud\w*",
        r"corrupt\w*",
        r"brib\w*",
        r"cover(?:ed)?[- ]up",
        r"illegal\w*",
        r"support(?:s|ed)? (?:the )?(?:terrorist|armed|rebel)",
        r"false(?:ly)?",
        r"fabricat\w*",
        r"rigged",
        r"embezzl\w*",
        r"violat\w*",
        r"hid(?:e|den|ing)",
    ),
    "causal": _cue(
        r"because",
        r"caus(?:e|ed|es|ing)",
        r"due to",
        r"result(?:ed)? (?:of|in|from)",
        r"as a result",
        r"led to",
        r"leads? to",
        r"responsible for",
        r"linked to",
        r"driven by",
        r"thanks to",
        r"in order to",
        r"paved the way",
    ),
    "law": _cue(
        r"laws?",
        r"bills?",
        r"acts?",
        r"treaty",
        r"constitution\w*",
        r"court",
        r"ruled",
        r"ruling",
        r"regulations?",
        r"contracts?",
        r"legal\w*",
        r"statute",
        r"records? show",
        r"report (?:found|showed|says)",
        r"data show\w*",
        r"figures show\w*",
    ),
    "comparison": _cue(
        r"more than",
        r"less than",
        r"fewer than",
        r"highest",
        r"lowest",
        r"largest",
        r"biggest",
        r"smallest",
        r"record",
        r"most",
        r"least",
        r"rose",
        r"risen",
        r"fell",
        r"fallen",
        r"dropped",
        r"grew",
        r"increased?",
        r"decreased?",
        r"doubled",
        r"tripled",
        r"up from",
        r"down from",
        r"compared with",
        r"since \d{4}",
    ),
    "event": _cue(
        r"visit(?:s|ed|ing)?",
        r"met",
        r"meet(?:s|ing)?",
        r"travell?ed",
        r"arrived?",
        r"attend(?:s|ed)?",
        r"held talks",
        r"hosted",
        r"signed",
        r"phone call",
        r"press conference",
        r"spoke (?:to|with)",
        r"addressing",
        r"welcomed",
        r"traveled",
        r"will (?:visit|travel|meet|attend|hold)",
        r"is due to",
        r"are due to",
        r"scheduled",
        r"voted",
    ),
    "pledge": _cue(
        r"will",
        r"'ll",
        r"going to",
        r"plans? to",
        r"vow(?:s|ed)?",
        r"pledg\w*",
        r"promis\w*",
        r"ready to",
        r"intends? to",
        r"commit(?:s|ted)? to",
        r"determined to",
    ),
    "prediction": _cue(
        r"would",
        r"could",
        r"might",
        r"may",
        r"expects?",
        r"expected",
        r"forecasts?",
        r"predict\w*",
        r"likely",
        r"risk",
        r"threaten\w*",
    ),
    "opinion": _cue(
        r"believe[sd]?",
        r"think",
        r"feel",
        r"hope[sd]?",
        r"should",
        r"must",
        r"great",
        r"terrible",
        r"disaster",
        r"wonderful",
        r"concerns?",
        r"concerned",
        r"condemn\w*",
        r"praise[sd]?",
        r"welcome[sd]?",
        r"calls? for",
        r"called for",
        r"urg(?:e|ed|es)",
        r"unity",
        r"sinister",
        r"vicious",
    ),
    "greeting": _cue(
        r"thank(?:s|ed)?",
        r"thank you",
        r"congratulat\w*",
        r"good (?:evening|morning|night)",
        r"hello",
        r"applause",
        r"laughter",
        r"ladies and gentlemen",
    ),
    "first_person": _cue(r"i", r"i'm", r"i've", r"me", r"my", r"we", r"we're", r"our", r"us"),
}
_QUOTE = re.compile(r"[“”\"]")
_CAPITALISED = re.compile(r"(?<=\s)[A-Z][\w'’.-]+")


@dataclass(frozen=True)
class SentenceInput:
    """One sentence of a document as the ranker sees it."""

    text: str
    kind: str = "body"
    # Who asserts it: the transcript speaker, or the claimant attribution found.
    speaker: str | None = None
    # The reporting verb when the sentence is reported speech ("claimed", "said").
    reporting_verb: str | None = None
    # A speaker's turn in a transcript (debate, press conference), not an article's prose.
    turn: bool = False


# The features the transcript ranker uses: on debates the cue features did not help
# (leave-debates-out CV, README), context and speaker did.
TRANSCRIPT_FEATURES: tuple[str, ...] = ("logit", "previous_logit", "next_logit", "speaker_share")


FEATURE_NAMES: tuple[str, ...] = (
    "logit",
    "previous_logit",
    "next_logit",
    "logit_minus_document_mean",
    "has_number",
    *(f"cue_{name}" for name in CUES),
    "log_words",
    "short",
    "question",
    "quoted",
    "attributed",
    "reported_speech",
    "speaker_share",
    "speaker_question_share",
    "capitalised_share",
)


def _words(text: str) -> int:
    return len(text.split())


def document_features(items: Sequence[SentenceInput], logits: Sequence[float]) -> np.ndarray:
    """One row of FEATURE_NAMES per sentence of one document (in document order)."""
    n = len(items)
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0:
        return out
    clipped = np.clip(np.asarray(logits, dtype=np.float32), -8.0, 8.0)
    body = [i for i, item in enumerate(items) if item.kind == "body"] or list(range(n))
    mean = float(clipped[body].mean())
    speakers = Counter(item.speaker for item in items if item.speaker)
    questions = Counter(
        item.speaker for item in items if item.speaker and item.text.rstrip().endswith("?")
    )
    # Neighbours are the nearest body sentences (captions between paragraphs are skipped).
    position = {index: k for k, index in enumerate(body)}
    for i, item in enumerate(items):
        text = item.text
        words = _words(text)
        k = position.get(i)
        previous = clipped[body[k - 1]] if k is not None and k > 0 else 0.0
        following = clipped[body[k + 1]] if k is not None and k + 1 < len(body) else 0.0
        row = [
            clipped[i],
            previous,
            following,
            clipped[i] - mean,
            1.0 if NUMBER.search(text) else 0.0,
            *(min(len(pattern.findall(text)), 3) / 3 for pattern in CUES.values()),
            math.log1p(words) / 4,
            1.0 if words < 6 else 0.0,
            1.0 if text.rstrip().endswith("?") else 0.0,
            1.0 if _QUOTE.search(text) else 0.0,
            1.0 if item.speaker else 0.0,
            1.0 if item.reporting_verb else 0.0,
            speakers[item.speaker] / n if item.speaker else 0.0,
            questions[item.speaker] / speakers[item.speaker] if item.speaker else 0.0,
            len(_CAPITALISED.findall(text)) / max(words, 1),
        ]
        out[i] = row
    return out
