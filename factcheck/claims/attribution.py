"""Who claimed what: find the claimant, role, reporting verb and the bare claim.

Rule-based, for news English: reported speech ("X claimed that ..."), "according to X",
quotes followed by "X said", appositive roles ("Esmaeil Baghaei, spokesman of ..."),
titles ("Iranian Foreign Minister Abbas Araghchi"), surnames and role mentions
("the Iranian president") resolved against the people named in the article, and
he/she resolved to the last speaker or subject in the paragraph. Transcripts give the
speaker directly. Fact-checkers correct what this gets wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from factcheck.claims.segment import Span

_VERB_FORMS = {
    "say": ("said", "says", "say", "told", "tells"),
    "claim": ("claimed", "claims", "claim"),
    "allege": ("alleged", "alleges", "allege"),
    "insist": ("insisted", "insists"),
    "announce": ("announced", "announces"),
    "argue": ("argued", "argues"),
    "state": ("stated", "states"),
    "add": ("added", "adds"),
    "warn": ("warned", "warns"),
    "accuse": ("accused", "accuses"),
    "deny": ("denied", "denies"),
    "suggest": ("suggested", "suggests"),
    "assert": ("asserted", "asserts"),
    "maintain": ("maintained", "maintains"),
    "contend": ("contended", "contends"),
    "note": ("noted", "notes"),
    "emphasize": ("emphasized", "emphasised", "emphasizes", "emphasises"),
    "stress": ("stressed", "stresses"),
    "explain": ("explained", "explains"),
    "admit": ("admitted", "admits"),
    "acknowledge": ("acknowledged", "acknowledges"),
    "reveal": ("revealed", "reveals"),
    "write": ("wrote", "writes"),
    "declare": ("declared", "declares"),
    "charge": ("charged", "charges"),
    "predict": ("predicted", "predicts"),
    "promise": ("promised", "promises"),
    "boast": ("boasted", "boasts"),
    "estimate": ("estimated", "estimates"),
    "confirm": ("confirmed", "confirms"),
    "report": ("reported", "reports"),
    "tweet": ("tweeted", "tweets"),
    "express concern": ("expressed concern", "expresses concern"),
}
_VERBS = sorted((form for forms in _VERB_FORMS.values() for form in forms), key=len, reverse=True)
_VERB_RE = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, _VERBS)) + r")(?![\w-])")

_HEDGES = re.compile(
    r"\b(allegedly|reportedly|purportedly|supposedly|apparently|rumou?red|unconfirmed|"
    r"is said to|are said to|is believed to|are believed to|may have|might have|"
    r"according to unnamed|sources say)\b",
    re.IGNORECASE,
)
_ADVERBS = {
    "also",
    "too",
    "again",
    "repeatedly",
    "previously",
    "later",
    "then",
    "now",
    "has",
    "have",
    "had",
    "once",
    "further",
    "falsely",
    "wrongly",
    "publicly",
}
_PRONOUNS = {"he", "she"}
_TITLE_WORDS = {
    "president",
    "minister",
    "prime",
    "foreign",
    "interior",
    "defence",
    "defense",
    "finance",
    "secretary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "mayor",
    "councillor",
    "councilor",
    "senator",
    "sen.",
    "governor",
    "gov.",
    "chancellor",
    "king",
    "queen",
    "prince",
    "general",
    "gen.",
    "dr.",
    "professor",
    "prof.",
    "judge",
    "chief",
    "ambassador",
    "representative",
    "rep.",
    "ceo",
    "chairman",
    "chairwoman",
    "chair",
    "director",
    "leader",
    "vice",
    "deputy",
    "commissioner",
    "mr.",
    "mrs.",
    "ms.",
    "state",
    "supreme",
    "opposition",
    "health",
    "economy",
    "trade",
    "justice",
    "home",
    "education",
    "party",
    "house",
    "speaker",
    "attorney",
    "lieutenant",
    "colonel",
    "captain",
    "sheikh",
    "ayatollah",
    "cardinal",
    "pope",
}
_PARTICLES = {"al", "el", "bin", "ibn", "de", "da", "di", "van", "von", "der", "la", "le"}
# Capitalised words that start sentences or name dates rather than people.
_NOT_NAMES = {
    "on",
    "in",
    "at",
    "during",
    "after",
    "before",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "his",
    "her",
    "their",
    "our",
    "we",
    "i",
    "he",
    "she",
    "they",
    "but",
    "and",
    "or",
    "if",
    "when",
    "while",
    "since",
    "as",
    "according",
    "over",
    "under",
    "for",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan.",
    "feb.",
    "mar.",
    "apr.",
    "jun.",
    "jul.",
    "aug.",
    "sep.",
    "sept.",
    "oct.",
    "nov.",
    "dec.",
    "photo",
    "image",
    "credit",
}
_DETERMINERS = {"a", "an", "the", "its", "his", "her", "their"}
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w'’.-]*|(?:al|el|bin|ibn)-[A-Z][\w'’-]*)$")
_OPEN_QUOTES = '“"‘'
_CLOSE_QUOTES = '”"’'


@dataclass(frozen=True)
class Attribution:
    """What a sentence asserts and who asserted it."""

    claim: str
    claimant: str | None = None
    claimant_role: str | None = None
    reporting_verb: str | None = None
    hedged: bool = False


@dataclass
class _Person:
    name: str
    role: str | None = None


@dataclass
class _People:
    """People named in an article, findable by full name, surname or role."""

    people: list[_Person] = field(default_factory=list)

    def add(self, name: str, role: str | None) -> _Person:
        for person in self.people:
            if person.name == name:
                if role and not person.role:
                    person.role = role
                return person
        person = _Person(name, role)
        self.people.append(person)
        return person

    def by_name(self, mention: str) -> _Person | None:
        """Match a full name or a surname (any case: "Al-Sudani" finds "al-Sudani")."""
        key = mention.lower()
        for person in self.people:
            if person.name.lower() == key:
                return person
        for person in self.people:
            if person.name.lower().split()[-1] == key and len(person.name.split()) > 1:
                return person
        return None

    def by_role(self, mention: str) -> _Person | None:
        """Match "the Iranian president" to the person introduced as "Iranian President ..."."""
        words = [w for w in mention.lower().split() if w not in _DETERMINERS]
        if not words:
            return None
        for person in reversed(self.people):
            if person.role and all(w in person.role.lower().split() for w in words):
                return person
        return None


def _tokens(text: str) -> list[str]:
    return re.findall(r"[\w'’.-]+|[^\w\s]", text)


def _split_title(words: list[str]) -> tuple[str | None, str]:
    """Split "Iranian Foreign Minister Abbas Araghchi" into (role, name)."""
    i = 0
    while i < len(words) - 1:
        w = words[i].lower()
        is_title = w in _TITLE_WORDS
        is_demonym = re.search(r"(ian|ean|ese|ish|i|an)$", w) and words[i + 1].lower() in (
            _TITLE_WORDS
        )
        if not (is_title or is_demonym):
            break
        i += 1
    role = " ".join(words[:i]) or None
    name = " ".join(words[i:])
    if role and role.lower() in {"dr.", "mr.", "mrs.", "ms.", "prof."}:
        role = None
    return role, name


def _name_runs(text: str) -> list[tuple[int, list[str]]]:
    """Runs of capitalised words (with particles such as al-, bin); (word index, words)."""
    words = text.split()
    runs: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for i, raw in enumerate(words):
        word = raw.strip(",;:()[]“”\"'’")
        particle = word.lower() in _PARTICLES and current
        if word and (_NAME_TOKEN.match(word) or particle or re.match(r"^(al|el)-", word)):
            if not current:
                start = i
            current.append(word.rstrip("’'s") if word.endswith(("’s", "'s")) else word)
            if raw.endswith((",", ";", ":", ")", "”", '"')):
                runs.append((start, current))
                current = []
        else:
            if current:
                runs.append((start, current))
            current = []
    if current:
        runs.append((start, current))
    cleaned = []
    for start, run in runs:
        while run and run[0].lower() in _NOT_NAMES:
            run, start = run[1:], start + 1
        while run and run[-1].lower() in _NOT_NAMES:
            run = run[:-1]
        if run:
            cleaned.append((start, run))
    return cleaned


def _is_name_chunk(chunk: str) -> bool:
    """Is the whole chunk a (titled) name, like "Jane Smith" or "Senator Maria Lopez"?"""
    runs = _name_runs(chunk)
    return len(runs) == 1 and runs[0][0] == 0 and len(runs[0][1]) == len(chunk.split())


def _looks_like_person(words: list[str]) -> bool:
    role, name = _split_title(words)
    parts = name.split()
    return bool(parts) and (len(parts) >= 2 or role is not None)


def build_people(spans: Sequence[Span]) -> _People:
    """Collect the people an article names, with their roles where stated."""
    people = _People()
    for span in spans:
        text = span.text
        for _, words in _name_runs(text):
            if len(words) < 2:
                continue
            role, name = _split_title(words)
            if len(name.split()) >= 2 or (role and name):
                people.add(name, role)
        # Appositives: "Esmaeil Baghaei, spokesman of the Iranian foreign ministry"
        for match in re.finditer(
            r"((?:[A-Z][\w'’-]+|al-[A-Z][\w'’-]+)(?:\s+(?:[A-Z][\w'’-]+|al-[A-Z][\w'’-]+))+),\s+"
            r"((?:an?\s+|the\s+)?[a-z][\w\s'’-]*?(?:of|at|for|in)\s+[^,]+?)(?=,|\s+(?:"
            + "|".join(map(re.escape, _VERBS))
            + r")\b)",
            text,
        ):
            people.add(match.group(1), _clean_role(match.group(2)))
    return people


def _clean_role(role: str) -> str:
    role = role.strip().strip(",")
    return re.sub(r"^(?:an?|the)\s+", "", role)


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] in _OPEN_QUOTES and text[-1] in _CLOSE_QUOTES:
        text = text[1:-1]
    return text.strip().rstrip(",").strip()


def _finish(claim: str) -> str:
    claim = _strip_quotes(claim.strip())
    claim = re.sub(r"\s+", " ", claim).strip()
    claim = claim.rstrip(" ,;:")
    if claim and claim[-1] not in ".!?":
        claim += "."
    if claim and claim[0].islower():
        claim = claim[0].upper() + claim[1:]
    return claim


@dataclass
class _Context:
    people: _People
    paragraph: int = -1
    speaker: _Person | None = None  # claimant of the last attributed sentence
    subject: _Person | None = None  # person at the start of the last sentence
    previous_speaker: _Person | None = None  # last speaker of earlier paragraphs

    def enter(self, paragraph: int) -> None:
        if paragraph != self.paragraph:
            self.previous_speaker = self.speaker or self.previous_speaker
            self.speaker = self.subject = None
            self.paragraph = paragraph

    def resolve_pronoun(self, sentence_subject: _Person | None) -> _Person | None:
        return sentence_subject or self.speaker or self.subject or self.previous_speaker


def _sentence_subject(text: str, people: _People) -> _Person | None:
    """The person a sentence opens with, e.g. "Araghchi traveled to ...", if any."""
    body = text.lstrip(_OPEN_QUOTES + " ")
    runs = _name_runs(body)
    if not runs or runs[0][0] != 0:
        return None
    role, name = _split_title(runs[0][1])
    person = people.by_name(name)
    if person is None and _looks_like_person(runs[0][1]):
        person = people.add(name, role)
    return person


def _subject_from(
    pre: str, people: _People, ctx: _Context, sentence_subject: _Person | None
) -> tuple[str | None, str | None]:
    """Find (claimant, role) in the words before the reporting verb."""
    words = pre.strip().rstrip(".").split()
    while words and words[-1].lower().strip(",") in _ADVERBS:
        words.pop()
    if not words:
        return None, None
    last = words[-1].lower().strip(",")
    if last in _PRONOUNS:
        person = ctx.resolve_pronoun(sentence_subject)
        return (person.name, person.role) if person else (None, None)
    chunks = [c.strip() for c in " ".join(words).split(",")]
    chunks = [c for c in chunks if c]
    role_chunk = None
    while chunks:
        chunk = chunks.pop()
        first = chunk.split()[0]
        if first.lower() in {"who", "which", "whose", "whom", "where", "when", "while"}:
            continue
        if first[0].islower() and first.lower() not in _DETERMINERS | {"and"}:
            # "spokesman of the Iranian foreign ministry": a role after the name
            role_chunk = role_chunk or chunk
            continue
        if first.lower() in _DETERMINERS:
            if chunks and _is_name_chunk(chunks[-1]) and role_chunk is None:
                # "Jane Smith, an economist at the bank": a role after the name
                role_chunk = chunk
                continue
            # "the Iranian president", "the mayor": a role mention
            person = people.by_role(chunk)
            if person:
                return person.name, person.role
            if len(chunk.split()) <= 6:
                return chunk, None
            continue
        runs = _name_runs(chunk)
        if not runs:
            continue
        # The name right before the verb, else the one the clause starts with.
        start, run = runs[-1]
        if start + len(run) != len(chunk.split()) and runs[0][0] == 0:
            start, run = runs[0]
        role, name = _split_title(run)
        person = people.by_name(name)
        if person:
            return person.name, role or (_clean_role(role_chunk) if role_chunk else person.role)
        return name, role or (_clean_role(role_chunk) if role_chunk else None)
    return None, None


_QUOTE_THEN_SPEAKER = re.compile(
    r"^\s*[“\"](?P<quote>.+)[,.!?]?[”\"]\s*,?\s*(?P<who>[^,.]{1,80}?)\s+(?P<verb>"
    + "|".join(map(re.escape, _VERBS))
    + r")\b(?P<rest>.*)$",
    re.DOTALL,
)
_QUOTE_THEN_VERB_SPEAKER = re.compile(
    r"^\s*[“\"](?P<quote>.+)[,.!?]?[”\"]\s*,?\s*(?P<verb>said|says|added|wrote)\s+"
    r"(?P<who>[^,.]{1,80}?)\s*[.,]",
    re.DOTALL,
)
_ACCORDING_START = re.compile(r"^\s*According to (?P<who>[^,]{1,120}),\s*(?P<claim>.+)$", re.DOTALL)
_ACCORDING_END = re.compile(
    r"^(?P<claim>.+?),\s*according to (?P<who>[^,]{1,120}(?:,[^,]{1,120})?)\.?\s*$", re.DOTALL
)


def _resolve_named(
    who: str, people: _People, ctx: _Context, sentence_subject: _Person | None
) -> tuple[str | None, str | None]:
    return _subject_from(who, people, ctx, sentence_subject)


def attribute(spans: Sequence[Span]) -> list[Attribution]:
    """Attribute every sentence of one text, in order."""
    people = build_people(spans)
    ctx = _Context(people)
    results: list[Attribution] = []
    for span in spans:
        ctx.enter(span.paragraph)
        text = span.text
        hedged = bool(_HEDGES.search(text))
        subject = _sentence_subject(text, people)
        if span.speaker:
            results.append(Attribution(_finish(text), span.speaker, None, None, hedged))
            continue
        found = _attribute_sentence(text, people, ctx, subject)
        if found is None:
            results.append(Attribution(_finish(text), None, None, None, hedged))
        else:
            claim, claimant, role, verb = found
            results.append(Attribution(_finish(claim), claimant, role, verb, hedged))
            if claimant:
                ctx.speaker = people.by_name(claimant) or people.add(claimant, role)
        if subject:
            ctx.subject = subject
    return results


def _attribute_sentence(
    text: str, people: _People, ctx: _Context, subject: _Person | None
) -> tuple[str, str | None, str | None, str] | None:
    for pattern in (_QUOTE_THEN_VERB_SPEAKER, _QUOTE_THEN_SPEAKER):
        match = pattern.match(text)
        if match and match.group("quote").count("”") <= match.group("quote").count("“"):
            claimant, role = _resolve_named(match.group("who"), people, ctx, subject)
            if claimant:
                return match.group("quote"), claimant, role, match.group("verb")
    for pattern in (_ACCORDING_START, _ACCORDING_END):
        match = pattern.match(text)
        if match:
            claimant, role = _resolve_named(match.group("who"), people, ctx, subject)
            return (
                match.group("claim"),
                claimant or match.group("who").strip(),
                role,
                "according to",
            )
    for match in _VERB_RE.finditer(text):
        pre = text[: match.start()]
        if not pre.strip() or pre.count("“") > pre.count("”"):
            continue  # no subject, or the verb sits inside a quotation
        claimant, role = _subject_from(pre, people, ctx, subject)
        if not claimant:
            continue
        rest = text[match.end() :]
        rest = re.sub(r"^\s*(?:that\b|:|,)\s*", "", rest)
        if len(rest.split()) < 3:
            continue
        return rest, claimant, role, match.group(1)
    return None
