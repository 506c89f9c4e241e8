"""Claimants, roles, reporting verbs and bare claims come out of reported speech."""

from __future__ import annotations

from factcheck.claims.attribution import attribute
from factcheck.claims.segment import segment
from tests.shared import seed_text


def attributed(text: str) -> dict[str, tuple]:
    spans = segment(text)
    return {
        s.text: (a.claimant, a.claimant_role, a.reporting_verb, a.claim, a.hedged)
        for s, a in zip(spans, attribute(spans), strict=True)
    }


def find(results: dict, start: str) -> tuple:
    matches = [v for k, v in results.items() if k.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


def test_seed_article_claimants():
    results = attributed(seed_text())
    claimant, role, verb, claim, _ = find(results, "Addressing a weekly press conference")
    assert claimant == "Esmaeil Baghaei"
    assert role == "spokesman of the Iranian foreign ministry"
    assert verb == "claimed"
    assert claim == (
        "Israel and the US have supported the terrorist groups in Syria in order to "
        "derail the regional effort of peace in Gaza."
    )

    claimant, role, verb, claim, _ = find(results, "Alleging that fresh troubles")
    assert (claimant, role, verb) == ("Masoud Pezeshkian", "Iranian President", "claimed")
    assert claim.startswith("Such incidents are part of vicious plots by the Zionist regime")

    assert find(results, "He said that Syria has been able")[:3] == (
        "Abbas Araghchi",
        "Iranian Foreign Minister",
        "said",
    )
    assert find(results, "Araghchi traveled to Turkey")[0] == "Abbas Araghchi"
    assert find(results, "He claimed that his country makes no distinction")[0] == (
        "Abbas Araghchi"
    )
    assert find(results, "“We believe that following")[0] == "Abbas Araghchi"

    assert find(results, "Al-Sudani echoed Pezeshkian")[:3] == (
        "Mohammed Shia al-Sudani",
        "Iraqi Prime Minister",
        "announced",
    )
    # "the Iranian president" and the "he said" after his quote resolve to Pezeshkian
    assert find(results, "On Sunday, during a phone call")[0] == "Masoud Pezeshkian"
    assert find(results, "“Under the circumstances")[:3] == (
        "Masoud Pezeshkian",
        "Iranian President",
        "said",
    )
    # the quote paragraph after Baghaei's claim is his
    assert find(results, "“Over the past 14 months")[0] == "Esmaeil Baghaei"
    assert find(results, "Talking about Araghchi’s visit")[0] == "Esmaeil Baghaei"
    assert find(results, "Iran alleges coordination")[:3] == ("Iran", None, "alleges")
    # sentences without reported speech have no claimant
    assert find(results, "Aleppo is Syria’s second largest city")[0] is None


def test_according_to_and_quote_then_speaker():
    results = attributed(
        "According to the health ministry, 1,200 people were treated.\n\n"
        '"The budget doubled in two years," said Senator Maria Lopez.\n\n'
        "Unemployment fell to 3.5%, according to Jane Smith, an economist at the bank."
    )
    assert find(results, "According to the health")[0] == "the health ministry"
    assert find(results, "According to the health")[3] == "1,200 people were treated."
    claimant, role, verb, claim, _ = find(results, '"The budget doubled')
    assert (claimant, role, verb) == ("Maria Lopez", "Senator", "said")
    assert claim == "The budget doubled in two years."
    assert find(results, "Unemployment fell")[:2] == ("Jane Smith", "economist at the bank")
    assert find(results, "Unemployment fell")[3] == "Unemployment fell to 3.5%."


def test_hedges_are_flagged():
    results = attributed("The minister allegedly took bribes. The minister took bribes.")
    assert find(results, "The minister allegedly")[4] is True
    assert find(results, "The minister took")[4] is False


def test_pronoun_follows_the_speaker_of_the_paragraph():
    results = attributed(
        "Mayor Elena Ruiz said the wall would protect 30,000 homes. "
        "She added that it would be paid for by the national fund."
    )
    assert find(results, "She added")[:3] == ("Elena Ruiz", "Mayor", "added")
    assert find(results, "She added")[3] == "It would be paid for by the national fund."


def test_transcript_speaker_is_the_claimant():
    results = attributed("ANCHOR: Good evening.\nSMITH: Crime rose 20% last year.")
    assert find(results, "Crime rose")[0] == "SMITH"
