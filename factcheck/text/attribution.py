"""Who claimed what: find the claimant, role, reporting verb, date and the bare claim.

Rule-based, for news English: reported speech ("X claimed that ...", "X called for ..."),
"according to X", quotes followed by "X said" or "the ministry's spokeswoman, X, said",
appositive roles ("Esmaeil Baghaei, spokesman of ..."), titles ("Iranian Foreign Minister
Abbas Araghchi", "Deputy mayor Tom Okafor"), surnames and role mentions ("the Iranian
president") resolved against the people named in the article, and he/she resolved to the
last speaker or subject in the paragraph. Transcripts give the speaker directly. The
claim text is then made to stand alone (factcheck.text.standalone). Structural text
(headlines, captions) may name people but never sets the speaker for the body.
Fact-checkers correct what this gets wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from factcheck.text.entities import DEMONYMS, country_of, is_entity
from factcheck.text.references import Context, it_referent, they_referent
from factcheck.text.segment import Span
from factcheck.text.standalone import split_frame, standalone
from factcheck.text.timewords import statement_date
from factcheck.text.wordlists import entries, word_set

_VERBS = sorted(entries("reporting_verbs"), key=len, reverse=True)
_VERB_ALTERNATION = "|".join(map(re.escape, _VERBS))
_VERB_RE = re.compile(r"(?<![\w-])(" + _VERB_ALTERNATION + r")(?![\w-])")

_HEDGES = re.compile(
    r"\b(allegedly|reportedly|purportedly|supposedly|apparently|rumou?red|unconfirmed|"
    r"is said to|are said to|is believed to|are believed to|may have|might have|"
    r"according to unnamed|sources say)\b",
    re.IGNORECASE,
)

_ADVERBS = word_set("speech_adverbs")
_PRONOUNS = {"he", "she"}
_TITLE_WORDS = word_set("title_words")
# Words that may stand in a role written before a name, with a title word among them:
# "Deputy mayor Tom Okafor", "Police chief Ana Ruiz", "senior army commander Ali Reza".
_ROLE_MODIFIERS = word_set("role_modifiers")
# The title nouns a role needs at least one of ("mayor" in "Deputy mayor").
_ROLE_HEADS = word_set("role_heads")
# Words that end a description before a name ("Civil society group" Vote Watch).
_NOT_DESCRIPTIONS = word_set("not_descriptions")
# Verbs whose claim opens with an object: "accused it of ...", "urged them to ...".
_OBJECT_FIRST = {"accused", "accuses", "urged", "urges", "denied", "denies"}
# Verbs whose claim does not stand alone without them; the claim keeps claimant and verb.
_KEEP_FRAME = _OBJECT_FIRST | {"called for", "calls for", "call for"}
# A clause after a reporting verb has one of these; a mere setting ("on Monday") has not.
_CLAUSE_WORDS = frozenset(
    "is are was were has have had will would can could may might must should shall do does "
    "did that".split()
)
_SETTING_STARTS = frozenset(
    "in on at during via late earlier after monday tuesday wednesday thursday friday saturday "
    "sunday yesterday today".split()
)
_HE_WORDS = {"spokesman", "chairman", "king", "prince", "mr.", "sheikh", "pope", "cardinal"}
_SHE_WORDS = {"spokeswoman", "chairwoman", "queen", "princess", "mrs.", "ms."}
_PARTICLES = {"al", "el", "bin", "ibn", "de", "da", "di", "van", "von", "der", "la", "le"}
# Capitalised words that start sentences or name dates rather than people.
_NOT_NAMES = word_set("not_names")
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
    # The day the statement was made, when the text says (see standalone.statement_date).
    claimed_on: date | None = None


@dataclass
class _Person:
    name: str
    role: str | None = None
    spoke: bool = False  # has made a claim in the body

    @property
    def is_organisation(self) -> bool:
        """Learnt as a person, described as a group: "Civil society group Vote Watch"."""
        return _describes_group(self.role)

    def refers_as(self) -> str | None:
        """The pronoun the role implies. A he/she the text resolves to someone is not
        remembered: one wrong guess would block every right one after it."""
        return _implied_pronoun(self.role)


def _describes_group(role: str | None) -> bool:
    """ "Environmental group", "Forestry company" describe organisations; "Police chief"
    and "the group's director" describe people."""
    words = (role or "").lower().replace("’s", " ").replace("'s", " ").split()
    return bool(role) and is_entity(role) and not set(words) & _ROLE_HEADS


def _implied_pronoun(words: str | None) -> str | None:
    """ "spokeswoman" -> "she", "the spokesman" -> "he", else None."""
    found = set((words or "").lower().split())
    if found & _HE_WORDS:
        return "he"
    if found & _SHE_WORDS:
        return "she"
    return None


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
            if not person.role:
                continue
            role = person.role.lower().split()
            head = re.split(r"\s+(?:of|at|for|in|from|with)\s+", person.role.lower())[0].split()
            # the same head noun: "the union" is not the "Metalworkers' union leader"
            if all(w in role for w in words) and head and head[-1] == words[-1]:
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
    if i and not any(w.lower() in _ROLE_HEADS or w.lower().endswith(".") for w in words[:i]):
        i = 0  # "Housing", "Police" alone are no title: "Police Scotland"
    if i == 0:
        # "Nueva Alcala Governor Felipe Manalo": a place before the title
        heads = [k for k, w in enumerate(words[:-2]) if w.lower() in _ROLE_HEADS and k > 0]
        if heads:
            i = heads[-1] + 1
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
            current.append(re.sub(r"[’']s$", "", word))
            ends_sentence = (
                word.endswith(".")
                and len(word) > 3
                and word.lower() not in _TITLE_WORDS
                and not re.fullmatch(r"(?:[A-Z]\.)+", word)
            )  # "... by the end of May. Reyes said", where segmentation missed a break
            if raw.endswith((",", ";", ":", ")", "”", '"')) or ends_sentence:
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
    chunk = re.sub(r"^The\s+", "", chunk)  # "The Budget Review Office"
    runs = _name_runs(chunk)
    return len(runs) == 1 and runs[0][0] == 0 and len(runs[0][1]) == len(chunk.split())


def _looks_like_person(words: list[str]) -> bool:
    role, name = _split_title(words)
    parts = name.split()
    return bool(parts) and (len(parts) >= 2 or role is not None)


def _role_before(words: list[str], start: int) -> str | None:
    """A role written before a name in any case: "Deputy mayor" Tom Okafor."""
    i = start
    while i > 0:
        word = words[i - 1]
        bare = word.lower().lstrip('“"(')
        if word.endswith((",", ";", ":", ")", "”")) or not (
            bare in _TITLE_WORDS or bare in _ROLE_MODIFIERS or bare in DEMONYMS
        ):
            break
        i -= 1
    if any(w[0].islower() for w in words[i:start]):
        # a proper name before a lower-case role: "Kremlin spokesman", "White House press
        # secretary" (not "Yesterday", a date or a sentence's first word before a title)
        while (
            i > 0
            and start - i < 6
            and words[i - 1][:1].isupper()
            and words[i - 1].lower() not in _NOT_NAMES
            and not words[i - 1].endswith((",", ";", ":", ")", "”", "."))
        ):
            i -= 1
    role = words[i:start]
    if not any(w.lower() in _ROLE_HEADS for w in role):
        return None
    return " ".join(role).lstrip('“"(')


def _role_prefix(words: list[str], start: int) -> str | None:
    """The role before a name at a sentence's or clause's start ("Digital affairs minister
    Petra Lund"), else the title words right before it ("... deputy mayor Tom Okafor")."""
    clause = start
    while clause > 0 and not words[clause - 1].endswith((",", ";", ":")):
        clause -= 1
    if _described(words[clause:start]):
        return " ".join(words[clause:start])
    return _role_before(words, start)


def _looks_like_role(chunk: str) -> bool:
    """ "the ministry's spokeswoman", "a senior official": a role standing before a name."""
    words = chunk.split()
    if not words or len(words) > 8:
        return False
    possessor = re.fullmatch(r"[A-Z][\w-]*[’']s", words[0])  # "Orima's chief operating officer"
    if not (words[0][0].islower() or words[0].lower() in _DETERMINERS or possessor):
        return False
    return any(re.sub(r"[’']s$", "", w.lower()) in _ROLE_HEADS for w in words)


def _verbish(word: str) -> bool:
    word = word.lower().strip(",.;:")
    return word in _VERBS or word in _NOT_DESCRIPTIONS or word.endswith(("ed", "ing"))


def _group_mention(words: list[str], runs: list[tuple[int, list[str]]]) -> bool:
    """ "Climate researchers", "Iranian officials": one capitalised word, then a few
    lower-case ones, and nothing else before the verb."""
    return (
        len(runs) == 1
        and runs[0][0] == 0
        and len(runs[0][1]) == 1
        and 2 <= len(words) <= 5
        and all(w[0].islower() and not _verbish(w) for w in words[1:])
    )


def _described(words: list[str]) -> bool:
    """ "Civil society group", "Environmental group": a description written before a name."""
    return (
        2 <= len(words) <= 4
        and words[0][:1].isupper()
        and words[0].lower() not in _NOT_NAMES
        and all(w[:1].islower() and not _verbish(w) for w in words[1:])
    )


def _role_then_name(chunk: str) -> bool:
    """Is the chunk a role followed by a name ("the ministry's spokeswoman Lena Ortiz")?"""
    runs = _name_runs(chunk)
    if not runs:
        return False
    start, run = runs[-1]
    words = chunk.split()
    if start == 0 or start + len(run) != len(words) or len(run) < 2:
        return False
    if re.sub(r"[’']s$", "", words[start - 1].lower()) not in _ROLE_HEADS | _TITLE_WORDS:
        return False  # "a spokesman for the Lorst Monitoring Mission": no name of a person
    return _looks_like_role(" ".join(words[:start])) or (
        (_role_before(words, start) or "").count(" ") + 1 == start
    )


_NAME_WORDS = (
    r"(?:[A-Z][\w'’-]+|(?:al|el)-[A-Z][\w'’-]+)(?:\s+(?:[A-Z][\w'’-]+|(?:al|el)-[A-Z][\w'’-]+))+"
)


def build_people(spans: Sequence[Span]) -> _People:
    """Collect the people an article names, with their roles where stated."""
    people = _People()
    for span in spans:
        text = span.text
        for start, words in _name_runs(text):
            if len(words) < 2:
                continue
            role, name = _split_title(words)
            if len(name.split()) >= 2 or (role and name):
                people.add(name, role or _role_prefix(text.split(), start))
        # Appositives: "Esmaeil Baghaei, spokesman of the Iranian foreign ministry" (not
        # "Zodwa Mkhize, said on Wednesday that ...")
        for match in re.finditer(
            "("
            + _NAME_WORDS
            + r"),\s+(?!(?:which|who|whose|where|when|"
            + _VERB_ALTERNATION
            + r")\b)"
            r"((?:an?\s+|the\s+)?[a-z][\w\s'’-]*?(?:of|at|for|in)\s+[^,]+?)(?=,|\s+(?:"
            + _VERB_ALTERNATION
            + r")\b)",
            text,
        ):
            people.add(match.group(1), _clean_role(match.group(2)))
        # A role before the name: "the ministry's spokeswoman, Lena Ortiz, said"
        for match in re.finditer(
            r"(?P<role>(?<![\w’'])(?:the|a|an|its|his|her|their)\s+[^,.;:“”\"]{1,60}?),\s+"
            r"(?P<name>" + _NAME_WORDS + r")(?=[,.]|\s+(?:" + _VERB_ALTERNATION + r")\b)",
            text,
            re.IGNORECASE,
        ):
            if _looks_like_role(match.group("role")) and _is_name_chunk(match.group("name")):
                people.add(match.group("name"), _clean_role(match.group("role")))
    return people


def _clean_role(role: str) -> str:
    """Trim a role; drop its article unless that belongs to a possessor ("the ministry's")."""
    role = role.strip().strip(",").strip()
    if re.match(r"^(?:an?|the)\s+(?:\S+\s+){0,3}?\S+[’']s\s", role, re.IGNORECASE):
        return role[0].lower() + role[1:]
    return re.sub(r"^(?:an?|the)\s+", "", role, flags=re.IGNORECASE)


@dataclass
class _Context:
    people: _People
    paragraph: int = -1
    speaker: _Person | None = None  # claimant of the last attributed sentence
    subject: _Person | None = None  # person at the start of the last sentence
    previous_speaker: _Person | None = None  # last speaker of earlier paragraphs
    # What a frame's "it" / "they" stands for in the sentence at hand ("It said ...").
    referents: dict[str, str | None] = field(default_factory=dict)

    def enter(self, paragraph: int) -> None:
        if paragraph != self.paragraph:
            self.previous_speaker = self.speaker or self.previous_speaker
            self.speaker = self.subject = None
            self.paragraph = paragraph

    def resolve_pronoun(
        self, sentence_subject: _Person | None, pronoun: str | None = None
    ) -> _Person | None:
        """The person a he/she stands for: never one the text calls by the other pronoun."""
        for person in (sentence_subject, self.speaker, self.subject, self.previous_speaker):
            if person and (pronoun is None or person.refers_as() in (None, pronoun)):
                return person
        return None


def _sentence_subject(text: str, people: _People) -> _Person | None:
    """The person a sentence opens with, e.g. "Araghchi traveled to ...", if any."""
    body = text.lstrip(_OPEN_QUOTES + " ")
    runs = _name_runs(body)
    if not runs or runs[0][0] != 0:
        return None
    run, described = runs[0][1], None
    if len(run) == 1 and len(runs) > 1 and _described(body.split()[: runs[1][0]]):
        # "County health executive Peter Otieno rejected ..."
        run, described = runs[1][1], " ".join(body.split()[: runs[1][0]]).rstrip(",;:")
    role, name = _split_title(run)
    person = people.by_name(name)
    if person is None and (_looks_like_person(run) or described):
        person = people.add(name, role or described)
    elif person is not None and not person.role:
        person.role = role or described
    return person


def _frame_pronoun(pre: str) -> str | None:
    """ "he" in "... he said": the pronoun a reporting frame's subject is, if it is one."""
    words = pre.strip().rstrip(".").split()
    while words and words[-1].lower().strip(",") in _ADVERBS:
        words.pop()
    last = words[-1].lower().strip(",") if words else ""
    return last if last in _PRONOUNS else None


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
        person = ctx.resolve_pronoun(sentence_subject, last)
        return (person.name, person.role) if person else (None, None)
    if last in {"it", "they"}:  # "It said ...": the entity or group named before
        return ctx.referents.get(last), None
    chunks = [c.strip() for c in re.split(r"[,;:]", " ".join(words))]  # "Later: the mayor"
    chunks = [c for c in chunks if c]
    role_chunk = None
    while chunks:
        chunk = chunks.pop()
        first = chunk.split()[0]
        if first.lower() in {"who", "which", "whose", "whom", "where", "when", "while"}:
            continue
        role_first = _role_then_name(chunk)  # "deputy mayor Tom Okafor"
        if first[0].islower() and first.lower() not in _DETERMINERS | {"and"} and not role_first:
            # "spokesman of the Iranian foreign ministry": a role after the name
            role_chunk = role_chunk or chunk
            continue
        if first == "The" and _is_name_chunk(chunk):  # "The Budget Review Office, the ..."
            return chunk, _clean_role(role_chunk) if role_chunk else None
        if first.lower() in _DETERMINERS and not role_first:
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
        cwords = chunk.split()
        if _group_mention(cwords, runs):
            # "Climate researchers", "Iranian officials", "Spain’s environment ministry"
            person = people.by_role(chunk)
            return (person.name, person.role) if person else (chunk, None)
        # The name right before the verb, else the one the clause starts with.
        start, run = runs[-1]
        if start + len(run) != len(cwords) and runs[0][0] == 0:
            start, run = runs[0]
            if len(run) == 1 and len(runs) > 1 and _described(cwords[: runs[1][0]]):
                start, run = runs[1]  # "Civil society group Vote Watch called on ... and"
        role, name = _split_title(run)
        if role is None and role_chunk is None:
            # "the ministry's spokeswoman Lena Ortiz"; "Deputy mayor Tom Okafor";
            # "the ministry's spokeswoman, Lena Ortiz"; "Environmental group Ríos Vivos"
            prefix = " ".join(cwords[:start])
            if _described(cwords[:start]):
                role = prefix  # "Digital affairs minister", "Environmental group"
            elif role_first and _looks_like_role(prefix):
                role = _clean_role(prefix)
            else:
                role = _role_before(cwords, start)
            if role is None and start == 0 and chunks and _looks_like_role(chunks[-1]):
                role = _clean_role(chunks[-1])
        person = people.by_name(name)
        if person:
            return person.name, role or (_clean_role(role_chunk) if role_chunk else person.role)
        return name, role or (_clean_role(role_chunk) if role_chunk else None)
    return None, None


# A speaker after a quote: no comma or full stop, except in "Dr. Faith Kimani".
_WHO = (
    r"(?P<who>(?:[^,.]|(?<=\b(?:Dr|Mr|Ms|St|Jr))\.|(?<=\b(?:Mrs|Sen|Gov|Gen|Rep))\.|"
    r"(?<=\bProf)\.){1,80}?)"
)
_NOT_AN_ABBREVIATION = "".join(
    rf"(?<!\b{a})"
    for a in ("Dr", "Mr", "Ms", "St", "Jr", "Mrs", "Sen", "Gov", "Gen", "Rep", "Prof")
)
_QUOTE = r"^\s*[“\"](?P<quote>.+)[,.!?]?[”\"]\s*,?\s*"
_QUOTE_THEN_SPEAKER = re.compile(
    _QUOTE + _WHO + r"\s+(?P<verb>" + _VERB_ALTERNATION + r")\b(?P<rest>.*)$",
    re.DOTALL,
)
_QUOTE_THEN_VERB_SPEAKER = re.compile(
    _QUOTE + r"(?P<verb>said|says|added|wrote)\s+" + _WHO + _NOT_AN_ABBREVIATION + r"\s*[.,]",
    re.DOTALL,
)
# “…,” the ministry's spokeswoman, Lena Ortiz, said / “…,” said the ministry's ..., Lena Ortiz.
_QUOTE_THEN_ROLE_NAME = re.compile(
    _QUOTE
    + r"(?P<role>[^,.“”\"]{2,80}?),\s*"
    + _WHO
    + r",?\s+(?P<verb>"
    + _VERB_ALTERNATION
    + r")\b(?P<rest>.*)$",
    re.DOTALL,
)
_QUOTE_THEN_VERB_ROLE_NAME = re.compile(
    _QUOTE
    + r"(?P<verb>said|says|added|wrote)\s+(?P<role>[^,.“”\"]{2,80}?),\s*"
    + _WHO
    + _NOT_AN_ABBREVIATION
    + r"\s*(?P<rest>[.,].*)?$",
    re.DOTALL,
)
# "The decision was unanimous, Governor Ruth Wanjiku told a news conference." and
# "The plan, he said on Monday, would fail."
_SAID = (
    r"said|says|told|tells|added|adds|reported|reports|stated|states|claimed|claims|insisted|"
    r"insists|warned|warns|noted|notes|estimated|estimates|confirmed|confirms|wrote|writes|"
    r"argued|argues|alleged|alleges|announced|announces|explained|explains|acknowledged|"
    r"predicted|tweeted"
)
_CLAIM_THEN_SPEAKER = re.compile(
    r"^(?P<claim>[^“”\"]+?),\s+(?P<who>[^,“”\"]{1,80}?)\s+(?P<verb>"
    + _SAID
    + r")\b(?P<rest>[^,.;:“”\"]*)[.!?]?\s*$",
    re.DOTALL,
)
_SPEAKER_INSIDE = re.compile(
    r"^(?P<a>[^“”\"]+?),\s+(?P<who>[^,“”\"]{1,60}?)\s+(?P<verb>said|says|added|argued|insisted|"
    r"claimed|noted|warned|stressed|told reporters)\b(?P<rest>[^,“”\"]{0,40}),\s+(?P<b>[^“”\"]+)$",
    re.DOTALL,
)
# "“…,” said Amina Odhiambo, chief economist at Lakeview Capital."
_ROLE_AFTER = re.compile(
    r"^\s*,\s*(?P<role>(?!(?:who|which|whose|where|whom|that|when)\b)(?:an?\s+|the\s+)?[a-z]"
    r"[^“”\"]{1,120}?)\s*\.?\s*$"
)
_ACCORDING_START = re.compile(r"^\s*According to (?P<who>[^,]{1,120}),\s*(?P<claim>.+)$", re.DOTALL)
_ACCORDING_END = re.compile(
    r"^(?P<claim>.+?),\s*according to (?P<who>[^,]{1,120}(?:,[^,]{1,120})?)\.?\s*$", re.DOTALL
)


def _resolve_named(
    who: str, people: _People, ctx: _Context, sentence_subject: _Person | None
) -> tuple[str | None, str | None]:
    return _subject_from(who, people, ctx, sentence_subject)


@dataclass(frozen=True)
class _Found:
    """One sentence's attribution before its claim is made to stand alone."""

    claim: str
    claimant: str
    role: str | None
    verb: str
    pre: str = ""  # the frame before the claim (or the speaker after a quote)
    tail: str = ""  # the frame right after the verb ("on Monday that", "he said on Monday")


def attribute(spans: Sequence[Span], *, published_on: date | None = None) -> list[Attribution]:
    """Attribute every sentence of one text, in order.

    published_on (the article's date) resolves "on Monday", "yesterday" and dates without
    a year to claimed_on. Structural spans (kind other than "body": headline, caption, ...)
    may name people but never become the speaker, subject or previous sentence the body
    looks back to, and keep a claimant only when no body sentence has one.
    """
    people = build_people(spans)
    ctx = _Context(people)
    results: list[Attribution] = []
    unclaimed: dict[int, Attribution] = {}  # structural spans' attribution without claimant
    previous: dict = {}  # the last body sentence's claim, text and non-person claimant
    last_said: tuple[str, date | None] | None = None  # the last body claimant and date
    for index, span in enumerate(spans):
        body = span.kind == "body"
        if body:
            ctx.enter(span.paragraph)
        text = span.text
        hedged = bool(_HEDGES.search(text))
        subject = _sentence_subject(text, people)
        base = {
            **previous,
            "persons": frozenset(
                p.name for p in people.people if not (is_entity(p.name) or p.is_organisation)
            ),
        }
        unattributed = _unattributed_context(subject, ctx, people, base)
        ctx.referents = {"it": it_referent(unattributed), "they": they_referent(unattributed)}
        plain = Attribution(standalone(text, unattributed), hedged=hedged)
        if span.speaker:  # a transcript turn: the speaker says the whole sentence
            claim = standalone(text, Context(speaker=span.speaker, attributed=True, **base))
            result = Attribution(claim, span.speaker, None, None, hedged)
        elif (found := _attribute_sentence(text, people, ctx, subject)) is None:
            result = plain
        else:
            said_before = last_said if body else None
            result = _attributed(found, hedged, people, base, published_on, said_before)
            if body:
                last_said = (found.claimant, result.claimed_on)
                if _is_person(found.claimant, people):  # "Critics said" is no "he"
                    ctx.speaker = people.by_name(found.claimant) or people.add(
                        found.claimant, found.role
                    )
                    ctx.speaker.spoke = True
        if result.claimant and not body:
            unclaimed[index] = plain
        results.append(result)
        if body:
            if subject:
                ctx.subject = subject
            speaker = None if span.speaker else result.claimant  # a transcript's is a person
            previous = {
                "previous": result.claim,
                "previous_text": text,
                "previous_speaker": None if _is_person(speaker or "", people) else speaker,
            }
    if any(r.claimant for r, s in zip(results, spans, strict=True) if s.kind == "body"):
        results = [unclaimed.get(i, r) for i, r in enumerate(results)]
    return results


def _attributed(
    found: _Found,
    hedged: bool,
    people: _People,
    base: dict,
    published_on: date | None,
    last_said: tuple[str, date | None] | None,
) -> Attribution:
    """Finish an attributed sentence: its standalone claim and the day it was made."""
    person = None if is_entity(found.claimant) else people.by_name(found.claimant)
    if person and person.is_organisation or _describes_group(found.role):
        person = None  # "Environmental group Ríos Vivos": its "it" is itself
        base = {**base, "persons": base["persons"] - {found.claimant}}
    pronoun = _frame_pronoun(found.pre)
    text = found.claim
    if found.verb in _KEEP_FRAME:
        # "accused the mayor of hiding ..." or "called for a recount": without its verb and
        # claimant the claim is a fragment, so it keeps them ("Tom Okafor accused ...").
        text = f"{found.claimant} {found.verb} {found.claim}"
    claim = standalone(text, _claim_context(found, person, pronoun, base))
    claimed_on = statement_date(found.tail, published_on) or statement_date(found.pre, published_on)
    if claimed_on is None and last_said and last_said[0] == found.claimant:
        claimed_on = last_said[1]  # the same speaker again: the same occasion
    return Attribution(claim, found.claimant, found.role, found.verb, hedged, claimed_on)


def _unattributed_context(
    subject: _Person | None, ctx: _Context, people: _People, base: dict
) -> Context:
    """What a sentence nobody is said to claim may point back to. Its "He" is the first
    person the previous sentence names ("Prosecutors said Mthembu faces 15 years. He
    remains free"; "The regional president, Helena Duarte, visited ... She pledged"), or
    when it names none, the speaker it quoted; never one the text calls "she"."""
    named = []
    for _, run in _name_runs(base.get("previous_text") or ""):
        person = people.by_name(_split_title(run)[1])
        known = person and (person.spoke or person.role) and not person.is_organisation
        if known and person not in named:  # not every capitalised pair is a person
            named.append(person)
    if not named and ctx.speaker and base.get("previous_speaker") is None:
        named = [ctx.speaker]
    he = next((p.name for p in named if p.refers_as() in (None, "he")), None)
    she = next((p.name for p in named if p.refers_as() in (None, "she")), None)
    return Context(
        speaker=subject.name if subject else None,
        speaker_country=country_of(subject.role) if subject else None,
        he=he,
        she=she,
        **base,
    )


def _is_person(claimant: str, people: _People) -> bool:
    """A named or titled person ("Ana Gomez", "the minister"), not "Iran", "Critics" or
    "Iranian officials"."""
    if is_entity(claimant):
        return False
    person = people.by_name(claimant)
    if person is not None:
        return not person.is_organisation
    words = claimant.split()
    common = [w for w in words if w[:1].islower() and w.lower() not in _DETERMINERS]
    if common:
        return any(w.lower() in _ROLE_HEADS for w in common)
    return _looks_like_person(words)


def _claim_context(
    found: _Found, person: _Person | None, pronoun: str | None, base: dict
) -> Context:
    """What an attributed claim may point back to: its speaker and the frame around it."""
    claimant = found.claimant
    role = found.role or (person.role if person else None)
    is_person = person is not None or (
        _is_person(claimant, _People()) and not _describes_group(role)
    )
    said = person.refers_as() if person else _implied_pronoun(claimant)  # "the spokesman"
    name = person.name if person else claimant
    return Context(
        speaker=claimant,
        speaker_is_person=is_person,
        speaker_country=country_of(role) or country_of(claimant),
        attributed=True,
        he=name if is_person and "he" in (said, pronoun) else None,
        she=name if is_person and "she" in (said, pronoun) else None,
        frame=f"{found.pre} {found.tail}",
        subject_first=found.verb not in _OBJECT_FIRST,
        **base,
    )


def _frame_only(rest: str, verb: str) -> bool:
    """Is what follows the verb only its setting ("on Monday", "a news conference in
    Nairobi", "in a statement"), with no clause of its own?"""
    words = [w.lower().strip(",.") for w in rest.split()]
    if not words:
        return True
    if len(words) > 10 or set(words) & _CLAUSE_WORDS:
        return False
    return words[0] in _SETTING_STARTS or verb in {"told", "tells", "tell"}


def _claim_then_speaker(
    text: str, people: _People, ctx: _Context, subject: _Person | None
) -> _Found | None:
    """ "Taxes rose, the minister said on Monday." and "Taxes, he said, rose." """
    for pattern in (_CLAIM_THEN_SPEAKER, _SPEAKER_INSIDE):
        match = pattern.match(text)
        if not match or not _frame_only(match.group("rest"), match.group("verb")):
            continue
        who = match.group("who")
        claimant, role = _resolve_named(who, people, ctx, subject)
        plain = who.lower() not in _PRONOUNS | {"it", "they", "we", "i", "you"}
        if (
            claimant is None
            and plain
            and len(who.split()) <= 5
            and not any(map(_verbish, who.split()))
        ):
            claimant = who.strip()  # "regional emergency services", "prosecutors"
        if claimant is None:
            continue
        groups = match.groupdict()
        claim = groups.get("claim")
        if claim is None:  # "Taxes, he said, rose." (but not "..., he said, blaming ...")
            after = groups["b"]
            claim = groups["a"] if after.split()[0].endswith("ing") else f"{groups['a']} {after}"
        if len(claim.split()) < 3:
            continue
        return _Found(claim, claimant, role, match.group("verb"), who, match.group("rest"))
    return None


def _attribute_sentence(
    text: str, people: _People, ctx: _Context, subject: _Person | None
) -> _Found | None:
    for pattern in (_QUOTE_THEN_ROLE_NAME, _QUOTE_THEN_VERB_ROLE_NAME):
        match = pattern.match(text)
        if (
            match
            and match.group("quote").count("”") <= match.group("quote").count("“")
            and _looks_like_role(match.group("role"))
            and _is_name_chunk(match.group("who"))
        ):
            name = _split_title(match.group("who").split())[1]  # "Dr. Elsa Brandt"
            person = people.by_name(name)
            name = person.name if person else name
            role = _clean_role(match.group("role"))
            rest = match.group("rest") or ""
            return _Found(match.group("quote"), name, role, match.group("verb"), name, rest)
    for pattern in (_QUOTE_THEN_VERB_SPEAKER, _QUOTE_THEN_SPEAKER):
        match = pattern.match(text)
        if match and match.group("quote").count("”") <= match.group("quote").count("“"):
            claimant, role = _resolve_named(match.group("who"), people, ctx, subject)
            if claimant:
                rest = match.groupdict().get("rest") or text[match.end() :]
                after = _ROLE_AFTER.match(text[match.end("who") :])
                if after and not _verbish(after.group("role").split()[0]):
                    role = _clean_role(after.group("role"))  # "said Jane Doe, an economist"
                    rest = ""
                verb = match.group("verb")
                return _Found(match.group("quote"), claimant, role, verb, match.group("who"), rest)
    for pattern in (_ACCORDING_START, _ACCORDING_END):
        match = pattern.match(text)
        if match:
            who = match.group("who")
            claimant, role = _resolve_named(who, people, ctx, subject)
            return _Found(match.group("claim"), claimant or who.strip(), role, "according to", who)
    found = _claim_then_speaker(text, people, ctx, subject)
    if found:
        return found
    for match in _VERB_RE.finditer(text):
        pre = text[: match.start()]
        if not pre.strip() or pre.count("“") > pre.count("”"):
            continue  # no subject, or the verb sits inside a quotation
        claimant, role = _subject_from(pre, people, ctx, subject)
        if not claimant:
            continue
        frame, claim = split_frame(text[match.end() :], match.group(1))
        quote = re.match(r"^\s*[“\"](.+?)[”\"]", pre)
        if quote and not frame and _frame_only(claim.rstrip(". "), match.group(1)):
            # “…,” the ministry's chief, Dr. Elsa Brandt, told a news conference.
            return _Found(quote.group(1), claimant, role, match.group(1), pre, claim)
        if len(claim.split()) < 3:
            continue
        return _Found(claim, claimant, role, match.group(1), pre, frame)
    return None
