"""The search box's parser: what a person types becomes words, phrases, prefixes and
left-out words, and an FTS5 expression in which every word is a quoted string."""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.errors import InvalidInput
from factcheck.search.queries import mark
from factcheck.search.syntax import MAX_QUERY_CHARS, MAX_TERMS, parse


@pytest.mark.parametrize(
    ("text", "fts5"),
    [
        ("tax cut", '(("tax" AND "cut"))'),
        ('"tax cut" -vat', '(("tax cut")) NOT ("vat")'),
        ("tax*", '(("tax"*))'),
        ("housing OR rent", '(("housing") OR ("rent"))'),
        ("rent NOT vat", '(("rent")) NOT ("vat")'),
        ("--vat rent", '(("rent")) NOT ("vat")'),
        ("NEAR", '(("NEAR"))'),  # a plain word, quoted: never the NEAR operator
        ("tax AND rose", '(("tax" AND "rose"))'),  # AND is implied anyway
        ("a\x00b", '(("a" AND "b"))'),  # control characters separate words
        ('say "it""s"', '(("say" AND "it" AND "s"))'),
        ("ｔａｘ", '(("tax"))'),  # full-width letters read as ASCII (NFKC)
        ("🙂 tax", '(("tax"))'),  # no letter or digit: not a word
        ("ta*", '(("ta"))'),  # a prefix needs three letters
        ("claimant_name:tax", '(("claimant_name:tax"))'),  # no column filter from input
        ('"unclosed phrase', '(("unclosed phrase"))'),
    ],
)
def test_parse(text, fts5):
    assert parse(text).fts5() == fts5


def test_column_filter_wraps_the_whole_expression():
    assert parse("quist -tax").fts5("claimant_name") == 'claimant_name : ((("quist")) NOT ("tax"))'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a word"),
        ("*", "Type a word"),
        ("-", "Type a word"),
        ("OR AND NOT", "Type a word"),
        ("🙂", "Type a word"),
        ("-tax", "only words to leave out"),
        ("NOT tax", "only words to leave out"),
        ("x" * (MAX_QUERY_CHARS + 1), f"at most {MAX_QUERY_CHARS}"),
    ],
)
def test_refused(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse(text)


def test_bounds_and_notes():
    query = parse(" ".join(f"w{n}" for n in range(30)))
    assert sum(len(g) for g in query.groups) == MAX_TERMS
    assert any("first 12" in note for note in query.notes)
    phrase = parse('"' + " ".join(f"w{n}" for n in range(30)) + '"')
    assert len(phrase.groups[0][0].words) == MAX_TERMS
    long_word = parse("a" * 250)
    assert len(long_word.groups[0][0].words[0]) == 64
    assert parse('"open').notes == (
        "A quotation mark was not closed; the rest was read as a phrase.",
    )


def test_mark_escapes_then_marks_balanced_pairs():
    assert str(mark("\ue000<b>\ue001 & x")) == "<mark>&lt;b&gt;</mark> &amp; x"
    # Markers already in a stored text cannot leave a tag open or close one never opened.
    assert str(mark("\ue001a\ue000b\ue000c")) == "a<mark>bc</mark>"
    assert str(mark(None)) == ""


_FTS = sqlite3.connect(":memory:")
_FTS.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize='porter unicode61')")
_FTS.execute("INSERT INTO t VALUES ('the tax rose near the border', 'Jane Quist')")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_a_valid_fts5_expression_or_a_clear_refusal(text):
    try:
        query = parse(text)
    except InvalidInput as exc:
        assert exc.message
        return
    for column in (None, "b"):
        _FTS.execute("SELECT count(*) FROM t WHERE t MATCH ?", (query.fts5(column),)).fetchone()
    assert not re.search(r"[\x00-\x1f]", query.fts5())
