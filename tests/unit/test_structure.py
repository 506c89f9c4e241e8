"""Document structure: headlines, captions, credits, bylines and datelines are told from body."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.settings import ROOT
from factcheck.sources.document import from_text, guess_title
from factcheck.sources.readers import from_docx, from_html
from factcheck.text.credits import credit_kind
from factcheck.text.segment import MAX_SENTENCE_CHARS, segment
from factcheck.text.structure import BODY, KINDS, has_body, missing_body_message
from tests.shared import seed_text

NEWS = ROOT / "tests" / "data" / "news"


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in segment(text)]


def test_seed_article_caption_credits_and_subhead():
    text = from_text(seed_text()).text
    spans = segment(text)
    structural = [(s.kind, s.text) for s in spans if s.kind != BODY]
    assert structural == [
        (
            "caption",
            "A nurse attended to a woman injured in an airstrike, in Idlib, Syria, on Sunday.",
        ),
        ("credit", "Photo credit: Omar Albam"),
        ("caption", "Advance since late Nov. shown as of 2 December."),
        ("credit", "Image credit: Samuel Granados"),
        ("subhead", "Iran alleges coordination between HTS, Israel and US"),
    ]
    body = [s for s in spans if s.kind == BODY]
    assert len(body) >= 15 and body[0].text.startswith("Iran expressed its full support")
    for s in spans:
        assert text[s.start : s.end] == s.text


WIRE = """WORLD NEWS

Rebels seize most of Aleppo in biggest advance for years

Government forces withdraw from Syria's second city; Iran pledges support

By Maya Gebeily and Suleiman Al-Khalidi, Reuters

Updated 1 December 2024, 10:42 GMT

BEIRUT, Dec 1 (Reuters) - Syrian rebels swept into Aleppo on Saturday, the army said. \
It was the first attack on the city since 2016.

FILE PHOTO: Rebel fighters ride a tank in Aleppo, Syria, November 30, 2024. \
REUTERS/Mahmoud Hasano/File Photo

Iran's response

Tehran said it had sent 4,000 advisers to Syria since 2015.

Reporting by Maya Gebeily in Beirut; Additional reporting by Parisa Hafezi in Dubai
Editing by Angus MacSwan"""


def test_a_wire_story_has_every_kind():
    assert kinds(WIRE) == [
        ("section", "WORLD NEWS"),
        ("headline", "Rebels seize most of Aleppo in biggest advance for years"),
        (
            "standfirst",
            "Government forces withdraw from Syria's second city; Iran pledges support",
        ),
        ("byline", "By Maya Gebeily and Suleiman Al-Khalidi, Reuters"),
        ("update", "Updated 1 December 2024, 10:42 GMT"),
        ("dateline", "BEIRUT, Dec 1 (Reuters) -"),
        ("body", "Syrian rebels swept into Aleppo on Saturday, the army said."),
        ("body", "It was the first attack on the city since 2016."),
        ("caption", "FILE PHOTO: Rebel fighters ride a tank in Aleppo, Syria, November 30, 2024."),
        ("credit", "REUTERS/Mahmoud Hasano/File Photo"),
        ("subhead", "Iran's response"),
        ("body", "Tehran said it had sent 4,000 advisers to Syria since 2015."),
        (
            "credit",
            "Reporting by Maya Gebeily in Beirut; Additional reporting by Parisa Hafezi in Dubai",
        ),
        ("credit", "Editing by Angus MacSwan"),
    ]
    assert {kind for kind, _ in kinds(WIRE)} == set(KINDS)


@pytest.mark.parametrize(
    "line, kind",
    [
        ("Photo credit: Omar Albam", "media"),
        ("Image credit: Newsline Graphics/Samuel Mutua", "media"),
        ("Photo: Kwame Asante/Wire Service", "media"),
        ("(Photo: Henrik Sal/Wire Service)", "media"),
        ("(AP Photo/Jorge Salinas)", "media"),
        ("Photograph by Jane Doe for The Guardian", "media"),
        ("Credit: Supplied", "media"),
        ("Image source, Getty Images", "media"),
        ("Photo courtesy of the Doe family", "media"),
        ("Source: World Bank", "media"),
        ("REUTERS/Mahmoud Hasano", "desk"),
        ("Omar Haj Kadour/AFP via Getty Images", "desk"),
        ("Getty Images", "desk"),
        ("Reporting by Brian Otieno; Editing by Clara Voss", "wire"),
        ("(Reporting by Jo Doe in Nairobi; Writing by Al Smith; Editing by Kim Lee)", "wire"),
        ("Compiled by the Reuters newsroom", "wire"),
        ("Associated Press writer Jo Doe in Beirut contributed to this report.", "wire"),
        ("Reuters", "agency"),
        ("© 2024 Reuters", "agency"),
    ],
)
def test_credit_lines(line, kind):
    assert credit_kind(line) == kind
    assert kinds(f"The council met on Tuesday.\n\n{line}\n\nIt voted 7 to 2.")[1] == (
        "credit",
        line,
    )


@pytest.mark.parametrize(
    "paragraph, caption, credit",
    [
        (
            "Fighters ride a tank in Aleppo, Syria, Saturday, Nov. 30, 2024. "
            "(AP Photo/Ghaith Alsayed)",
            ["Fighters ride a tank in Aleppo, Syria, Saturday, Nov. 30, 2024."],
            "(AP Photo/Ghaith Alsayed)",
        ),
        (
            "Smoke rises over the city. Residents fled on foot.\n"
            "Omar Haj Kadour/AFP via Getty Images",
            ["Smoke rises over the city.", "Residents fled on foot."],
            "Omar Haj Kadour/AFP via Getty Images",
        ),
        (
            "Pictured: the minister in Accra on Monday\nPhoto: Reuters",
            ["Pictured: the minister in Accra on Monday"],
            "Photo: Reuters",
        ),
        (
            "Image caption, Rebel fighters in Aleppo. Image source, EPA-EFE/Mohammed Badra",
            ["Image caption, Rebel fighters in Aleppo."],
            "Image source, EPA-EFE/Mohammed Badra",
        ),
    ],
)
def test_a_caption_is_the_text_before_a_photo_credit(paragraph, caption, credit):
    spans = kinds(f"Rebels took the city.\n\n{paragraph}\n\nThe army retreated.")
    assert spans[1:-1] == [("caption", c) for c in caption] + [("credit", credit)]
    assert spans[0][0] == spans[-1][0] == "body"


def test_a_caption_introduced_as_one_needs_no_credit():
    assert kinds("Rebels took the city.\n\nAbove: Fighters on a tank in Aleppo.\n\nIt fell.") == [
        ("body", "Rebels took the city."),
        ("caption", "Above: Fighters on a tank in Aleppo."),
        ("body", "It fell."),
    ]


@pytest.mark.parametrize(
    "first, dateline",
    [
        ("BEIRUT, Dec 2 (Reuters) - Rebels took the city.", "BEIRUT, Dec 2 (Reuters) -"),
        ("KYIV, Ukraine (AP) — Rebels took the city.", "KYIV, Ukraine (AP) —"),
        ("Kyiv, March 3 (AFP) - Rebels took the city.", "Kyiv, March 3 (AFP) -"),
        ("(CNN) — Rebels took the city.", "(CNN) —"),
        ("WASHINGTON — Rebels took the city.", "WASHINGTON —"),
        ("NEW DELHI, Dec. 2: Rebels took the city.", "NEW DELHI, Dec. 2:"),
        (
            "PORT SAVEN, May 14 (Wire Service) - Rebels took the city.",
            "PORT SAVEN, May 14 (Wire Service) -",
        ),
    ],
)
def test_datelines_are_split_off_the_first_sentence(first, dateline):
    spans = kinds(f"Rebels seize Aleppo\n\n{first} The army retreated.")
    assert spans[:4] == [
        ("headline", "Rebels seize Aleppo"),
        ("dateline", dateline),
        ("body", "Rebels took the city."),
        ("body", "The army retreated."),
    ]


@pytest.mark.parametrize(
    "line, kind",
    [
        ("By Jane Doe", "byline"),
        ("BY JANE DOE AND JOHN ROE", "byline"),
        ("By Inês Carvalho and Tomás Reis, Wire Service", "byline"),
        ("By Jo Bloggs, BBC Middle East correspondent | 2 hours ago", "byline"),
        ("By David Gritten\nBBC News", "byline"),
        ("Updated: 14 April 2026, 09:15 GMT", "update"),
        ("Published 3 June 2026, 07:30 GMT; updated 11:12 GMT", "update"),
        ("Last updated 22 August 2026, 18:40 GMT", "update"),
        ("December 3, 2024", "update"),
        ("3 hours ago", "update"),
    ],
)
def test_bylines_and_update_stamps(line, kind):
    spans = kinds(f"Rebels seize Aleppo\n\n{line}\n\nRebels took the city on Saturday.")
    assert spans == [
        ("headline", "Rebels seize Aleppo"),
        *[(kind, part) for part in line.split("\n")],
        ("body", "Rebels took the city on Saturday."),
    ]


def test_section_labels_and_subheads():
    text = (
        "Health\n\nMeasles cases triple in the province\n\nCases rose to 1,240 this year.\n\n"
        "A contested count\n\nThe governor disputed the figures.\n\nADVERTISEMENT\n\n"
        "The ministry said 60% of children were vaccinated.\n\nRelated topics"
    )
    assert [k for k, _ in kinds(text)] == [
        "section",
        "headline",
        "body",
        "subhead",
        "body",
        "section",
        "body",
        "section",
    ]


def test_without_a_following_byline_or_dateline_there_is_no_standfirst():
    spans = kinds(
        "Council approves flood wall\n\nThe council voted 7 to 2 on Tuesday.\n\nIt was late."
    )
    assert [k for k, _ in spans] == ["headline", "body", "body"]


@pytest.mark.parametrize(
    "text",
    [
        "The company's credit rating fell to BB, Moody's said.",
        "Credit card debt rose 8% last year, the central bank said.",
        "By the end of the day, the airport had fallen.",
        "By Tuesday, 40,000 people had fled.",
        "By 2030, emissions must fall by half.",
        "Reporting by the New York Times showed the army had been warned.",
        "Editing by hand is slow, the minister said.",
        "Photo: the minister said the picture was taken in 2019.",
        "A poll showed 40% back the army (Reuters/Ipsos).",
        "Hayat Tahrir al-Sham (HTS) – the group that led the attack – was founded in 2017.",
        "NATO — the alliance — said 30 jets flew over the border.",
        "Published in 2020, the report found that 1,200 wells were dry.",
        "Updated figures show prices rose 5% in March.",
        "Above all, the minister said, prices must fall.",
        "Getty Images declined to comment on the photograph.",
        "TRUMP: Taxes went up 40%",
        "Source: a senior official said the army had left.",
        "The vote was 7 to 2. Who will pay for it?",
    ],
)
def test_body_sentences_that_only_look_structural_stay_body(text):
    document = f"The council met on Tuesday.\n\n{text}\n\nIt voted 7 to 2 after a long debate."
    spans = segment(document)
    assert {s.kind for s in spans} == {BODY}, [(s.kind, s.text) for s in spans]


def test_a_question_standing_alone_is_body():
    text = "The Senate voted 51-49.\n\nWho will pay for it?\n\nThe bill goes to the House."
    assert {k for k, _ in kinds(text)} == {BODY}


def test_transcripts_keep_speakers_and_stay_body():
    spans = segment(
        "Presidential debate, first round\nMODERATOR: Welcome, both.\n"
        "TRUMP: Taxes went up 40%\nCLINTON: Photo: that is false."
    )
    assert [(s.kind, s.speaker, s.text) for s in spans] == [
        ("headline", None, "Presidential debate, first round"),
        ("body", "MODERATOR", "Welcome, both."),
        ("body", "TRUMP", "Taxes went up 40%"),
        ("body", "CLINTON", "Photo: that is false."),
    ]


def test_a_transcripts_closing_credit_line_is_no_ones_turn():
    spans = segment(
        "MODERATOR: Welcome, both.\nTRUMP: Taxes went up 40%.\nIt is true.\n"
        "Reporting by Jo Doe; Editing by Al Smith"
    )
    assert [(s.kind, s.speaker) for s in spans] == [
        ("body", "MODERATOR"),
        ("body", "TRUMP"),
        ("body", "TRUMP"),
        ("credit", None),
    ]


def test_caption_labels_are_not_speakers():
    spans = segment("Pictured: The minister in Accra.\nPhoto: Reuters\n\nThe minister spoke.")
    assert [(s.kind, s.speaker) for s in spans] == [
        ("caption", None),
        ("credit", None),
        ("body", None),
    ]


def test_a_hard_wrapped_page_is_not_a_headline_or_caption():
    text = (
        "The Harbour City council voted 7 to 2 on Tuesday to build a\n"
        "flood wall along the old docks, ending a debate that has run\n"
        "since the storms of 2023.\nPhoto: Jo Doe/Harbour Chronicle\nThe mayor spoke next."
    )
    spans = kinds(text)
    assert spans[0] == ("body", "The Harbour City council voted 7 to 2 on Tuesday to build a")
    assert ("credit", "Photo: Jo Doe/Harbour Chronicle") in spans
    assert [k for k, _ in spans].count("caption") == 0


# --- the sentence size cap ---------------------------------------------------------------


def test_a_megabyte_without_punctuation_is_cut_at_whitespace():
    text = "Crime rose 20% in 2024. " + "word " * 200_000
    spans = segment(text)
    assert spans[0].text == "Crime rose 20% in 2024."
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in spans)
    assert all(s.text.endswith("word") and s.text.startswith("word") for s in spans[1:])
    assert sum(s.text.count("word") for s in spans) == 200_000
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_a_run_without_whitespace_is_hard_cut():
    text = "x" * (MAX_SENTENCE_CHARS * 2 + 10)
    assert [len(s.text) for s in segment(text)] == [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, 10]


def test_long_structural_lines_are_capped_too():
    text = "Rebels seize Aleppo\n\nPhoto credit: " + "Omar " * 1000 + "\n\nThe army left."
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in segment(text))


PIECES = [
    "Photo credit: Omar Albam",
    "By Jane Doe",
    "BEIRUT, Dec 2 (Reuters) - ",
    "Updated 3 Dec 2024",
    "WORLD NEWS",
    "Rebels seize Aleppo",
    "The army said 100 fighters died.",
    "(AP Photo/Ghaith Alsayed)",
    "REUTERS/Amr Dalsh",
    "Reporting by A. Doe; Editing by B. Roe",
    "FILE PHOTO: ",
    "Pictured: ",
    "TRUMP: ",
    "\n",
    "\n\n",
    " ",
    "\t",
    "\u2028",
    "\xa0",
    "\x0c",
    "“",
    ".",
    "?",
    " — ",
    "é",
]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_structured_texts_keep_exact_offsets(text):
    spans = segment(text)
    previous_end = 0
    for s in spans:
        assert previous_end <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text == s.text.strip()
        assert s.kind in KINDS
        previous_end = s.end


# --- titles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, title",
    [
        ("Council votes\n\nThe council voted.", "Council votes"),
        (
            "Photo credit: Jo Doe\n\nBy Jane Roe\n\nThe council voted 7 to 2 on Tuesday.",
            "The council voted 7 to 2 on Tuesday.",
        ),
        (
            "A nurse in Idlib on Sunday. Photo credit: Omar Albam\n\nThe groups leading the "
            "current offensive in northwestern Syria are organised as Hayat Tahrir al-Sham.",
            "The groups leading the current offensive in northwestern Syria are organised as…",
        ),
        (
            "WORLD NEWS\n\nRebels seize Aleppo\n\nBy Jane Doe\n\nThe city fell.",
            "Rebels seize Aleppo",
        ),
        ("Photo credit: Jo Doe\n\nReporting by Jane Roe", ""),
    ],
)
def test_guess_title_never_takes_a_caption_credit_or_byline(text, title):
    assert guess_title(text) == title


def test_the_seed_articles_title_is_its_subhead():
    assert (
        guess_title(from_text(seed_text()).text)
        == "Iran alleges coordination between HTS, Israel and US"
    )


# --- refusing texts without a body --------------------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        ("A nurse in Idlib on Sunday. Photo credit: Omar Albam", "captions, credit lines"),
        ("Rebels seize Aleppo\n\nBy Jane Doe", "a headline, a byline"),
        ("Reporting by Jo Doe; Editing by Al Smith", "credit lines"),
    ],
)
def test_texts_without_body_are_told_apart(text, found):
    spans = segment(text)
    assert not has_body(spans)
    assert f"it holds only {found}." in missing_body_message(spans)


def test_no_sentence_at_all_and_a_real_story():
    assert missing_body_message(segment("… — !!")) == (
        "The text has no sentences to check (no letters or digits)."
    )
    assert missing_body_message(segment("")) is not None
    spans = segment("Rebels seize Aleppo\n\nThe city fell on Saturday.")
    assert has_body(spans) and missing_body_message(spans) is None


# --- HTML and Word ------------------------------------------------------------------------

PAGE = """<!doctype html><html><head><title>Rebels seize Aleppo | Wire</title></head><body>
<article><h1>Rebels seize Aleppo in surprise offensive</h1>
<p>By Jane Doe and John Roe, Reuters</p>
<p>Updated 3 December 2024, 10:42 GMT</p>
<figure><img src="a.jpg"><figcaption>A nurse in Idlib on Sunday. Photo credit: Omar Albam
</figcaption></figure>
<p>BEIRUT, Dec 2 (Reuters) - Rebels seized most of Aleppo on Saturday, the army said.
It was the first attack on the city since 2016.</p>
<p>Fighters ride a tank in Aleppo, Syria, Saturday, Nov. 30, 2024. (AP Photo/Ghaith Alsayed)</p>
<h2>Iran alleges coordination</h2>
<p>Iran said Israel and the US coordinated with the groups, a claim both denied.</p>
<p>Reporting by Jane Doe; Editing by Alex Smith</p>
</article></body></html>"""


def test_html_blocks_become_paragraphs_and_keep_their_kinds():
    doc = from_html(PAGE)
    # trafilatura drops <figcaption> (and its credit); captions in plain <p>s survive.
    assert "Omar Albam" not in doc.text
    assert kinds(doc.text) == [
        ("headline", "Rebels seize Aleppo in surprise offensive"),
        ("byline", "By Jane Doe and John Roe, Reuters"),
        ("update", "Updated 3 December 2024, 10:42 GMT"),
        ("dateline", "BEIRUT, Dec 2 (Reuters) -"),
        ("body", "Rebels seized most of Aleppo on Saturday, the army said."),
        ("body", "It was the first attack on the city since 2016."),
        ("caption", "Fighters ride a tank in Aleppo, Syria, Saturday, Nov. 30, 2024."),
        ("credit", "(AP Photo/Ghaith Alsayed)"),
        ("subhead", "Iran alleges coordination"),
        ("body", "Iran said Israel and the US coordinated with the groups, a claim both denied."),
        ("credit", "Reporting by Jane Doe; Editing by Alex Smith"),
    ]
    assert guess_title(doc.text) == "Rebels seize Aleppo in surprise offensive"


def _styled_docx(paragraphs: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_paragraph_styles_give_the_title_and_hints():
    doc = from_docx(
        _styled_docx(
            [
                ("Rebels seize Aleppo", "Heading 1"),
                ("Fighters on a tank in Aleppo on Saturday", "Caption"),
                ("The army said 100 fighters were killed.", "Normal"),
                ("Iran responds", "Heading 2"),
                ("Tehran said it would send advisers.", "Normal"),
            ]
        )
    )
    assert doc.title == "Rebels seize Aleppo"
    assert [(s.kind, s.text) for s in segment(doc.text, hints=dict(doc.hints))] == [
        ("headline", "Rebels seize Aleppo"),
        ("caption", "Fighters on a tank in Aleppo on Saturday"),
        ("body", "The army said 100 fighters were killed."),
        ("subhead", "Iran responds"),
        ("body", "Tehran said it would send advisers."),
    ]
    titled = from_docx(_styled_docx([("Flood wall", "Title"), ("It was built.", "Normal")]))
    assert titled.title == "Flood wall" and titled.hints == (("Flood wall", "headline"),)


# --- the labelled news set ----------------------------------------------------------------


def _articles() -> list[Path]:
    return sorted(NEWS.glob("[0-9][0-9]-*.tsv"))


def _rows(tsv: Path) -> list[tuple[str, str, str]]:
    """The (kind, flag, text) rows of a labelled article, header row left out."""
    lines = tsv.read_text("utf-8").splitlines()
    assert lines and lines[0].split("\t") == ["kind", "flag", "text"], f"{tsv.name}: header"
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if line.strip():
            fields = line.split("\t")
            assert len(fields) == 3, f"{tsv.name}:{number}: expected 3 tab-separated fields"
            rows.append((fields[0], fields[1], fields[2]))
    return rows


def _labelled_spans(tsv: Path) -> tuple[str, list[tuple[int, int, str]]]:
    """The article's text (its metadata header stripped) and each row's offsets and kind.
    A row quoted CSV-style (a quote at each end, inner quotes doubled) is read unquoted
    when its raw form is not in the text."""
    txt = tsv.with_suffix(".txt")
    assert txt.exists(), f"{tsv.name} has no {txt.name}"
    text = from_text(txt.read_text("utf-8")).text
    found = []
    cursor = 0
    for kind, _flag, row in _rows(tsv):
        assert kind in KINDS, f"{tsv.name}: unknown kind {kind!r}"
        start = text.find(row, cursor)
        if start < 0 and len(row) > 1 and row[0] == row[-1] == '"':
            row = row[1:-1].replace('""', '"')
            start = text.find(row, cursor)
        assert start >= 0, f"{tsv.name}: row not found in order in the text: {row[:60]!r}"
        found.append((start, start + len(row), kind))
        cursor = start + len(row)
    covered = "".join(text[a:b] for a, b, _ in found)
    assert "".join(text.split()) == "".join(covered.split()), f"{tsv.name}: rows leave text out"
    return text, found


def _predicted(text: str, start: int, end: int, spans) -> str:
    """The kind of the spans that cover most of text[start:end]."""
    overlap: Counter[str] = Counter()
    for s in spans:
        if s.start < end and s.end > start:
            overlap[s.kind] += min(s.end, end) - max(s.start, start)
    return overlap.most_common(1)[0][0] if overlap else "missing"


def test_the_news_set_is_there():
    assert _articles(), f"no labelled articles (NN-*.tsv) in {NEWS}"


@pytest.mark.parametrize("tsv", _articles(), ids=lambda p: p.stem)
def test_news_articles_structure_agrees_with_the_labels(tsv):
    text, rows = _labelled_spans(tsv)
    spans = segment(text)
    wrong = []
    for start, end, kind in rows:
        predicted = _predicted(text, start, end, spans)
        body_lost = kind == BODY and predicted != BODY
        missed = kind in ("caption", "credit", "byline") and predicted in (BODY, "missing")
        if body_lost or missed:
            wrong.append((kind, predicted, text[start:end][:80]))
    assert wrong == []
