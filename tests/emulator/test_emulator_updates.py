"""getUpdates long polling, offsets and allowed_updates (webhooks: test_emulator_webhooks.py)."""

from __future__ import annotations

import asyncio

import pytest


def kinds(updates):
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_long_poll_waits_until_an_update_arrives(emu, api):
    alice = emu.add_user("Alice")
    poll = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await alice.send("hi")
    status, body = await asyncio.wait_for(poll, 1.0)
    assert status == 200
    assert body["result"][0]["message"]["text"] == "hi"


async def test_timeout_zero_answers_at_once(api):
    assert await api("getUpdates", timeout=0) == (200, {"ok": True, "result": []})


async def test_offset_confirms_and_drops_earlier_updates(emu, api):
    alice = emu.add_user("Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    _, body = await api("getUpdates", limit=2)
    ids = [u["update_id"] for u in body["result"]]
    assert [u["message"]["text"] for u in body["result"]] == ["one", "two"]
    _, body = await api("getUpdates", offset=ids[-1] + 1)
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    _, body = await api("getUpdates")  # not confirmed yet: "three" is still there
    assert len(body["result"]) == 1


async def test_negative_offset_keeps_the_last_updates(emu, api):
    alice = emu.add_user("Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    _, body = await api("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in body["result"]] == ["three"]


async def test_allowed_updates_is_remembered(emu, api):
    alice, bob = emu.add_user("Alice"), emu.add_user("Bob")
    group = emu.add_group("Circle")
    await group.add_member(alice, owner=True)
    await group.add_bot(by=alice, admin=True)
    await group.add_member(bob)  # chat_member is not sent by default
    _, body = await api("getUpdates", timeout=0)
    assert "chat_member" not in kinds(body["result"])
    offset = body["result"][-1]["update_id"] + 1
    await api("getUpdates", offset=offset, allowed_updates=["chat_member"])
    await group.make_admin(bob)
    await bob.send("/start")  # a message: no longer wanted
    _, body = await api("getUpdates", offset=offset)  # allowed_updates not repeated: still applies
    assert kinds(body["result"]) == ["chat_member"]
    assert body["result"][0]["chat_member"]["new_chat_member"]["status"] == "administrator"


async def test_promotion_and_demotion_reach_an_admin_bot_from_the_admin(emu, api):
    """What the bot's role cache relies on: each change is a chat_member update naming who made
    it, valid against the Bot API description, and getChatMember agrees at once."""
    alice, bob = emu.add_user("Alice"), emu.add_user("Bob")
    group = emu.add_group("Circle")
    await group.add_member(alice, owner=True)
    await group.add_member(bob)
    await group.add_bot(by=alice, admin=True)
    _, body = await api("getUpdates", timeout=0, allowed_updates=["chat_member"])
    offset = body["result"][-1]["update_id"] + 1
    await group.make_admin(bob)  # by the group's creator, unless told otherwise
    _, member = await api("getChatMember", chat_id=group.id, user_id=bob.id)
    assert member["result"]["status"] == "administrator"
    await group.remove_admin(bob, by=alice)
    _, member = await api("getChatMember", chat_id=group.id, user_id=bob.id)
    assert member["result"]["status"] == "member"
    _, body = await api("getUpdates", offset=offset, timeout=0)
    changes = [update["chat_member"] for update in body["result"]]
    assert [
        (
            c["from"]["id"],
            c["new_chat_member"]["user"]["id"],
            c["old_chat_member"]["status"],
            c["new_chat_member"]["status"],
        )
        for c in changes
    ] == [(alice.id, bob.id, "member", "administrator"), (alice.id, bob.id, "administrator", "member")]
    for update in body["result"]:
        emu.schema.check("Update", update)


async def test_an_invalid_member_change_is_caught_where_it_is_built(emu):
    with pytest.raises(ValueError, match="invalid ChatMemberUpdated"):
        emu.schema.check("ChatMemberUpdated", {"chat": {"id": -1, "type": "supergroup"}, "date": 0})


async def test_a_newer_poll_ends_the_older_with_conflict(emu, api):
    older = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    newer = asyncio.create_task(api("getUpdates", timeout=0))
    status, body = await asyncio.wait_for(older, 1.0)
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
    assert (await newer)[0] == 200
    assert emu.rejections == []
