"""Scripted people, chats and messages: what end-to-end tests build on."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from emulator.errors import NOT_MODIFIED

MARKUP = {
    "inline_keyboard": [
        [{"text": "Going", "callback_data": "rsvp:yes"}, {"text": "Site", "url": "https://x.org"}]
    ]
}


@pytest.fixture
async def alice(emu):
    person = emu.add_user("Alice", username="alice", language_code="es", label="facilitator")
    await person.send("/start")
    return person


@pytest.fixture
async def group(emu, alice):
    chat = emu.add_group("Tuesday Circle")
    await chat.add_member(alice, owner=True)
    await chat.add_bot(by=alice)
    return chat


async def updates(api):
    _, body = await api("getUpdates")
    if body["result"]:
        await api("getUpdates", offset=body["result"][-1]["update_id"] + 1)
    return body["result"]


async def test_people_send_commands_with_entities(emu, api, alice):
    (update,) = await updates(api)
    message = update["message"]
    assert message["from"] == {
        "id": alice.id, "is_bot": False, "first_name": "Alice", "username": "alice", "language_code": "es",
    }  # fmt: skip
    assert message["chat"]["type"] == "private"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_group_commands_addressed_to_the_bot(emu, api, alice, group):
    await updates(api)
    await alice.send("/rsvp@KindredTestBot now", chat=group)
    await alice.send("just chatting", chat=group)  # privacy mode: not for the bot
    await alice.send("/other@SomeOtherBot", chat=group)
    (update,) = await updates(api)
    assert update["message"]["chat"] == {"id": group.id, "type": "supergroup", "title": "Tuesday Circle"}
    assert update["message"]["entities"][0] == {"type": "bot_command", "offset": 0, "length": 20}


async def test_bot_added_to_group_gets_my_chat_member_then_service_message(emu, api, alice):
    group = emu.add_group("New group")
    await group.add_member(alice, owner=True)
    await group.add_bot(by=alice)
    await group.remove_bot(by=alice)
    got = await updates(api)
    assert got[1]["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert got[2]["message"]["new_chat_members"][0]["username"] == "KindredTestBot"
    assert got[3]["my_chat_member"]["new_chat_member"]["status"] == "kicked"


async def test_press_round_trip(emu, api, alice):
    await updates(api)
    _, sent = await api("sendMessage", chat_id=alice.id, text="Tonight?", reply_markup=MARKUP)
    message = await alice.next_message()
    assert message.button_texts() == ["Going", "Site"]
    press = asyncio.create_task(alice.press(message, "Going"))
    _, body = await api("getUpdates", timeout=2)
    (update,) = body["result"]
    query = update["callback_query"]
    assert query["data"] == "rsvp:yes"
    assert query["message"]["message_id"] == sent["result"]["message_id"]
    await api("answerCallbackQuery", callback_query_id=query["id"], text="Saved", show_alert=True)
    answer = await press
    assert (answer.text, answer.show_alert) == ("Saved", True)
    _, body = await api("answerCallbackQuery", callback_query_id=query["id"])
    assert body["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_press_by_callback_data_times_out_without_answer(emu, api, alice):
    await api("sendMessage", chat_id=alice.id, text="Tonight?", reply_markup=MARKUP)
    message = await alice.next_message()
    assert await alice.press(message, "rsvp:yes", timeout=0.05) is None


async def test_identical_edit_is_not_modified(emu, api, alice):
    _, sent = await api(
        "sendMessage", chat_id=alice.id, text="<b>x</b>", parse_mode="HTML", reply_markup=MARKUP
    )
    ids = {"chat_id": alice.id, "message_id": sent["result"]["message_id"]}
    _, body = await api("editMessageText", **ids, text="<b>x</b>", parse_mode="HTML", reply_markup=MARKUP)
    assert body["description"] == f"Bad Request: {NOT_MODIFIED}"
    _, body = await api("editMessageReplyMarkup", **ids, reply_markup=MARKUP)
    assert body["description"] == f"Bad Request: {NOT_MODIFIED}"
    assert len(emu.rejections) == 2


async def test_edit_without_markup_removes_the_keyboard_and_wakes_next_edit(emu, api, alice):
    await api("sendMessage", chat_id=alice.id, text="Tonight?", reply_markup=MARKUP)
    message = await alice.next_message()
    waiting = asyncio.create_task(message.next_edit(timeout=2))
    await api(
        "editMessageText",
        chat_id=alice.id,
        message_id=message.message_id,
        text="<i>Saved</i>",
        parse_mode="HTML",
    )
    edited = await waiting
    assert (edited.text, edited.html, edited.buttons, edited.edit_count) == ("Saved", "<i>Saved</i>", [], 1)


async def test_edit_or_delete_missing_message(api, alice):
    _, body = await api("editMessageText", chat_id=alice.id, message_id=999, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    _, body = await api("deleteMessage", chat_id=alice.id, message_id=999)
    assert body["description"] == "Bad Request: message to delete not found"


async def test_delete_marks_the_message(api, alice):
    _, sent = await api("sendMessage", chat_id=alice.id, text="oops")
    assert (await api("deleteMessage", chat_id=alice.id, message_id=sent["result"]["message_id"]))[0] == 200
    assert alice.messages[-1].deleted


async def test_unknown_chat_and_first_contact(emu, api):
    _, body = await api("sendMessage", chat_id=424242, text="x")
    assert body["description"] == "Bad Request: chat not found"
    stranger = emu.add_user("Stranger")
    status, body = await api("sendMessage", chat_id=stranger.id, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot can't initiate conversation with a user")


async def test_group_the_bot_left_or_was_kicked_from(emu, api, alice, group):
    await group.remove_bot(by=alice, kicked=True)
    _, body = await api("sendMessage", chat_id=group.id, text="x")
    assert body["description"] == "Forbidden: bot was kicked from the supergroup chat"
    other = emu.add_group("Other")
    _, body = await api("sendMessage", chat_id=other.id, text="x")
    assert body["description"] == "Forbidden: bot is not a member of the supergroup chat"


async def test_members_and_admins(emu, api, alice, group):
    bob = emu.add_user("Bob")
    await group.add_member(bob)
    _, body = await api("getChatMember", chat_id=group.id, user_id=bob.id)
    assert body["result"]["status"] == "member"
    await group.make_admin(bob)
    _, body = await api("getChatAdministrators", chat_id=group.id)
    assert [(m["user"]["id"], m["status"]) for m in body["result"]] == [
        (alice.id, "creator"),
        (bob.id, "administrator"),
    ]
    await group.remove_member(bob, kicked=True)
    _, body = await api("getChatMember", chat_id=group.id, user_id=bob.id)
    assert (body["result"]["status"], body["result"]["until_date"]) == ("kicked", 0)
    _, body = await api("getChatMemberCount", chat_id=group.id)
    assert body["result"] == 2  # Alice and the bot


async def test_next_message_and_expect_no_message(api, alice, group):
    await api("sendMessage", chat_id=group.id, text="for the group")
    assert (await group.next_message()).text == "for the group"
    await alice.expect_no_message(within=0.05)
    await api("sendMessage", chat_id=alice.id, text="private")
    with pytest.raises(AssertionError, match="unexpectedly sent"):
        await alice.expect_no_message(within=0.05)
    with pytest.raises(AssertionError, match="sent nothing"):
        await group.next_message(timeout=0.05)


async def test_multipart_upload_and_file_id_reuse(emu, alice):
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("caption", "<b>Report</b>")
    form.add_field("parse_mode", "HTML")
    form.add_field("document", b"a,b\n1,2\n", filename="report.csv", content_type="text/csv")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{emu.url}/bot{emu.token}/sendDocument", data=form) as response:
            body = await response.json()
        assert response.status == 200, body
        file_id = body["result"]["document"]["file_id"]
        async with session.post(
            f"{emu.url}/bot{emu.token}/sendPhoto", json={"chat_id": alice.id, "photo": file_id}
        ) as response:
            assert response.status == 200
    document = alice.messages[0].document
    assert (document.filename, document.data, document.mime_type) == ("report.csv", b"a,b\n1,2\n", "text/csv")
    assert alice.messages[0].caption == "Report"
    assert alice.messages[1].photo == b"a,b\n1,2\n"


async def test_person_sends_a_document_the_bot_downloads(emu, api, alice):
    await updates(api)
    await alice.send_document("feed.json", b'{"ok": 1}', caption="my feed")
    (update,) = await updates(api)
    document = update["message"]["document"]
    assert (document["file_name"], document["mime_type"]) == ("feed.json", "application/json")
    _, body = await api("getFile", file_id=document["file_id"])
    async with aiohttp.ClientSession() as session:
        url = f"{emu.url}/file/bot{emu.token}/{body['result']['file_path']}"
        async with session.get(url) as response:
            assert await response.read() == b'{"ok": 1}'


async def test_commands_per_scope_and_language(api):
    commands = [{"command": "start", "description": "Begin"}]
    scope = {"type": "all_private_chats"}
    assert (await api("setMyCommands", commands=commands, scope=scope, language_code="es"))[0] == 200
    assert (await api("getMyCommands", scope=scope, language_code="es"))[1]["result"] == commands
    assert (await api("getMyCommands", scope=scope))[1]["result"] == []
    _, body = await api("setMyCommands", commands=[{"command": "Bad Command", "description": "x"}])
    assert body["description"] == "Bad Request: BOT_COMMAND_INVALID"


async def test_people_write_only_where_they_belong(emu, alice):
    outsider = emu.add_user("Outsider")
    group = emu.add_group("Closed")
    with pytest.raises(AssertionError, match="not a member"):
        await outsider.send("hello", chat=group)
    with pytest.raises(AssertionError, match="private chat"):
        await outsider.send("hello", chat=alice)


async def test_stopping_ends_long_polls_quietly(emu, api):
    poll = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    await emu.updates.close()
    assert await asyncio.wait_for(poll, 1) == (200, {"ok": True, "result": []})


async def test_pinning_needs_admin_rights_in_groups(emu, api, alice, group):
    _, sent = await api("sendMessage", chat_id=group.id, text="Meeting at 7")
    ids = {"chat_id": group.id, "message_id": sent["result"]["message_id"]}
    _, body = await api("pinChatMessage", **ids)
    assert body["description"] == "Bad Request: not enough rights to manage pinned messages in the chat"
    await group.make_bot_admin(by=alice)
    assert (await api("pinChatMessage", **ids))[0] == 200
    assert group.pinned is group.messages[0]


async def test_a_basic_group_upgraded_to_a_supergroup(emu, api, alice):
    basic = emu.add_group("Circle", chat_type="group")
    await basic.add_member(alice, owner=True)
    await basic.add_bot(by=alice)
    await updates(api)
    supergroup = await basic.upgrade_to_supergroup(by=alice)
    old, new = (update["message"] for update in await updates(api))
    assert (old["chat"]["id"], old["migrate_to_chat_id"]) == (basic.id, supergroup.id)
    assert (new["chat"], new["migrate_from_chat_id"]) == (
        {"id": supergroup.id, "type": "supergroup", "title": "Circle"},
        basic.id,
    )
    status, body = await api("sendMessage", chat_id=basic.id, text="x")
    assert (status, body["parameters"]) == (400, {"migrate_to_chat_id": supergroup.id})
    assert supergroup.member_status(alice) == "creator" and supergroup.bot_present
    with pytest.raises(ValueError, match="basic group"):
        await supergroup.upgrade_to_supergroup(by=alice)
