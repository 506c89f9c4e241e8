"""Make a claim read on its own: resolve what its pronouns point to, drop the reporting
frame and day-level time words at clause edges, repair its punctuation, and date the
statement from the frame.

Pure functions over explicit inputs. Attribution decides who spoke and what came before;
this module only rewrites the claim text (the sentence itself is never changed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from factcheck.text.wordlists import mapping, word_set

# Demonym (adjective or people) -> the country's name as it reads mid-sentence.
DEMONYMS = mapping("demonyms")
# Other ways a text names a country (matched case-sensitively, as written).
_COUNTRY_ALIASES = mapping("country_aliases")
COUNTRIES = frozenset(DEMONYMS.values())
_COUNTRY_NAMES = {c.removeprefix("the "): c for c in COUNTRIES} | _COUNTRY_ALIASES


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_COUNTRY_RE = re.compile(r"(?<![\w-])(?:" + _alternation(_COUNTRY_NAMES) + r")(?![\w-])")
# Demonyms as words: "Iraqi", "Iranians" ("US" and "UK" are names above).
_DEMONYM_RE = re.compile(
    r"(?<![\w-])("
    + _alternation(k.title() for k in DEMONYMS if k not in {"us", "u.s.", "uk"})
    + r")s?(?![\w-])"
)


def _bare(word: str) -> str:
    """ "Ministry’s," -> "ministry": lower case, without punctuation or a possessive."""
    return re.sub(r"[’']s$", "", word.strip(',.;:()“”"').lower())


_ORG_WORDS = word_set("org_words")
_ACRONYM_RE = re.compile(r"(?<![\w-])[A-Z]{2,6}(?![\w-])")
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|(?:al|el|bin|ibn)-[A-Z][\w'’-]*)"
_NAME_RE = re.compile(
    _NAME_WORD + r"(?:\s+(?:(?:al|el|bin|ibn|de|da|di|van|von|der|la|le)\s+)?" + _NAME_WORD + ")*"
)

_PERSON_WORDS = word_set("person_words")

# --- time words -------------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WD = r"(?P<wd>" + "|".join(w.title() for w in WEEKDAYS) + r")"
_MON = r"(?:" + _alternation(m.title() for m in _MONTHS) + r")\.?"
_DATE = (
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>" + _MON + r")"
    r"|(?P<m2>" + _MON + r")\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?(?![\d:]))"
    r"(?:,?\s+(?P<y>\d{4}))?"
)
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
# Day-level time adverbials. Year- and month-level ones ("last year", "in 2016") are left
# alone: they are usually what the claim is about ("crime rose 20% last year").
_TIME = (
    r"(?:(?:late|early|earlier|later)\s+)?"
    r"(?:(?P<on>on\s+)?" + _WD + _PART + r"(?:,?\s+" + _DATE + r")?"
    r"|on\s+"
    + _DATE.replace("P<", "P<x")
    + r"|(?P<last>last|this(?:\s+past)?|past)\s+(?P<lastwd>"
    + "|".join(w.title() for w in WEEKDAYS)
    + r"|week|weekend)"
    r"|(?P<rel>yesterday|today|tonight|last\s+night|this\s+(?:morning|afternoon|evening)"
    r"|earlier\s+(?:today|this\s+week)))"
)
_TIME_RE = re.compile(r"(?<![\w-])" + _TIME + r"(?![\w-])", re.IGNORECASE)
# Words after which a bare weekday is the object of a preposition, not a time adverbial.
_NOT_BEFORE_BARE_DAY = frozenset(
    """
    by until till from since before after of to through between next every each than for and
    or the a an its his her their that
    """.split()
)
_EDGE_AFTER = re.compile(
    r"^(?:\s*$|\s*[.!?;:,]|\s+(?:and|but|while|when|after|before|as|amid|amidst|where|"
    r"has|have|had|is|are|was|were|will|would)\b|\s+\w+(?:ing|ed)\b)"
)


def _time_matches(text: str) -> list[re.Match[str]]:
    """Day-level time adverbials, without "by Friday", "Sunday’s vote", "the Sunday Times"."""
    found = []
    for match in _TIME_RE.finditer(text):
        groups = match.groupdict()
        after = text[match.end() :]
        if (groups["wd"] or groups["lastwd"]) and re.match(r"[’']s\b", after):
            continue
        bare = (
            groups["wd"]
            and not groups["on"]
            and not match.group(0).lower().startswith(("late", "early", "earlier", "later"))
        )
        if bare:
            before = text[: match.start()].split()
            if before and before[-1].lower().strip(",") in _NOT_BEFORE_BARE_DAY:
                continue
            if re.match(r"\s+[A-Z]", after) and not groups["d1"] and not groups["m2"]:
                continue
        found.append(match)
    return found


def drop_time_adverbials(text: str) -> str:
    """Remove day-level time adverbials ("on Monday", "this past week", "on Wednesday 27
    November") at clause edges. A date without a weekday ("on December 12") stays: it is
    absolute, and often what the claim is about ("the vote will take place on ...")."""
    for match in reversed(_time_matches(text)):
        if match.group("xm1") or match.group("xm2"):
            continue
        before, after = text[: match.start()], text[match.end() :]
        at_start = not before.strip() or before.rstrip().endswith((",", ";", ":"))
        at_end = bool(_EDGE_AFTER.match(after))
        if not (at_start or at_end):
            continue
        if at_start and not before.strip():
            text = after.lstrip(" ,")
        elif before.rstrip().endswith(",") and after.lstrip().startswith(","):
            text = before.rstrip() + " " + after.lstrip()[1:].lstrip()
        else:
            text = before.rstrip() + after
    return text


def statement_date(frame: str, published_on: date | None) -> date | None:
    """The date a reporting frame gives for the statement, resolved against publication.

    An explicit date ("on 1 December", "Sunday 1 December") takes its year from the text,
    else the publication year (the year before when that would fall after publication).
    A weekday is the publication date itself when it is that weekday (wire style names the
    day, never "today"), else the most recent such day before it; "last Monday" and "this
    past Monday" are always strictly before, "this Monday" is not resolved. "yesterday"
    and "last night" are the day before, "today" the day itself, "last week" seven days
    before (approximate). None when the frame gives no day or the day needs a publication
    date that is not known.
    """
    matches = _time_matches(frame)
    if not matches:
        return None
    match = matches[-1]
    g = match.groupdict()
    day, month = g["d1"] or g["d2"] or g["xd1"] or g["xd2"], g["m1"] or g["m2"]
    month = month or g["xm1"] or g["xm2"]
    year = g["y"] or g["xy"]
    if day and month:
        number = _MONTHS[month.lower().rstrip(".")]
        if year is None and published_on is None:
            return None
        try:
            found = date(int(year) if year else published_on.year, number, int(day))
            if year is None and found > published_on:
                found = found.replace(year=found.year - 1)
        except ValueError:
            return None
        return found
    if published_on is None:
        return None
    if g["wd"]:
        back = (published_on.weekday() - WEEKDAYS.index(g["wd"].lower())) % 7
        return published_on - timedelta(days=back)
    if g["last"]:
        unit = g["lastwd"].lower()
        if unit in WEEKDAYS and g["last"].lower() != "this":  # "this Monday" is either way
            back = (published_on.weekday() - WEEKDAYS.index(unit)) % 7 or 7
            return published_on - timedelta(days=back)
        if unit == "week" and g["last"].lower() == "last":
            return published_on - timedelta(days=7)
        return None
    rel = " ".join(g["rel"].lower().split())
    if rel in {"yesterday", "last night"}:
        return published_on - timedelta(days=1)
    return published_on


# --- the reporting frame ----------------------------------------------------------------

_FRAME_STARTS = frozenset(
    """
    on in at during to via with through after before late early earlier later last this
    yesterday today tonight also again however repeatedly previously further publicly
    separately privately once now then too
    """.split()
) | set(WEEKDAYS)
_FINITE = frozenset(
    """
    is are was were has have had will would can could may might must should shall do does
    did
    """.split()
)
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
        ) and not any(w.lower().strip(",") in _FINITE for w in words)
        if ok and len(text[match.end() :].split()) >= 1:
            return frame, text[match.end() :]
    text = text.lstrip(" ,")
    # A time word right after the verb dates the statement: "said on Monday the talks ..."
    lead = _TIME_RE.match(text)
    if lead and lead.end() < len(text):
        tail = text[lead.end() :]
        if tail[:1] in {",", " "}:
            return lead.group(0), tail.lstrip(" ,")
    return "", text


# --- pronouns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a claim's words may point back to; every field is optional.

    speaker: who made the claim (a person's name, or an entity such as "Iran" or "the
    health ministry"), or for a sentence nobody is said to claim, the person it opens with.
    speaker_is_person: whether speaker is a person (then "it" is never the speaker).
    speaker_country: the speaker's country, for "his country" / "her country".
    attributed: the claim is someone's statement (then "our country" is theirs too).
    he, she: the person a claim-initial "he" / "she" stands for, when attribution knows.
    frame: the sentence's words outside the claim (the reporting frame).
    previous: the previous body sentence's claim, already standalone.
    previous_text: the previous body sentence as written.
    previous_speaker: who made the previous body sentence's claim, unless a person.
    persons: the people the article names; "it" and "they" never stand for them.
    subject_first: the claim opens with its subject; not after "accused" or "urged", where
    it opens with their object ("accused it of ..."), which is left as written.
    """

    speaker: str | None = None
    speaker_is_person: bool = True
    speaker_country: str | None = None
    attributed: bool = False
    he: str | None = None
    she: str | None = None
    frame: str = ""
    previous: str | None = None
    previous_text: str | None = None
    previous_speaker: str | None = None
    persons: frozenset[str] = frozenset()
    subject_first: bool = True


# Seats of government that stand for their country in a role ("Kremlin spokesman").
_INSTITUTIONS = mapping("institutions")
_INSTITUTION_RE = re.compile(r"(?<![\w-])(?:" + _alternation(_INSTITUTIONS) + r")(?![\w-])")


def country_of(text: str | None) -> str | None:
    """The first country a role or phrase names: "Iraqi Prime Minister" -> "Iraq",
    "Kremlin spokesman" -> "Russia"."""
    found = _countries(text or "")
    found += [(m.start(), _INSTITUTIONS[m.group(0)]) for m in _INSTITUTION_RE.finditer(text or "")]
    return min(found)[1] if found else None


def _countries(text: str) -> list[tuple[int, str]]:
    found = []
    for match in _COUNTRY_RE.finditer(text):
        found.append((match.start(), _COUNTRY_NAMES[match.group(0)]))
    for match in _DEMONYM_RE.finditer(text):
        found.append((match.start(), DEMONYMS[match.group(1).lower()]))
    return sorted(found)


# "The Council of Kessa Basin States", "Ministry of Health": names joined by "of (the)".
_ORG_NAME_RE = re.compile(_NAME_RE.pattern + r"(?:\s+of\s+(?:the\s+)?" + _NAME_RE.pattern + ")*")


def _organisations(text: str) -> list[tuple[int, str]]:
    found = []
    for match in _ACRONYM_RE.finditer(text):
        if match.group(0) not in {"US", "UK", "USA"}:
            found.append((match.start(), match.group(0)))
    for match in _ORG_NAME_RE.finditer(text):
        name = re.sub(r"^The\s+", "", match.group(0))
        words = name.split()
        if len(words) > 1 and any(_bare(w) in _ORG_WORDS for w in words):
            found.append((match.start(), "the " + name))
    return sorted(found)


def is_entity(name: str) -> bool:
    """Is this a country or an organisation rather than a person? "Iran", "NATO", "the
    Federal Reserve", "the health ministry" are; "the company's profits" is not."""
    bare = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    if not bare or bare in _COUNTRY_NAMES or bare in _INSTITUTIONS or _ACRONYM_RE.fullmatch(bare):
        return True
    if bare[0].isupper():  # a proper name: any organisation word in it
        return any(_bare(w) in _ORG_WORDS for w in bare.split())
    return _bare(_head(bare)) in _ORG_WORDS


_SUBJECT_END = re.compile(
    r"\s+(?:" + "|".join(_FINITE) + r"|\w+ed|said|says|told|made|took|gave|won|lost|left|"
    r"fell|rose|sent|met|kept|began|ran|saw|came|went|got|held|led|paid|struck|shot|hit)\b"
)
_HEAD_END = re.compile(
    r"\s+(?:of|in|on|at|for|from|with|by|near|who|that|which|whose|under|over|"
    r"across|behind|inside|outside|\w+ing)\b"
)


_NO_ANTECEDENT = frozenset(
    "it they he she we i you there this his her its their our my your".split()
)


def subject_phrase(sentence: str) -> str | None:
    """The noun phrase a sentence opens with, up to its verb ("The wall would ..." -> "The
    wall"), or None when the sentence does not open with one."""
    text = sentence.strip().lstrip('“"')
    for match in _SUBJECT_END.finditer(text):
        phrase = text[: match.start()].strip()
        words = phrase.split()
        if not words or len(words) > 12 or re.search(r"[,;:“”\"()\[\]]", phrase):
            return None
        if len(words) == 1 and words[0].lower() in {"the", "a", "an", "this", "these", "those"}:
            continue  # "The armed groups": "armed" is not the verb
        if words[0].lower() in _NO_ANTECEDENT:
            return None  # a pronoun, or "Her government": itself unresolved
        return phrase
    return None


def _head(phrase: str) -> str:
    """The last word before a phrase's modifiers: "groups" in "The groups leading ..."."""
    cut = _HEAD_END.search(" " + phrase)
    head = (" " + phrase)[: cut.start()] if cut else " " + phrase
    return head.split()[-1].lower() if head.split() else ""


def _is_plural(phrase: str) -> bool:
    """ "The groups leading ...", "Hamas and Israel", "Protesters": a plural noun phrase."""
    if re.search(r"\band\b", phrase) and _NAME_RE.match(phrase):
        return True
    if is_entity(phrase) and not re.search(r"\band\b", phrase):
        return False
    head = _head(phrase).strip("’'")
    if head in {"people", "police", "children", "men", "women"}:
        return True
    singular = head.endswith(("ss", "us", "is")) or head in {"news", "series", "species"}
    return head.endswith("s") and not singular


def _names_a_person(phrase: str, persons: frozenset[str]) -> bool:
    """ "Mayor Elena Ruiz", "Ruiz", "the minister" name people; "The Federal Reserve" (a
    name after "the") and "the wall" do not."""
    if any(_bare(w) in _PERSON_WORDS for w in phrase.split()):
        return True
    if re.match(r"^(?:the|a|an)\s+", phrase, flags=re.IGNORECASE):
        return False
    return any(phrase in (name, name.split()[-1]) for name in persons)


def _definite(phrase: str) -> str:
    """ "A bomb" -> "the bomb"; "The wall" -> "the wall"; names keep their case."""
    phrase = re.sub(r"^(?:A|An|a|an)\s+", "the ", phrase)
    return re.sub(r"^The\s+", "the ", phrase)


_EXPLETIVE = re.compile(
    r"^it\s+(?:(?:is|was|has been|had been|will be|would be|may be|might be|could be|"
    r"remains|remained|became|becomes|'s|’s)"
    r"(?:\s+(?:not|still|also|now|very|so|too|increasingly|becoming|far|all|just|quite|"
    r"less|more|entirely|getting))*\s+(?:(?:a|an|the)\s+)?(?P<word>[\w-]+)"
    r"|(?:seems|seemed|appears|appeared|remains to be seen|remained to be seen|rained|rains|"
    r"snowed|snows|"
    r"takes|took|turns out|turned out|happens|happened|emerged|follows)\b)",
    re.IGNORECASE,
)
_EXPLETIVE_WORDS = word_set("expletive_words")


def _expletive(claim: str) -> bool:
    """ "It is unclear whether ...", "It is raining": an "it" that stands for nothing."""
    match = _EXPLETIVE.match(claim)
    if not match:
        return False
    word = match.group("word")
    return word is None or word.lower() in _EXPLETIVE_WORDS


def it_referent(ctx: Context) -> str | None:
    """What a claim-initial "it" stands for, in this order: an entity that made the claim
    ("Iran said it ..."); the last country, else organisation, the frame names other than
    the speaker's own ("Talking about Turkey’s role, Baghaei insisted that it ..."); the
    entity that made the previous claim ("The Fed said ... It added ..."); the singular
    subject of the previous sentence ("A bomb exploded. It killed ..."); the one country
    the previous sentence names."""
    if ctx.speaker and not ctx.speaker_is_person and ctx.attributed:
        # an organisation, a definite "the company" or a name ("Hidrosur"), never a plural
        named = re.fullmatch(r"(?i:the)\s.+|" + _NAME_RE.pattern, ctx.speaker)
        if is_entity(ctx.speaker) or (named and not _is_plural(ctx.speaker)):
            return _definite(ctx.speaker)
    own = ctx.speaker_country
    frame_countries = [c for _, c in _countries(ctx.frame) if c != own]
    if frame_countries:
        return frame_countries[-1]
    frame_orgs = [o for _, o in _organisations(ctx.frame) if o != ctx.speaker]
    if frame_orgs:
        return frame_orgs[-1]
    if ctx.previous_speaker and is_entity(ctx.previous_speaker):
        return _definite(ctx.previous_speaker)
    if ctx.previous:
        phrase = subject_phrase(ctx.previous)
        if phrase and not _is_plural(phrase) and not _names_a_person(phrase, ctx.persons):
            return _definite(phrase)
    if ctx.previous_text:
        # Only a country, and only when the previous sentence names exactly one: "Kenya and
        # Uganda" is a guess, and "an economist at the University of Velden" no antecedent.
        named = {c for _, c in _countries(ctx.previous_text) if c != own}
        if len(named) == 1:
            return named.pop()
    return None


_NAMED_AS = re.compile(
    r"\b(?:are|were|is|was)\s+(?:\w+\s+)?(?:organi[sz]ed|known|grouped|united|gathered)\s+as\s+"
    r"(?P<name>" + _NAME_RE.pattern + r")"
)


def they_referent(ctx: Context) -> str | None:
    """What a claim-initial "they" stands for: a plural claimant ("Officials said they
    ..."), else the plural group that made the previous claim ("Critics said ... They
    ..."), else the plural subject of the previous sentence, by its name when that sentence
    gives one ("The groups ... are organized as Hayat Tahrir al-Sham")."""
    if ctx.speaker and not ctx.speaker_is_person and ctx.attributed and _is_plural(ctx.speaker):
        return _definite(ctx.speaker)
    if ctx.previous_speaker and _is_plural(ctx.previous_speaker):
        return _definite(ctx.previous_speaker)
    if ctx.previous:
        phrase = subject_phrase(ctx.previous)
        if phrase and _is_plural(phrase):  # "Smith and Jones", "the ministers": people too
            named = _NAMED_AS.search(ctx.previous)
            if named:
                return named.group("name")
            return _definite(phrase)
    return None


def _possessive(name: str, text: str) -> str:
    """ "Iran’s" (with the apostrophe the text uses), "the Philippines’"."""
    mark = "’" if "’" in text else "'"
    return name + mark if name.endswith("s") else name + mark + "s"


def resolve_references(claim: str, ctx: Context) -> str:
    """Replace claim-initial it/its/they/he/she and "his country" with what they stand for."""
    country = ctx.speaker_country
    if country:
        pattern = r"\b(?:his|her)(?:\s+own)?\s+(?:country|nation)(?P<pos>[’']s)?\b"
        if ctx.attributed:
            owners = "his|her|our" if ctx.speaker_is_person else "his|her|our|their|its"
            pattern = pattern.replace("(?:his|her)", f"(?:{owners})")

        def country_name(match: re.Match[str], text: str = claim) -> str:
            return _possessive(country, text) if match.group("pos") else country

        claim = re.sub(pattern, country_name, claim, flags=re.IGNORECASE)

    first = re.match(r"^(?P<q>[“\"]?)(?P<word>[A-Za-z]+)\b", claim)
    if not first or not ctx.subject_first:
        return claim
    word = first.group("word").lower()
    rest = claim[first.end() :]
    lead = first.group("q")
    referent = None
    if word == "it" and not _expletive(claim[len(lead) :]):
        referent = it_referent(ctx)
    elif word == "its":
        referent = it_referent(ctx)
        if referent:
            referent = _possessive(referent, claim + ctx.frame)
    elif word == "they":
        referent = they_referent(ctx)
    elif word == "he":
        referent = ctx.he
    elif word == "she":
        referent = ctx.she
    if not referent:
        return claim
    return lead + referent[0].upper() + referent[1:] + rest


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
