"""/resources: which directory someone sees, and a group's own entries added, edited and removed.

The crisis lines always come first and come from one source (``CRISIS_RESOURCES_FILE``, worded by
the handler in the reader's language), so /resources and /sos can never disagree about where to call.
"""

from __future__ import annotations

import enum

from bot.domain.resources import MAX_GROUP_ENTRIES, Resource, load_resource_file, without_repeats
from bot.runtime.services import Services
from storage.groups import Group
from storage.resources import StoredResource

NATIONAL = 0  # "chat id" of the view with only the deployment-wide resources


async def directory(svc: Services, crisis_lines: list[Resource], chat_id: int) -> list[Resource]:
    """Crisis lines, the deployment's entries (``RESOURCES_FILE``), then the group's own; an entry
    repeating one before it is left out."""
    own = [] if chat_id == NATIONAL else [s.resource for s in await svc.repos.resources.of_group(chat_id)]
    return without_repeats(crisis_lines, [*load_resource_file(svc.settings.resources_path), *own])


async def group(svc: Services, chat_id: int) -> Group | None:
    return None if chat_id == NATIONAL else await svc.groups.get(chat_id)


async def groups_to_choose(svc: Services, user_id: int) -> list[Group]:
    """The groups whose directory someone may pick in private: coordinators, every active group."""
    if svc.auth.is_coordinator(user_id):
        return await svc.groups.active()
    return await svc.groups.groups_of(user_id)


async def is_member(svc: Services, user_id: int, chat_id: int) -> bool:
    return chat_id in {g.chat_id for g in await svc.groups.groups_of(user_id)}


async def entry_group(svc: Services, action: str, value: int) -> int | None:
    """The group a management button acts on: its own value (list, add), or the group of the entry
    it names; None for an inactive group or a removed entry."""
    if action in ("list", "add"):
        found = await svc.groups.get(value)
        return found.chat_id if found is not None and found.active else None
    stored = await svc.repos.resources.get(value)
    return stored.chat_id if stored is not None else None


async def entry(svc: Services, resource_id: int) -> StoredResource | None:
    return await svc.repos.resources.get(resource_id)


async def entries(svc: Services, chat_id: int) -> list[StoredResource]:
    return await svc.repos.resources.of_group(chat_id)


async def is_full(svc: Services, chat_id: int) -> bool:
    return len(await svc.repos.resources.of_group(chat_id)) >= MAX_GROUP_ENTRIES


async def remove(svc: Services, resource_id: int) -> None:
    await svc.repos.resources.remove(resource_id)


class Saved(enum.Enum):
    SAVED = "saved"
    FULL = "full"  # a new entry, but the group already has the most it may keep
    GONE = "gone"  # the entry being edited was removed meanwhile (or moved groups)


async def save(svc: Services, chat_id: int, resource_id: int | None, resource: Resource) -> Saved:
    """Add a new entry (*resource_id* None) or replace one, re-checking what may have changed
    while the form was being filled in."""
    now, repo = svc.clock.now(), svc.repos.resources
    if resource_id is None:
        if await is_full(svc, chat_id):
            return Saved.FULL
        await repo.add(chat_id, resource, now)
        return Saved.SAVED
    stored = await repo.get(resource_id)
    if stored is None or stored.chat_id != chat_id:
        return Saved.GONE
    await repo.update(resource_id, resource, now)
    return Saved.SAVED
