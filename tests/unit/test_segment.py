"""Sentence splitting keeps exact offsets and does not break at abbreviations or numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.text.segment import segment
from tests.shared import seed_text


def texts(text: str) -> list[str]:
    return [s.text for s in segment(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The U.S. economy grew. Then it shrank.", ["The U.S. economy grew.", "Then it shrank."]),
        (
            "Dr. Amira Haddad spoke first. Mr. Smith spoke next.",
            ["Dr. Amira Haddad spoke first.", "Mr. Smith spoke next."],
        ),
        (
            "Inflation hit 3.5% in June. Wages rose 2.1 percent.",
            ["Inflation hit 3.5% in June.", "Wages rose 2.1 percent."],
        ),
        (
            "The wall opens on Nov. 27 next year. Residents can comment.",
            ["The wall opens on Nov. 27 next year.", "Residents can comment."],
        ),
        (
            '"Nobody has shown us the money," he said. The vote passed.',
            ['"Nobody has shown us the money," he said.', "The vote passed."],
        ),
        (
            "It cost $48.5 million, i.e. more than planned. Really?",
            ["It cost $48.5 million, i.e. more than planned.", "Really?"],
        ),
    ],
)
def test_no_split_inside_abbreviations_numbers_and_quotes(text, expected):
    assert texts(text) == expected


def test_paragraphs_are_numbered_and_headings_stand_alone():
    spans = segment("Council votes on wall\n\nThe council voted 7 to 2. It was late.\n\nEnd.")
    assert [(s.paragraph, s.kind, s.text) for s in spans] == [
        (0, "headline", "Council votes on wall"),
        (1, "body", "The council voted 7 to 2."),
        (1, "body", "It was late."),
        (2, "body", "End."),
    ]


def test_a_credit_line_is_one_span_and_a_caption_is_split_into_sentences():
    spans = segment(
        "Fighters rode in. Crowds watched. Photo credit: Jo Doe. Reuters\n\n"
        "Reporting by Jo Doe. Editing by Al Smith"
    )
    assert [(s.kind, s.text) for s in spans] == [
        ("caption", "Fighters rode in."),
        ("caption", "Crowds watched."),
        ("credit", "Photo credit: Jo Doe. Reuters"),
        ("credit", "Reporting by Jo Doe. Editing by Al Smith"),
    ]


def test_odd_spacing_that_panics_sentencex_is_survived():
    # sentencex (Rust) panics on an initial, a no-break or line-separator space and a stop.
    for text in ("J\u00a0. Smith said taxes rose.", "Reuters/A B\u2028. Then it fell."):
        spans = segment(text)
        assert all(text[s.start : s.end] == s.text for s in spans)
        assert "".join("".join(s.text for s in spans).split()) == "".join(text.split())


def test_transcript_keeps_speakers():
    spans = segment(
        "MODERATOR: Welcome, both.\nTRUMP: Taxes went up 40%. Believe me.\n"
        "It is true.\nCLINTON: That is false."
    )
    assert [(s.speaker, s.text) for s in spans] == [
        ("MODERATOR", "Welcome, both."),
        ("TRUMP", "Taxes went up 40%."),
        ("TRUMP", "Believe me."),
        ("TRUMP", "It is true."),
        ("CLINTON", "That is false."),
    ]


def test_prose_with_a_colon_is_not_a_transcript():
    spans = segment("Photo credit: Omar Albam\n\nThe attack began on Wednesday.")
    assert all(s.speaker is None for s in spans)
    assert [s.kind for s in spans] == ["credit", "body"]


def test_seed_article_offsets_and_tricky_sentences():
    text = seed_text()
    spans = segment(text)
    for s in spans:
        assert text[s.start : s.end] == s.text
    sentences = [s.text for s in spans]
    assert "Advance since late Nov. shown as of 2 December." in sentences
    assert "Image credit: Samuel Granados" in sentences
    baghaei = [t for t in sentences if t.startswith("Addressing a weekly press conference")]
    assert len(baghaei) == 1 and baghaei[0].endswith("peace in Gaza.")
    assert "Iran alleges coordination between HTS, Israel and US" in sentences


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_spans_are_sorted_disjoint_and_exact(text):
    spans = segment(text)
    previous_end = 0
    for s in spans:
        assert previous_end <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        previous_end = s.end
    covered = "".join(s.text for s in spans)
    assert "".join(text.split()) == "".join(covered.split())
