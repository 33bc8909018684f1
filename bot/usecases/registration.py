"""Meeting people: who writes to the bot, who belongs to which group, and who cannot be reached.

Runs for every update, so the in-memory memo ``svc.seen`` (``bot/runtime/seen.py``) keeps this
from costing a database write each time.  The handler passes plain values taken from the update.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.services import Services
from storage.people import Sighting


@dataclass(frozen=True)
class Someone:
    """A Telegram user as an update shows them."""

    user_id: int
    first_name: str
    username: str | None
    language_code: str | None
    is_bot: bool = False


async def record_person(svc: Services, someone: Someone, *, private: bool) -> None:
    """Keep a person's name, username and language current (written only when they changed)."""
    details = (someone.first_name, someone.username, someone.language_code)
    if svc.seen.person_is_current(someone.user_id, details, private):
        return
    sighting = Sighting(someone.user_id, someone.first_name, someone.username, someone.language_code, private)
    await svc.people.record(sighting, svc.clock.now())
    svc.seen.remember_person(someone.user_id, details, private)


async def record_membership(svc: Services, chat_id: int, title: str, someone: Someone) -> None:
    """Count someone seen in a group as its member (registering a group added while Kindred was
    not running); an inactive group counts nobody."""
    if someone.is_bot or svc.seen.is_member(chat_id, someone.user_id):
        return
    group = await svc.groups.get(chat_id)
    if group is None:  # the bot was added while Kindred was not running
        group = await svc.groups.register(
            chat_id, title, svc.settings.default_timezone, "en", svc.clock.now()
        )
    if not group.active:
        return
    await record_person(svc, someone, private=False)
    await svc.groups.add_member(chat_id, someone.user_id, svc.clock.now())
    svc.seen.remember_membership(chat_id, someone.user_id)


async def forget_membership(svc: Services, chat_id: int, user_id: int) -> None:
    """Whoever leaves a group stops being its member, and stops facilitating it."""
    svc.auth.forget(user_id, chat_id)
    svc.seen.forget_membership(chat_id, user_id)
    await svc.groups.remove_member(chat_id, user_id, svc.clock.now())


async def mark_unreachable(svc: Services, user_id: int) -> None:
    """Telegram refused a private message (the person blocked the bot or never started it): stop
    trying until they write again."""
    await svc.people.mark_unreachable(user_id, svc.clock.now())
