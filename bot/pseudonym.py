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


def pseudonym(user_id: int, secret: bytes | str) -> str:
    """The 64-character hex HMAC-SHA256 of *user_id* under *secret*."""
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise TypeError("user_id must be an int")
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the pseudonym secret must not be empty")
    return hmac.new(key, DOMAIN + str(user_id).encode("ascii"), hashlib.sha256).hexdigest()
