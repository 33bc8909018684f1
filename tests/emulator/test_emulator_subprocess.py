"""The end-to-end shape: the emulator in this loop, a real PTB bot in a subprocess."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

BOT = Path(__file__).with_name("subprocess_bot.py")


async def test_a_bot_subprocess_answers_scripted_people(emu):
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BOT), emu.url, emu.token,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        alice = emu.add_user("Alice")
        await alice.send("/start")
        question = await alice.next_message(timeout=20)
        assert (question.text, question.button_texts()) == ("Tuesday meeting?", ["Going"])
        answer = await alice.press(question, "Going")
        assert answer is not None
        assert answer.text == "Saved"
        edited = await question.next_edit()
        assert (edited.text, edited.buttons) == ("See you Tuesday", [])
    finally:
        process.terminate()
        await process.communicate()
    assert emu.rejections == []
