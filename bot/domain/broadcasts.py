"""Announcements from facilitators and coordinators: the draft, who receives it, and the report.

A confirmed announcement becomes one outbox delivery per recipient, keyed ``broadcast:{id}:{chat}``
so that enqueueing again (after a crash between steps) never sends twice.  Groups come first,
then members who asked for announcements in private.  No Telegram here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from bot.domain.i18n import N_
from bot.domain.preferences import Toggle

BATCH_PREFIX = "broadcast:"
KIND = "broadcast"
REPORT_KIND = "broadcast_report"
PRIVATE_ANNOUNCEMENTS = Toggle(
    "private_announcements",
    N_("Announcements in private"),
    default=False,
    hint=N_("When on, your groups' announcements also reach you here, in our private chat."),
    order=10,
)

# Telegram counts characters of the visible text: 4096 for a message, 1024 for a caption.  The
# heading takes a line, so the body keeps some room.
TEXT_LIMIT = 3800
CAPTION_LIMIT = 900


@dataclass(frozen=True)
class Draft:
    """What the sender has written and chosen so far; lives in the conversation until confirmed."""

    body: str  # HTML, with the sender's own formatting and everything else escaped
    photo: str | None = None
    document: str | None = None
    targets: tuple[int, ...] = ()
    private_copies: bool = False

    def toggled(self, chat_id: int) -> Draft:
        if chat_id in self.targets:
            return replace(self, targets=tuple(t for t in self.targets if t != chat_id))
        return replace(self, targets=(*self.targets, chat_id))


def length_problem(visible_length: int, has_media: bool) -> tuple[str, int] | None:
    """An N_-marked message and the limit when the announcement is too long, else None."""
    limit = CAPTION_LIMIT if has_media else TEXT_LIMIT
    if visible_length > limit:
        return N_(
            "That is too long: at most {limit} characters, please. Shorten it and send it again."
        ), limit
    return None


def batch_of(broadcast_id: int) -> str:
    return f"{BATCH_PREFIX}{broadcast_id}"


def broadcast_id_of(batch: str) -> int | None:
    rest = batch.removeprefix(BATCH_PREFIX)
    return int(rest) if batch.startswith(BATCH_PREFIX) and rest.isdigit() else None


def delivery_key(broadcast_id: int, chat_id: int) -> str:
    return f"{BATCH_PREFIX}{broadcast_id}:{chat_id}"


def report_key(broadcast_id: int) -> str:
    return f"{BATCH_PREFIX}{broadcast_id}:report"


@dataclass(frozen=True)
class Recipient:
    chat_id: int
    language: str


def recipients(groups: Iterable[Recipient], private: Iterable[Recipient], sender_id: int) -> list[Recipient]:
    """Groups in the order chosen, then people, each chat once; the sender saw the preview."""
    seen: set[int] = set()
    chosen: list[Recipient] = []
    for recipient in (*groups, *sorted(private, key=lambda r: r.chat_id)):
        if recipient.chat_id in seen or recipient.chat_id == sender_id:
            continue
        seen.add(recipient.chat_id)
        chosen.append(recipient)
    return chosen


@dataclass(frozen=True)
class Progress:
    delivered: int
    unreachable: int
    failed: int
    waiting: int

    @property
    def total(self) -> int:
        return self.delivered + self.unreachable + self.failed + self.waiting

    @property
    def done(self) -> bool:
        return self.waiting == 0


def progress(counts: Mapping[str, int]) -> Progress:
    """The outbox's per-status counts, in the sender's terms."""
    return Progress(
        delivered=counts.get("sent", 0),
        unreachable=counts.get("unreachable", 0),
        failed=counts.get("failed", 0) + counts.get("cancelled", 0),
        waiting=counts.get("pending", 0) + counts.get("sending", 0),
    )
