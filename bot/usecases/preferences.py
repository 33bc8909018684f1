"""/settings: a person's own switches, one per toggle a feature declares
(:mod:`bot.domain.preferences`).

A plain toggle is a yes/no in the preferences table; a toggle with ``load`` and ``save`` is kept
by its feature (a daily prompt has its own time and schedule), which is handed *host* (the
application) to do it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.preferences import Toggle, collect
from bot.runtime.services import Services


def toggles(svc: Services) -> list[Toggle]:
    """Every feature's toggles, in screen order."""
    return collect(svc.features)


async def current_values(
    svc: Services, user_id: int, shown: Sequence[Toggle], host: object
) -> dict[str, bool]:
    values = {}
    for toggle in shown:
        if toggle.load is not None:
            values[toggle.key] = await toggle.load(host, user_id)
        else:
            values[toggle.key] = await svc.repos.preferences.get_bool(user_id, toggle.key, toggle.default)
    return values


async def store(svc: Services, user_id: int, toggle: Toggle, on: bool, host: object) -> None:
    if toggle.save is not None:
        await toggle.save(host, user_id, on)
    else:
        await svc.repos.preferences.set_bool(user_id, toggle.key, on, svc.clock.now())


@dataclass(frozen=True)
class Screen:
    toggles: list[Toggle]
    values: dict[str, bool]  # by toggle key


async def screen(svc: Services, user_id: int, host: object) -> Screen:
    shown = toggles(svc)
    return Screen(shown, await current_values(svc, user_id, shown, host))


async def switch(svc: Services, user_id: int, key: str, on: bool, host: object) -> Screen | None:
    """Set one switch; the screen as it is now, or None when it already was so (an old screen's
    button) or no feature declares *key* (a forged one)."""
    shown = toggles(svc)
    toggle = next((t for t in shown if t.key == key), None)
    if toggle is None:
        return None
    if (await current_values(svc, user_id, shown, host))[key] == on:
        return None
    await store(svc, user_id, toggle, on, host)
    return Screen(shown, await current_values(svc, user_id, shown, host))  # a feature may have said no


async def export_personal_data(svc: Services, user_id: int) -> dict[str, object]:
    return {"settings": await svc.repos.preferences.all_of(user_id)}


async def erase_personal_data(svc: Services, user_id: int) -> bool:
    return bool(await svc.repos.preferences.erase(user_id))
