"""Encryption at rest for what members write in their recovery and safety plans.

A copied database file must show none of a plan's words, so each text is sealed with AES-256-GCM
(authenticated: a changed byte is refused, not misread) under a key derived with HKDF-SHA256 from
the deployment's ``PSEUDONYM_SECRET`` under its own label, as proof-letter codes derive theirs.  The
secret itself never touches the data, and a leaked plan key says nothing about pseudonyms.

Each ciphertext is bound to its owner and its field (the associated data), so a row copied into
another person's plan, or a goal's words moved into a safety-plan section, fails to open rather
than showing someone else's words.  A fresh 96-bit random nonce per seal; the stored form is
``version byte + nonce + ciphertext-and-tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PLAN_LABEL = b"kindred:plan-text:v1"
VERSION = b"\x01"
NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed text could not be opened: another key, another owner or field, or damage."""


class Sealer:
    """Seals and opens texts for one deployment; cheap to keep, safe to share between tasks."""

    def __init__(self, secret: bytes | str, label: bytes = PLAN_LABEL) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if not raw:
            raise ValueError("the secret must not be empty")
        key = HKDF(algorithm=SHA256(), length=32, salt=None, info=label).derive(raw)
        self._aead = AESGCM(key)

    def seal(self, owner: int, field: str, text: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, text.encode("utf-8"), _bound(owner, field))

    def open(self, owner: int, field: str, sealed: bytes) -> str:
        if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
            raise SealError("not a sealed text")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, _bound(owner, field)).decode("utf-8")
        except (InvalidTag, UnicodeDecodeError) as error:
            raise SealError("the sealed text does not open for this owner and field") from error


def _bound(owner: int, field: str) -> bytes:
    if isinstance(owner, bool) or not isinstance(owner, int):
        raise TypeError("owner must be an int")
    return f"{owner}:{field}".encode()
