"""A local emulator of the Telegram Bot API, for end-to-end tests and the sandbox.

The bot talks HTTP to it exactly as to Telegram (``base_url=f"{emu.url}/bot"``,
``base_file_url=f"{emu.url}/file/bot"``); tests script people through the Python API::

    emu = Emulator(token="123456:TEST-TOKEN", bot_username="KindredTestBot")
    await emu.start()
    alice = emu.add_user("Alice", username="alice", language_code="en")
    await alice.send("/start")
    reply = await alice.next_message(timeout=5.0)     # AssertionError if nothing comes
    answer = await alice.press(reply, "Going")        # CallbackAnswer, or None on timeout
    assert emu.rejections == []
    await emu.stop()

Requests are validated against Telegram's published API description (``emulator.schema``) and
Telegram's HTML rules (``emulator.telegram_html``); refusals land in ``emu.rejections``. Fault
switches live in ``emu.faults`` (``emulator.faults``). ``python -m emulator`` runs the sandbox page.
"""

from emulator.chats import Chat, GroupChat, Person
from emulator.core import Emulator
from emulator.errors import ApiError, Rejection, ServedFault
from emulator.faults import Faults, RateLimits, Window
from emulator.messages import Button, CallbackAnswer, Document, SentMessage, StoredFile, UserMessage

__all__ = [
    "ApiError",
    "Button",
    "CallbackAnswer",
    "Chat",
    "Document",
    "Emulator",
    "Faults",
    "GroupChat",
    "Person",
    "RateLimits",
    "Rejection",
    "SentMessage",
    "ServedFault",
    "StoredFile",
    "UserMessage",
    "Window",
]
