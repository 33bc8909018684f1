"""Command descriptions, declared by each feature and shown by ``/help`` and Telegram's menus.

A feature lists its commands as ``COMMANDS`` in its handler module; nothing else needs editing for
a command to appear in ``/help`` and in the menus published with ``setMyCommands``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.roles import Role


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


BOTH = frozenset({ChatKind.PRIVATE, ChatKind.GROUP})
PRIVATE_ONLY = frozenset({ChatKind.PRIVATE})
GROUP_ONLY = frozenset({ChatKind.GROUP})


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # N_-marked; at most 256 characters once translated (Telegram's limit)
    role: Role = Role.MEMBER  # the lowest role that can use it
    peer_work: bool = False  # also for peer workers below *role*: peer mentors who facilitate no group
    where: frozenset[ChatKind] = BOTH
    details: str = ""  # N_-marked longer help, e.g. a syntax, shown by /help in private chats
    order: int = 50  # where it sits in menus; lower comes first


def visible(
    commands: Iterable[Command], role: Role, where: ChatKind, *, peer_worker: bool = False
) -> list[Command]:
    """The commands a person with *role* can use in this kind of chat, in menu order; a
    *peer_worker* (a peer mentor, say, with no group to facilitate) also sees the peer-work ones,
    since the authoriser lets them use those whatever their role (``authorize_peer_work``)."""
    chosen = [c for c in commands if (c.role <= role or (peer_worker and c.peer_work)) and where in c.where]
    return sorted(chosen, key=lambda c: (c.order, c.name))
