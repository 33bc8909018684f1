"""What the bot sent, as tests and the sandbox see it, and the Telegram JSON built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.telegram_html import Parsed

if TYPE_CHECKING:
    from emulator.chats import Chat


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file on the emulated Telegram servers: uploaded by the bot or sent by a person."""

    file_id: str
    file_unique_id: str
    filename: str
    data: bytes
    mime_type: str
    file_path: str

    def document_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.filename,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }

    def photo_json(self) -> list[dict[str, Any]]:
        size = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}
        return [{**size, "width": 320, "height": 320}]


# Tests read ``message.document.filename`` / ``.data`` / ``.mime_type``.
Document = StoredFile


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for a press."""

    text: str | None
    show_alert: bool = False
    url: str | None = None


@dataclass(frozen=True)
class UserMessage:
    """A message a scripted person sent."""

    message_id: int
    chat_id: int
    text: str | None
    raw: dict[str, Any]


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent; updated in place by edits and deletion."""

    chat: Chat
    message_id: int
    date: int
    content: Parsed = field(default_factory=lambda: Parsed(""))
    html: str = ""
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo_file: StoredFile | None = None
    caption_content: Parsed | None = None
    caption_html: str | None = None
    reply_to_message_id: int | None = None
    deleted: bool = False
    edit_count: int = 0
    edit_date: int | None = None
    _edits_seen: int = 0

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def text(self) -> str:
        """Plain text as the user sees it (empty for documents and photos: see ``caption``)."""
        return self.content.text

    @property
    def entities(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.content.entities]

    @property
    def caption(self) -> str | None:
        return self.caption_content.text if self.caption_content else None

    @property
    def photo(self) -> bytes | None:
        return self.photo_file.data if self.photo_file else None

    @property
    def is_media(self) -> bool:
        return self.document is not None or self.photo_file is not None

    @property
    def buttons(self) -> list[list[Button]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows]

    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]

    def find_button(self, label: str) -> Button:
        """A button by its text, else by its exact callback_data."""
        flat = [b for row in self.buttons for b in row]
        for button in flat:
            if button.text == label:
                return button
        for button in flat:
            if button.callback_data == label:
                return button
        raise AssertionError(
            f"no button {label!r} on message {self.message_id}; buttons: {self.button_texts()}"
        )

    async def next_edit(self, timeout: float = 5.0) -> SentMessage:  # noqa: ASYNC109
        """Wait for the next edit of this message not yet seen through next_edit."""
        emu = self.chat.emulator
        try:
            await emu.wait_for(lambda: self.edit_count > self._edits_seen, timeout)
        except TimeoutError:
            raise AssertionError(f"message {self.message_id} was not edited within {timeout} s") from None
        self._edits_seen += 1
        return self

    def to_json(self) -> dict[str, Any]:
        """The Message object Telegram returns and puts into callback queries."""
        emu = self.chat.emulator
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": emu.bot_json(),
            "chat": self.chat.chat_json(),
            "date": self.date,
        }
        if self.is_media:
            if self.document:
                data["document"] = self.document.document_json()
            if self.photo_file:
                data["photo"] = self.photo_file.photo_json()
            if self.caption_content and self.caption_content.text:
                data["caption"] = self.caption_content.text
                if self.caption_content.entities:
                    data["caption_entities"] = [e.to_json() for e in self.caption_content.entities]
        else:
            data["text"] = self.content.text
            if self.content.entities:
                data["entities"] = self.entities
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        return data

    def __repr__(self) -> str:
        shown = self.text or self.caption or (self.document.filename if self.document else "")
        return f"<SentMessage {self.chat_id}/{self.message_id} {shown[:60]!r} buttons={self.button_texts()}>"
