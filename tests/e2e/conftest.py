"""End-to-end fixtures: the emulator in this process, the real bot as a child process.

Every test fails if the bot sent any request that real Telegram would reject, if it logged an
exception, or if its logs contain the token or any text a person typed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypedDict, Unpack

import pytest

from emulator import Emulator, GroupChat, Person
from tests.backend import drop_postgres, is_url
from tests.e2e.harness import TOKEN, BotProcess


class PersonDetails(TypedDict, total=False):
    """What a test may say about a person (``Emulator.add_user``'s keyword arguments)."""

    username: str | None
    language_code: str | None
    last_name: str | None
    label: str | None


class BotOptions(TypedDict, total=False):
    """What a test may set on its bot (``BotProcess``'s keyword arguments, less those launch sets)."""

    now: datetime | None
    env: dict[str, str] | None
    module: str


@dataclass
class World:
    """The emulator, the bot, and the people a test scripts."""

    emulator: Emulator
    bot: BotProcess

    def person(self, first_name: str, **details: Unpack[PersonDetails]) -> Person:
        return self.emulator.add_user(first_name, **details)

    async def group_with_bot(self, title: str, admin: Person, members: tuple[Person, ...] = ()) -> GroupChat:
        """A group whose owner (*admin*) added the bot; the bot's welcome is already consumed."""
        group = self.emulator.add_group(title)
        await group.add_member(admin, owner=True)
        for member in members:
            await group.add_member(member)
        await group.add_bot(by=admin)
        await group.next_message()
        return group

    def typed_texts(self) -> list[str]:
        """Everything people wrote to the bot (that is long enough to be recognisable)."""
        texts = []
        for update in self.emulator.updates.delivered:
            message = update.get("message") or {}
            text = message.get("text") or message.get("caption") or ""
            if not text.startswith("/") and len(text.strip()) >= 6:
                texts.append(text)
        return texts


class Launch(Protocol):
    """The ``launch`` fixture: starts the bot, knowing *coordinators* by id."""

    def __call__(
        self, coordinators: tuple[Person, ...] = (), **options: Unpack[BotOptions]
    ) -> Awaitable[World]: ...


def polling_since(emulator: Emulator) -> Callable[[], bool]:
    """True once the bot asks for updates after this moment: it is polling."""
    before = len(emulator.calls)
    return lambda: any(method == "getUpdates" for method, _ in emulator.calls[before:])


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(token=TOKEN, bot_username="KindredTestBot")
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def launch(emulator: Emulator, tmp_path: Path) -> AsyncIterator[Launch]:
    """Start the bot; call after creating people whose ids the bot must know (coordinators)."""
    worlds: list[World] = []

    async def start(coordinators: tuple[Person, ...] = (), **options: Unpack[BotOptions]) -> World:
        bot = BotProcess(
            emulator.url,
            tmp_path,
            coordinators=tuple(p.id for p in coordinators),
            polling=lambda: polling_since(emulator),
            **options,
        )
        await bot.start()
        worlds.append(World(emulator, bot))
        return worlds[-1]

    yield start
    for world in worlds:
        await world.bot.stop()
        check_clean_run(world)
    for world in worlds:
        if is_url(world.bot.database):
            drop_postgres(world.bot.database)


@pytest.fixture
async def world(launch: Launch) -> World:
    return await launch()


def check_clean_run(world: World) -> None:
    """What every end-to-end test asserts at the end."""
    rejections = world.emulator.rejections
    assert rejections == [], f"the bot sent requests Telegram would reject: {rejections}"
    logs = world.bot.logs()
    assert TOKEN.split(":")[1] not in logs, "the bot token appeared in the logs"
    for text in world.typed_texts():
        assert text not in logs, "a message someone typed appeared in the logs"
    assert "Traceback" not in logs, f"the bot logged an exception:\n{logs[-3000:]}"
