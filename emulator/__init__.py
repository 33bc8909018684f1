"""A local emulator of the Telegram Bot API, for end-to-end tests and the sandbox."""

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
