"""Claims read on their own: pronouns resolved, frames and day words dropped, punctuation
repaired, statements dated; and the look-alikes that must stay as written."""

from __future__ import annotations

from datetime import date

import pytest

from factcheck.text.entities import country_of, is_entity
from factcheck.text.references import Context, subject_phrase
from factcheck.text.standalone import finish, split_frame, standalone
from factcheck.text.timewords import drop_time_adverbials, statement_date

TUESDAY = date(2024, 12, 3)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("share the same goal.”.", "Share the same goal."),  # the seed's defect, unopened
        ("and “share the same goal.”.", "And “share the same goal”."),
        ("the groups “share the same goal.”", "The groups “share the same goal”."),
        ("prices rose..", "Prices rose."),
        ("prices rose...", "Prices rose..."),  # an ellipsis stays
        ("prices rose ,and fell .", "Prices rose,and fell."),
        ("the plan failed,", "The plan failed."),
        ("the plan failed:", "The plan failed."),
        ("the plan failed!.", "The plan failed!"),
        ("“why now?”", "“Why now?”"),  # a question keeps its mark inside the quote
        ("“the plan failed", "The plan failed."),  # an opening quote that closes nowhere
        ("the plan failed.” Then it rained.", "The plan failed. Then it rained."),
        ('the "plan failed.', "The plan failed."),
        ("  the   plan failed  ", "The plan failed."),
        ("the “takfiri groups” are working", "The “takfiri groups” are working."),
    ],
)
def test_punctuation_is_repaired(claim, expected):
    assert finish(claim) == expected


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("that taxes rose by 5%", "Taxes rose by 5%."),
        ("On Tuesday that taxes rose by 5%", "Taxes rose by 5%."),
        ("On Sunday, the army shelled the town", "The army shelled the town."),
        ("the army shelled the town on Sunday", "The army shelled the town."),
        (
            "the army shelled the town on Sunday, killing five",
            "The army shelled the town, killing five.",
        ),
        (
            "they attacked Aleppo on Wednesday 27 November capturing the city",
            "They attacked Aleppo capturing the city.",
        ),
        (
            "he visited Damascus on Sunday 1 December and met Assad",
            "He visited Damascus and met Assad.",
        ),
        (
            "the fall of Aleppo this past week has raised concerns",
            "The fall of Aleppo has raised concerns.",
        ),
        ("prices fell yesterday", "Prices fell."),
        ("prices fell earlier this week", "Prices fell."),
        ("“the budget doubled in two years,”", "The budget doubled in two years."),
    ],
)
def test_frames_and_day_words_at_clause_edges_are_dropped(claim, expected):
    assert standalone(claim) == expected


@pytest.mark.parametrize(
    "claim",
    [
        "Crime rose 20% last year.",  # year-level time is what the claim is about
        "Aleppo was freed from rebel control in 2016.",
        "The city fell by Friday and the army retreated.",  # "by Friday" is no adverbial
        "Sunday’s vote was rigged.",
        "The Sunday Times reported the deal.",
        "The map shows the advance as of 2 December.",
        "The talks of Monday and Tuesday failed.",
        "The Monday meeting was cancelled.",
        "It is raining in Paris.",  # no antecedent
        "They said it would rain.",  # no group named
        "He resigned.",  # nobody to be
        "His country will win.",  # the speaker's country is not known
        "The country will win.",
        "Its economy grew by 3%.",
        "The report that was leaked is fake.",
    ],
)
def test_look_alikes_stay_as_written(claim):
    assert standalone(claim) == claim


def test_time_words_in_the_middle_of_a_clause_stay():
    text = "The army on Sunday morning shelled the town and Monday talks resumed"
    assert drop_time_adverbials(text) == text.replace("on Sunday morning shelled", "shelled")
    assert drop_time_adverbials("The vote of Monday stands") == "The vote of Monday stands"


@pytest.mark.parametrize(
    ("rest", "verb", "expected"),
    [
        ("on Tuesday that taxes rose by 5%", "said", ("on Tuesday", "taxes rose by 5%")),
        ("that taxes rose", "said", ("", "taxes rose")),
        ("in a statement that taxes rose", "said", ("in a statement", "taxes rose")),
        ("reporters on Monday that crime fell", "told", ("reporters on Monday", "crime fell")),
        ("the BBC: crime fell", "told", ("the BBC", "crime fell")),
        ("also that crime fell", "said", ("also", "crime fell")),
        ("on Monday the talks had failed", "said", ("on Monday", "the talks had failed")),
        (", however, that crime fell", "said", ("however", "crime fell")),
        # look-alikes: "that" belongs to the claim
        ("the report that was leaked is fake", "said", ("", "the report that was leaked is fake")),
        ("the BBC that was biased", "said", ("", "the BBC that was biased")),
        ("growth that year was weak", "said", ("", "growth that year was weak")),
        (
            "“the plan is dead” and that it failed",
            "said",
            ("", "“the plan is dead” and that it failed"),
        ),
    ],
)
def test_the_reporting_frame_is_split_off(rest, verb, expected):
    assert split_frame(rest, verb) == expected


@pytest.mark.parametrize(
    ("frame", "published", "expected"),
    [
        ("Addressing a press conference on Monday, the spokesman", TUESDAY, date(2024, 12, 2)),
        ("on Tuesday", TUESDAY, TUESDAY),  # the publication day when it is that weekday
        ("on Wednesday", TUESDAY, date(2024, 11, 27)),  # else the most recent before it
        ("Sunday night", TUESDAY, date(2024, 12, 1)),
        ("last Tuesday", TUESDAY, date(2024, 11, 26)),  # "last" is strictly before
        ("last Monday", TUESDAY, date(2024, 12, 2)),
        ("yesterday", TUESDAY, date(2024, 12, 2)),
        ("late last night", TUESDAY, date(2024, 12, 2)),
        ("today", TUESDAY, TUESDAY),
        ("earlier today", TUESDAY, TUESDAY),
        ("last week", TUESDAY, date(2024, 11, 26)),
        ("on 1 December", TUESDAY, date(2024, 12, 1)),
        ("on December 1st", TUESDAY, date(2024, 12, 1)),
        ("on Sunday 1 December", TUESDAY, date(2024, 12, 1)),  # the explicit date wins
        ("on 30 December", date(2025, 1, 2), date(2024, 12, 30)),  # not after publication
        ("on 1 December 2023", None, date(2023, 12, 1)),
        ("on Sunday, 1 December, 2019", TUESDAY, date(2019, 12, 1)),
        ("on 31 February", TUESDAY, None),
        ("on Monday", None, None),
        ("on 1 December", None, None),
        ("this week", TUESDAY, None),
        ("this past week", TUESDAY, None),
        ("by Friday", TUESDAY, None),
        ("told the Sunday Times", TUESDAY, None),
        ("in a statement", TUESDAY, None),
        ("", TUESDAY, None),
    ],
)
def test_statement_dates(frame, published, expected):
    assert statement_date(frame, published) == expected


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Iraqi Prime Minister", "Iraq"),
        ("spokesman of the Iranian foreign ministry", "Iran"),
        ("Turkish President", "Turkey"),
        ("US Secretary of State", "the United States"),
        ("American envoy", "the United States"),
        ("Syria's defence minister", "Syria"),
        ("South African President", "South Africa"),
        ("British Prime Minister", "the United Kingdom"),
        ("a senior official", None),
        ("Deputy mayor", None),
        (None, None),
    ],
)
def test_country_of_a_role(text, country):
    assert country_of(text) == country


def test_entities_and_people():
    assert is_entity("Iran") and is_entity("the health ministry") and is_entity("NATO")
    assert is_entity("the United States") and is_entity("the US")
    assert not is_entity("Ana Gomez") and not is_entity("Officials")


def test_his_country_is_the_speakers_country():
    iraqi = Context(speaker="Mohammed Shia al-Sudani", speaker_country="Iraq", attributed=True)
    assert standalone("his country is ready to help Syria", iraqi) == "Iraq is ready to help Syria."
    assert standalone("Syria needs his country’s help", iraqi) == "Syria needs Iraq’s help."
    assert standalone("Syria needs her own country's help", iraqi) == "Syria needs Iraq's help."
    assert standalone("our country is ready", iraqi) == "Iraq is ready."
    us = Context(speaker="Jane Doe", speaker_country="the United States", attributed=True)
    assert standalone("his country will leave", us) == "The United States will leave."
    assert standalone("we back his country’s plan", us) == "We back the United States’ plan."
    # in a sentence nobody claims, "our" is the writer's, not the subject's
    subject = Context(speaker="Jane Doe", speaker_country="Canada")
    assert standalone("our country backs his country", subject) == "Our country backs Canada."


def test_it_is_the_entity_that_claimed():
    iran = Context(speaker="Iran", speaker_is_person=False, attributed=True)
    assert standalone("it would respond to any attack", iran) == "Iran would respond to any attack."
    ministry = Context(speaker="The health ministry", speaker_is_person=False, attributed=True)
    assert standalone("it had treated 1,200 people", ministry) == (
        "The health ministry had treated 1,200 people."
    )
    assert standalone("it was unclear whether talks would resume", ministry) == (
        "It was unclear whether talks would resume."
    )


def test_it_is_the_country_the_frame_names():
    baghaei = Context(
        speaker="Esmaeil Baghaei",
        speaker_country="Iran",
        attributed=True,
        frame="Talking about the visit to Ankara to meet Turkish officials amid talk of "
        "Turkey’s role in the attacks launched by HTS, Baghaei insisted",
    )
    assert standalone("it is still a part of Astana process", baghaei) == (
        "Turkey is still a part of Astana process."
    )
    assert standalone("its army is ready", baghaei) == "Turkey’s army is ready."
    # the speaker's own country is not what "it" means
    own = Context(speaker="Ana Gomez", speaker_country="Iran", attributed=True, frame="Iranian")
    assert standalone("it will help", own) == "It will help."
    # an organisation when the frame names no country
    org = Context(speaker="Ana Gomez", attributed=True, frame="Asked about NATO, Gomez said")
    assert standalone("it must spend more", org) == "NATO must spend more."


def test_it_is_the_previous_sentences_subject():
    bomb = Context(previous="A bomb exploded in Kabul.")
    assert standalone("It killed five people.", bomb) == "The bomb killed five people."
    wall = Context(previous="The wall would protect 30,000 homes.")
    assert standalone("it would be paid for by the fund", wall) == (
        "The wall would be paid for by the fund."
    )
    # a person is never "it"; nor a plural subject
    person = Context(
        previous="Mayor Elena Ruiz opened the bridge.", persons=frozenset({"Elena Ruiz"})
    )
    assert standalone("It cost $2m.", person) == "It cost $2m."
    surname = Context(previous="Ruiz opened the bridge.", persons=frozenset({"Elena Ruiz"}))
    assert standalone("It cost $2m.", surname) == "It cost $2m."
    plural = Context(previous="The rebels took the city.")
    assert standalone("It cost them dearly.", plural) == "It cost them dearly."
    # an expletive "it" stays even with an antecedent
    assert standalone("It is unclear who fired first.", bomb) == "It is unclear who fired first."
    assert standalone("It is raining in Kabul.", bomb) == "It is raining in Kabul."
    assert standalone("It seems the bomb was old.", bomb) == "It seems the bomb was old."


def test_it_is_the_one_country_the_previous_sentence_names():
    people = frozenset({"John Smith"})
    text = "Smith visited Kenya."
    one = Context(previous=text, previous_text=text, persons=people)
    assert standalone("It is a key ally.", one) == "Kenya is a key ally."
    text = "Smith visited Kenya and Uganda."
    two = Context(previous=text, previous_text=text, persons=people)
    assert standalone("It is a key ally.", two) == "It is a key ally."
    # the previous sentence's own subject comes first
    text = "Aleppo is Syria’s second largest city."
    assert standalone("It fell in a week.", Context(previous=text, previous_text=text)) == (
        "Aleppo fell in a week."
    )


def test_they_are_the_groups_named_before():
    groups = Context(
        previous="The groups leading the offensive are organized as Hayat Tahrir al-Sham "
        "(HTS) and have controlled Idlib."
    )
    assert standalone("They launched an attack.", groups) == (
        "Hayat Tahrir al-Sham launched an attack."
    )
    protesters = Context(previous="Protesters gathered outside parliament.")
    assert standalone("They demanded new elections.", protesters) == (
        "Protesters demanded new elections."
    )
    armed = Context(previous="The armed groups are based in Idlib.")
    assert standalone("They attacked at dawn.", armed) == "The armed groups attacked at dawn."
    pair = Context(previous="Hamas and Israel agreed to a truce.")
    assert standalone("They will swap prisoners.", pair) == "Hamas and Israel will swap prisoners."
    officials = Context(speaker="Officials", speaker_is_person=False, attributed=True)
    assert standalone("they would reopen the border", officials) == (
        "Officials would reopen the border."
    )


def test_they_without_a_group_stays():
    assert standalone("They said it would rain.", Context()) == "They said it would rain."
    singular = Context(previous="The minister resigned.")
    assert standalone("They said it would rain.", singular) == "They said it would rain."
    news = Context(previous="The news shocked the town.")
    assert standalone("They wept.", news) == "They wept."
    united = Context(previous="The United States sent aid.")
    assert standalone("They wept.", united) == "They wept."


def test_he_and_she_only_when_attribution_knows():
    known = Context(speaker="Abbas Araghchi", he="Abbas Araghchi", attributed=True)
    assert standalone("he would visit Ankara", known) == "Abbas Araghchi would visit Ankara."
    assert standalone("she would visit Ankara", known) == "She would visit Ankara."


def test_subject_phrase():
    assert subject_phrase("The wall would protect homes.") == "The wall"
    assert subject_phrase("The armed groups are based in Idlib.") == "The armed groups"
    assert subject_phrase("Iran expressed support.") == "Iran"
    assert subject_phrase("It rained.") is None
    assert subject_phrase("On Sunday, the army shelled the town.") is None


def test_entities():
    for name in ("the Federal Reserve", "the White House", "The company", "the UN", "Kremlin"):
        assert is_entity(name), name
    for name in ("the company's profits", "Jane Smith", "the mayor", "Protesters"):
        assert not is_entity(name), name


def test_it_and_they_look_back_to_the_previous_speaker():
    fed = Context(previous="Inflation had peaked.", previous_speaker="the Federal Reserve")
    assert standalone("It expects inflation to ease.", fed) == (
        "The Federal Reserve expects inflation to ease."
    )
    critics = Context(previous="Taxes would rise.", previous_speaker="Critics")
    assert standalone("They pointed to the deficit.", critics) == (
        "Critics pointed to the deficit."
    )
    # a singular entity is no "they", a plural group no "it"
    assert standalone("They pointed to the deficit.", fed) == "They pointed to the deficit."
    assert standalone("It cost too much.", critics) == "It cost too much."


def test_institutions_give_a_country():
    assert country_of("Kremlin spokesman") == "Russia"
    assert country_of("White House press secretary") == "the United States"


def test_a_date_without_a_weekday_is_content():
    assert standalone("the vote will take place on December 12") == (
        "The vote will take place on December 12."
    )
    assert standalone("prices rose on 1 December 2023, a record") == (
        "Prices rose on 1 December 2023, a record."
    )


def test_it_is_not_an_unresolved_phrase_or_a_cleft():
    previous = Context(previous="Her government remained committed to the truce.")
    assert standalone("It is the third time in a week.", previous) == (
        "It is the third time in a week."
    )
    assert standalone("It will meet again.", previous) == "It will meet again."
    assert subject_phrase("Her government remained committed.") is None


def test_an_object_first_claim_keeps_its_pronoun():
    iran = Context(speaker="Iran", speaker_is_person=False, attributed=True, subject_first=False)
    assert standalone("it of lying", iran) == "It of lying."
    he = Context(he="Abbas Araghchi", attributed=True, subject_first=False)
    assert standalone("him of lying", he) == "Him of lying."


def test_their_country_for_a_group():
    officials = Context(
        speaker="Iranian officials",
        speaker_is_person=False,
        speaker_country="Iran",
        attributed=True,
    )
    assert standalone("their country would not negotiate", officials) == (
        "Iran would not negotiate."
    )
    # a person's "their" is left alone: it may be anyone's
    person = Context(speaker="Jane Doe", speaker_country="Iran", attributed=True)
    assert standalone("their country would not negotiate", person) == (
        "Their country would not negotiate."
    )
