"""Anything a person can type, after any command or in any conversation step, gets an answer
the person can act on, and never a request Telegram would reject or an unhandled exception.

Hypothesis drives a single bot process; the emulator runs on its own event loop in a thread so the
(synchronous) hypothesis test can wait for each reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.sandbox import EmulatorThread
from emulator import GroupChat, Person
from tests.e2e.conftest import World, check_clean_run
from tests.e2e.harness import TOKEN, BotProcess, handled

pytestmark = pytest.mark.slow

NASTY = [
    "",
    "   ",
    "\t\n",
    "😀🙏🏽💔" * 20,
    "مرحبا كيف حالك",  # RTL
    "\u202eevil\u202c",
    "zero\u200bwidth",
    "<b>bold</b> <script>alert(1)</script> & &amp; &#x1F600;",
    "*bold* _italic_ `code` [link](http://example.org)",
    "'; DROP TABLE people; --",
    "Robert'); DELETE FROM outbox WHERE ('1'='1",
    "%s %d {0} {name} {{}}",
    "\\N{SNOWMAN} \\x00",
    "x" * 10_000,
    "🙂" * 5_000,
    "2026-02-31 25:61",
    "-1",
    "99999999999999999999999",
]

TEXT = st.one_of(
    st.sampled_from(NASTY), st.text(max_size=300), st.text(alphabet="<>&\"'/\\ ;*_`", max_size=50)
)


@dataclass
class Fuzz:
    thread: EmulatorThread
    world: World
    member: Person
    admin: Person
    group: GroupChat

    def exchange(self, person: Person, text: str, chat: Person | GroupChat | None = None) -> str:
        """Send *text* and return everything the bot answered (waiting for at least one message)."""
        where = chat or person

        async def go() -> str:
            before = len(where.messages)
            await person.send(text, chat)
            await self.world.emulator.wait_for(lambda: len(where.messages) > before, 15)
            if chat is not None:  # a group's parts are paced at 20 a minute: read what came soon
                await asyncio.sleep(0.15)
            elif not where.messages[-1].deleted:  # a multi-part answer is whole once this is answered
                await handled(self.world.emulator, person, where.messages[-1])
            return "\n".join(m.text or m.caption or "" for m in where.messages[before:])

        return self.thread.call(go())

    def reset(self, person: Person) -> None:
        self.exchange(person, "/cancel")


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    thread = EmulatorThread("127.0.0.1", 0, token=TOKEN, bot_username="KindredTestBot", sandbox=False)
    url = thread.start()
    workdir: Path = tmp_path_factory.mktemp("fuzz")
    emu = thread.emulator
    member, admin = emu.add_user("Maya"), emu.add_user("Sam")
    bot = BotProcess(url, workdir, coordinators=(admin.id,))
    thread.call(bot.start())
    group = emu.add_group("Fuzz Circle")

    async def setup() -> None:
        await group.add_member(admin, owner=True)
        await group.add_member(member)
        await group.add_bot(by=admin, admin=True)
        await group.next_message()

    thread.call(setup())
    state = Fuzz(thread, World(emu, bot), member, admin, group)
    yield state
    thread.call(bot.stop())
    try:
        check_clean_run(state.world)
    finally:
        thread.stop()


def private_commands() -> list[str]:
    from bot.app.features import FEATURES  # noqa: PLC0415 - imports every feature
    from handlers.start import all_commands  # noqa: PLC0415

    return sorted({c.name for c in all_commands(FEATURES) if "private" in {w.value for w in c.where}})


def group_commands() -> list[str]:
    from bot.app.features import FEATURES  # noqa: PLC0415
    from handlers.start import all_commands  # noqa: PLC0415

    return sorted({c.name for c in all_commands(FEATURES) if "group" in {w.value for w in c.where}})


FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)


@FUZZ_SETTINGS
@given(command=st.sampled_from(private_commands()), text=TEXT)
def test_any_argument_to_any_private_command_is_answered(fuzz: Fuzz, command: str, text: str) -> None:
    answer = fuzz.exchange(fuzz.member, f"/{command} {text}")
    assert answer.strip()
    fuzz.reset(fuzz.member)


@FUZZ_SETTINGS
@given(command=st.sampled_from(private_commands()), text=TEXT)
def test_any_text_in_any_conversation_step_is_answered(fuzz: Fuzz, command: str, text: str) -> None:
    """Start the command's conversation (if it has one), then type anything at the first step."""
    fuzz.exchange(fuzz.admin, f"/{command}")
    if text.strip():  # Telegram cannot deliver an empty message
        assert fuzz.exchange(fuzz.admin, text).strip()
    fuzz.reset(fuzz.admin)


@FUZZ_SETTINGS
@given(command=st.sampled_from(group_commands()), text=TEXT)
def test_any_argument_to_any_group_command_is_answered(fuzz: Fuzz, command: str, text: str) -> None:
    answer = fuzz.exchange(fuzz.admin, f"/{command} {text}", chat=fuzz.group)
    assert answer.strip()
