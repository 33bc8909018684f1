"""Pseudonyms are stable per secret, distinct per id, and useless without the secret."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.pseudonym import pseudonym

IDS = st.integers(min_value=-(10**13), max_value=10**13)
SECRETS = st.one_of(st.binary(min_size=1, max_size=64), st.text(min_size=1, max_size=64))


@given(IDS, SECRETS)
def test_same_id_and_secret_give_the_same_pseudonym(user_id: int, secret) -> None:
    assert pseudonym(user_id, secret) == pseudonym(user_id, secret)
    assert re.fullmatch(r"[0-9a-f]{64}", pseudonym(user_id, secret))


@given(IDS, IDS)
def test_different_ids_give_different_pseudonyms(a: int, b: int) -> None:
    if a != b:
        assert pseudonym(a, b"secret") != pseudonym(b, b"secret")


@given(IDS, SECRETS, SECRETS)
def test_different_secrets_give_different_pseudonyms(user_id: int, s1, s2) -> None:
    k1 = s1.encode() if isinstance(s1, str) else s1
    k2 = s2.encode() if isinstance(s2, str) else s2
    if k1 != k2:
        assert pseudonym(user_id, s1) != pseudonym(user_id, s2)


def test_str_and_bytes_secrets_agree() -> None:
    assert pseudonym(42, "clé") == pseudonym(42, "clé".encode())


def test_it_is_not_a_plain_hash_of_the_id() -> None:
    user_id = 123456789
    plain = {
        hashlib.sha256(str(user_id).encode()).hexdigest(),
        hashlib.sha256(b"kindred:checkin:v1:" + str(user_id).encode()).hexdigest(),
    }
    assert pseudonym(user_id, b"secret") not in plain


@pytest.mark.parametrize(
    ("user_id", "secret", "error"),
    [(1, b"", ValueError), (1, "", ValueError), ("1", b"k", TypeError), (True, b"k", TypeError)],
)
def test_bad_arguments_are_refused(user_id, secret, error) -> None:
    with pytest.raises(error):
        pseudonym(user_id, secret)


def test_group_pseudonyms_differ_per_group_and_from_the_personal_one() -> None:
    from bot.domain.pseudonym import group_pseudonym  # noqa: PLC0415

    secret = "s" * 40
    personal = pseudonym(42, secret)
    in_a, in_b = group_pseudonym(42, -100, secret), group_pseudonym(42, -200, secret)
    assert len({personal, in_a, in_b}) == 3
    assert group_pseudonym(42, -100, secret) == in_a
    assert group_pseudonym(42, -100, "t" * 40) != in_a
