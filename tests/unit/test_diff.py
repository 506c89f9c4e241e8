"""Revision diffs: bounded work on long texts, lossless marks, and one diff on every page."""

from __future__ import annotations

import difflib
import html
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.auth.roles import Role
from factcheck.editorial import approval
from factcheck.extensions import db
from factcheck.review import leases
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.diff import word_diff
from factcheck.verdicts.ratings import ensure_default_scale
from tests.conftest import login
from tests.workflow import NOW, add_claim, later, user, verdict

# Element pairs difflib may examine for one pair of 40,000-character texts. The old
# word-level diff examined tens of millions (every space against every space).
PAIR_LIMIT = 1_000_000

WORDS = (
    "the minister said unemployment fell to percent last year while official figures "
    "from statistics office show a rise in labour force survey published on monday "
    "wages prices rent budget deficit hospital schools border energy exports growth"
).split()


@pytest.fixture
def pair_work(monkeypatch):
    """Count the element pairs difflib's longest-match search visits, in any matcher."""
    seen = {"pairs": 0}
    original = difflib.SequenceMatcher.find_longest_match

    def counting(self, alo=0, ahi=None, blo=0, bhi=None):  # noqa: ANN001, ANN202
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        seen["pairs"] += sum(len(self.b2j.get(x, ())) for x in self.a[alo:ahi])
        return original(self, alo, ahi, blo, bhi)

    monkeypatch.setattr(difflib.SequenceMatcher, "find_longest_match", counting)
    return seen


def side(marked: object, keep: str) -> str:
    """The text one side of a diff reads: 'old' drops the insertions, 'new' the deletions."""
    drop = "ins" if keep == "old" else "del"
    text = re.sub(rf"<{drop}\b[^>]*>.*?</{drop}>", "", str(marked), flags=re.S)
    return html.unescape(re.sub(r"</?(?:ins|del)\b[^>]*>", "", text))


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(1, 9)}.{rng.randint(0, 9)}%")
    return " ".join(words).capitalize() + "."


def long_pair(chars: int = 40_000, seed: int = 14) -> tuple[str, str]:
    """Two explanations of `chars` characters; the second has scattered small edits."""
    rng = random.Random(seed)  # noqa: S311  (test data, not security)
    paragraphs: list[list[str]] = []
    while sum(len(s) + 1 for p in paragraphs for s in p) < chars:
        paragraphs.append([sentence(rng) for _ in range(rng.randint(3, 8))])
    edited = []
    for i, para in enumerate(paragraphs):
        para = list(para)
        if i % 5 == 1:  # a word changed
            words = para[0].split(" ")
            words[len(words) // 2] = "sharply"
            para[0] = " ".join(words)
        if i % 9 == 2:  # a sentence added
            para.insert(1, "A new sentence names the table the figure comes from.")
        if i % 11 == 3 and len(para) > 1:  # a sentence removed
            del para[-1]
        edited.append(para)
    join = lambda ps: "\n\n".join(" ".join(p) for p in ps)  # noqa: E731
    return join(paragraphs), join(edited)


def assert_lossless(marked: object, old: str, new: str) -> None:
    assert side(marked, "old") == old
    assert side(marked, "new") == new


def test_two_long_explanations_diff_within_a_bounded_number_of_comparisons(pair_work):
    old, new = long_pair()
    assert len(old) >= 40_000 and old != new
    marked = word_diff(old, new)
    assert pair_work["pairs"] <= PAIR_LIMIT
    assert_lossless(marked, old, new)
    # The edits are marked word by word inside their sentences, not as whole passages.
    inserted = re.findall(r"<ins>(.*?)</ins>", str(marked), flags=re.S)
    assert "sharply" in inserted
    assert max(len(text) for text in inserted) < 200


@pytest.mark.parametrize(
    "old",
    [
        "Prices rose. " * 3_100,  # one sentence over and over
        "the " * 10_000,  # one 40,000-character sentence of one word
        "a " * 20_000,  # the most spaces a text of this length can hold
        "\n".join(["- wages", "- rent"] * 2_500),  # a long list of two repeating lines
    ],
    ids=["repeated-sentence", "repeated-word", "spaces", "repeated-lines"],
)
def test_repetitive_texts_stay_within_the_bound(pair_work, old):
    rng = random.Random(7)  # noqa: S311  (test data, not security)
    words = old.split(" ")
    for _ in range(12):  # scattered one-word edits
        words[rng.randrange(len(words))] = "changed"
    new = " ".join(words)
    marked = word_diff(old, new)
    assert pair_work["pairs"] <= PAIR_LIMIT
    assert_lossless(marked, old, new)


def test_a_small_budget_falls_back_to_whole_passages(pair_work):
    old, new = long_pair(chars=8_000)
    marked = word_diff(old, new, budget=2_000)
    assert pair_work["pairs"] <= 2_000
    assert_lossless(marked, old, new)


@settings(max_examples=200, deadline=None)
@given(
    old=st.text(alphabet="ab .!?\n\t<&é", max_size=120),
    new=st.text(alphabet="ab .!?\n\t<&é", max_size=120),
    budget=st.integers(min_value=0, max_value=400),
)
def test_marks_always_rebuild_both_texts(old, new, budget):
    assert_lossless(word_diff(old, new, budget=budget), old, new)


def test_unchanged_text_has_no_marks():
    text = "One sentence. Two sentences.\n\nA paragraph."
    assert str(word_diff(text, text)) == text


# The same pair on the claim, revision and review pages --------------------------------


@pytest.fixture
def resubmitted(app, make_user):
    """A long verdict returned by one editor and resubmitted with scattered edits."""
    ensure_default_scale(db.session)
    fc_account = make_user(Role.FACT_CHECKER, name="Ana Lee")
    ed_account = make_user(Role.EDITOR, name="Ed Itor")
    fc, ed = user(fc_account), user(ed_account)
    claim = add_claim("Unemployment fell to 3.5% last year")
    old, new = long_pair()
    leases.take(db.session, claim, actor=fc, now=NOW, lease_hours=48)
    rev1, _ = verdicts.save_revision(
        db.session, claim, verdict(explanation=old), actor=fc, base_revision_id=None, now=NOW
    )
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev1.id, now=NOW)
    approval.return_verdict(
        db.session,
        claim,
        revision_id=rev1.id,
        comment="Name the table.",
        actor=ed,
        now=later(1),
        lease_hours=48,
    )
    rev2, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(explanation=new),
        actor=fc,
        base_revision_id=rev1.id,
        now=later(2),
    )
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev2.id, now=later(2))
    db.session.commit()
    ed_client = app.test_client()
    login(ed_client, ed_account)
    return {"claim": claim.id, "editor": ed_client, "old": old, "new": new}


DIFF_TABLE = re.compile(r'<table class="table diff">.*?</table>', re.S)


def test_claim_revision_and_review_pages_show_the_same_diff(resubmitted, pair_work):
    client, cid = resubmitted["editor"], resubmitted["claim"]
    claim_page = client.get(f"/claims/{cid}").get_data(as_text=True)
    revision_page = client.get(f"/claims/{cid}/revisions/2").get_data(as_text=True)
    review_page = client.get(f"/claims/{cid}/review").get_data(as_text=True)
    # Three pages, three diffs of 40,000-character explanations: still a bounded cost.
    assert pair_work["pairs"] <= 4 * PAIR_LIMIT

    on_claim = DIFF_TABLE.search(claim_page[claim_page.index('id="rev2"') :]).group(0)
    on_revision = DIFF_TABLE.search(revision_page).group(0)
    on_review = DIFF_TABLE.search(review_page).group(0)
    assert on_claim == on_revision == on_review
    assert "<ins>sharply</ins>" in on_review
    assert ">Rating<" not in on_review  # only the explanation changed


def test_a_diff_over_budget_says_so_on_the_page(resubmitted):
    from flask import render_template_string

    from factcheck.claims.models import Claim
    from factcheck.verdicts.diff import diff_revisions

    rev1, rev2 = verdicts.revisions(db.session, db.session.get(Claim, resubmitted["claim"]))
    [full] = diff_revisions(rev1, rev2)
    [coarse] = diff_revisions(rev1, rev2, budget=1_000)
    assert not full.coarse and coarse.coarse
    assert_lossless(coarse.marked, resubmitted["old"], resubmitted["new"])
    page = render_template_string(
        '{% from "verdicts/_revision.html" import show_changes %}{{ show_changes(changes) }}',
        changes=[coarse],
    )
    assert "Too many changes to mark word by word" in page


def test_the_claim_page_bounds_its_diffs_together_however_many_revisions(
    app, make_user, monkeypatch
):
    """The budget was per pair and the claim page diffs every consecutive pair, so a long
    history of rewritten explanations cost N times a worst case (issue 14 review)."""
    from factcheck.verdicts import diff

    charged = {"pairs": 0}
    original = diff.Budget.charge

    def counting(self, pairs: int) -> None:  # noqa: ANN001
        original(self, pairs)  # raises when refused: only paid searches count
        charged["pairs"] += pairs

    monkeypatch.setattr(diff.Budget, "charge", counting)
    ensure_default_scale(db.session)
    account = make_user(Role.FACT_CHECKER)
    fc = user(account)
    claim = add_claim("Unemployment fell to 3.5% last year")
    leases.take(db.session, claim, actor=fc, now=NOW, lease_hours=48)
    base = None
    rng = random.Random(3)  # noqa: S311  (test data, not security)

    def rewritten() -> str:
        """Sentences of one-letter words between fixed anchors: each pair of versions is a
        worst case (every sentence rewritten, nothing unique to anchor on)."""
        return " ".join(
            f"Anchor {k}. " + " ".join(rng.choice("ab") for _ in range(290)) + "."
            for k in range(60)
        )

    for n in range(12):  # every explanation rewritten from scratch
        rev, _ = verdicts.save_revision(
            db.session,
            claim,
            verdict(explanation=rewritten()),
            actor=fc,
            base_revision_id=base,
            now=later(n / 10),
        )
        base = rev.id
    db.session.commit()
    client = app.test_client()
    login(client, account)
    charged["pairs"] = 0
    page = client.get(f"/claims/{claim.id}")
    assert page.status_code == 200
    assert diff.BUDGET < charged["pairs"] <= diff.PAGE_BUDGET, charged
    assert "Too many changes to mark word by word" in page.get_data(as_text=True)
