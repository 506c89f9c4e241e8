"""Pure units: password hashing and policy, the audit diff, the article normaliser."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factcheck.audit.services import changes_between
from factcheck.auth.passwords import PasswordPolicy, Passwords, generate_password
from factcheck.db import UTCDateTime
from factcheck.errors import InvalidInput
from factcheck.sources.services import content_hash, normalise_text

FAST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def test_hash_is_argon2id_with_pepper():
    hasher = Passwords("pepper-one", **FAST)
    stored = hasher.hash("a long enough passphrase")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "a long enough passphrase")
    assert not hasher.verify(stored, "a long enough passphrasE")
    # Another pepper cannot verify it: the pepper really is part of the hash.
    assert not Passwords("pepper-two", **FAST).verify(stored, "a long enough passphrase")


def test_unknown_user_verification_is_false_but_does_the_work():
    hasher = Passwords("p", **FAST)
    assert hasher.verify(None, "anything at all") is False
    assert hasher.verify("not a hash", "anything at all") is False


def test_unicode_passwords_are_normalised():
    hasher = Passwords("p", **FAST)
    composed, decomposed = (
        "caf\u00e9 au lait s'il vous pla\u00eet",
        "cafe\u0301 au lait s'il vous pla\u00eet",
    )
    assert hasher.verify(hasher.hash(composed), decomposed)


def test_rehash_needed_when_parameters_change():
    stored = Passwords("p", **FAST).hash("a long enough passphrase")
    assert Passwords("p", time_cost=2, memory_cost=8, parallelism=1).needs_rehash(stored)


@pytest.mark.parametrize(
    "password, ok",
    [
        ("x" * 11, False),
        ("abcd" * 3, True),
        ("abcd" * 32, True),
        ("abcd" * 32 + "e", False),
        ("password1234", False),
        ("PASSWORD1234", False),
        ("aaaaaaaaaaaaaaaa", False),
        ("🙂🙃😉😊🙂🙃😉😊🙂🙃😉😊", True),
        ("猫が好きです。犬も好き。", True),
    ],
)
def test_policy_lengths_and_common_passwords(password, ok):
    policy = PasswordPolicy(12, 128)
    if ok:
        policy.check(password)
    else:
        with pytest.raises(InvalidInput):
            policy.check(password)


def test_generated_passwords_pass_the_policy():
    for _ in range(50):
        PasswordPolicy().check(generate_password())


def test_changes_between_lists_only_differences():
    old = {"a": 1, "b": {"x"}, "c": date(2026, 1, 2), "d": None}
    new = {"a": 1, "b": {"x", "y"}, "c": date(2026, 1, 3), "e": "new"}
    assert changes_between(old, new) == {
        "b": [["x"], ["x", "y"]],
        "c": ["2026-01-02", "2026-01-03"],
        "e": [None, "new"],
    }


def test_utc_datetime_refuses_naive_values_and_converts_to_utc():
    column = UTCDateTime()
    with pytest.raises(ValueError):
        column.process_bind_param(datetime(2026, 1, 1), None)
    paris = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=1)))
    assert column.process_bind_param(paris, None) == datetime(2026, 1, 1, 11, tzinfo=UTC)
    assert column.process_result_value(datetime(2026, 1, 1), None).tzinfo is UTC


@given(st.text())
def test_normalised_text_is_stable(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert content_hash(text) == content_hash(once)
    assert "\r" not in once


def test_line_endings_do_not_change_the_hash():
    assert content_hash("One.\r\nTwo.  \r\n") == content_hash("One.\nTwo.")
