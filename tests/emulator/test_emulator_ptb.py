"""python-telegram-bot itself talks to the emulator: its requests are the real wire format."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CommandHandler, ContextTypes


@pytest.fixture
async def bot(emu):
    async with Bot(emu.token, base_url=f"{emu.url}/bot", base_file_url=f"{emu.url}/file/bot") as client:
        yield client


async def test_ptb_bot_sends_edits_uploads_and_reads_members(emu, bot):
    alice = emu.add_user("Alice", username="alice")
    await alice.send("/start")
    group = emu.add_group("Tuesday Circle")
    await group.add_member(alice, owner=True)
    await group.add_bot(by=alice)

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Going", callback_data="rsvp:1")]])
    sent = await bot.send_message(
        alice.id, "<b>Meeting</b> &amp; tea", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    message = await alice.next_message()
    assert (message.text, message.button_texts()) == ("Meeting & tea", ["Going"])
    assert sent.entities[0].type == "bold"

    edited = await bot.edit_message_text(
        "Saved", chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard
    )
    assert edited.text == "Saved"
    assert (await message.next_edit()).text == "Saved"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Saved", chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard
        )
    emu.rejections.clear()

    document = await bot.send_document(group.id, b"id,name\n", filename="attendance.csv", caption="Week 1")
    assert document.document.file_name == "attendance.csv"
    received = await group.next_message()
    assert (received.document.data, received.caption) == (b"id,name\n", "Week 1")

    member = await bot.get_chat_member(group.id, alice.id)
    assert member.status == ChatMemberStatus.OWNER
    assert emu.rejections == []


async def test_ptb_errors_map_to_its_exceptions(emu, bot):
    stranger = emu.add_user("Stranger")
    with pytest.raises(Forbidden, match=r"(?i)can.t initiate conversation"):
        await bot.send_message(stranger.id, "hello")
    alice = emu.add_user("Alice")
    await alice.send("hi")
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(alice.id, "<foo>", parse_mode=ParseMode.HTML)
    assert len(emu.rejections) == 2


async def test_ptb_application_polls_and_answers(emu):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None  # /start arrives as a message from someone
        await message.reply_text(f"Hi {user.first_name}")

    application = (
        Application.builder()
        .token(emu.token)
        .base_url(f"{emu.url}/bot")
        .base_file_url(f"{emu.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    alice = emu.add_user("Alice")
    updater = application.updater
    assert updater is not None  # the builder makes an updater unless told not to
    async with application:
        await updater.start_polling(poll_interval=0, timeout=1)
        await application.start()
        try:
            await alice.send("/start")
            reply = await alice.next_message(timeout=5)
        finally:
            await updater.stop()
            await application.stop()
    assert reply.text == "Hi Alice"
    assert emu.rejections == []
    assert asyncio.get_running_loop()  # all of it ran in this one loop
