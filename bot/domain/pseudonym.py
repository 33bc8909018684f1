"""Pseudonyms: a stable, unlinkable stand-in for a Telegram user id.

Check-ins are stored under ``pseudonym(user_id, secret)`` so that someone reading the database
cannot tie a check-in to a person.  A plain hash is not enough: Telegram ids are integers below
about 10^10, so anyone holding the database could hash every possible id in minutes and read the
table straight back.  An HMAC keyed with a deployment secret (kept outside the database) makes
that enumeration impossible without the key.

The message is domain-separated (``kindred:checkin:v1:<id>``) so the same secret used for
another purpose, or a future version of this scheme, yields unrelated values.  Logs use the same
pseudonyms, never raw ids.
"""

from __future__ import annotations

import hashlib
import hmac

DOMAIN = b"kindred:checkin:v1:"
GROUP_DOMAIN = b"kindred:contribution:v1:"


def pseudonym(user_id: int, secret: bytes | str) -> str:
    """The 64-character hex HMAC-SHA256 of *user_id* under *secret*."""
    key = _key(user_id, secret)
    return _hmac(key, DOMAIN + str(user_id).encode("ascii"))


def group_pseudonym(user_id: int, group_id: int, secret: bytes | str) -> str:
    """A per-group stand-in, for what group aggregates count.

    Different in every group and unrelated to :func:`pseudonym`, so a database reader cannot
    join one person's contributions across groups (whose membership lists would otherwise
    intersect down to a single person) or to their personal history.
    """
    if isinstance(group_id, bool) or not isinstance(group_id, int):
        raise TypeError("group_id must be an int")
    key = _key(user_id, secret)
    return _hmac(key, GROUP_DOMAIN + f"{group_id}:{user_id}".encode("ascii"))


def _key(user_id: int, secret: bytes | str) -> bytes:
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise TypeError("user_id must be an int")
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the pseudonym secret must not be empty")
    return key


def _hmac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()
