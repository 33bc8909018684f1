"""Every request is checked as Telegram checks it; refusals are recorded as rejections."""

from __future__ import annotations

import hashlib

import pytest

from emulator import Emulator
from emulator.methods import METHODS
from emulator.schema import SHIPPED_SCHEMA, Schema, SchemaUnavailable, default_schema_path

BUTTON = {"text": "Going", "callback_data": "rsvp:1"}


@pytest.fixture
async def alice(emu):
    person = emu.add_user("Alice", username="alice")
    await person.send("/start")
    return person


async def test_unknown_method_is_not_found(emu, api):
    status, body = await api("sendTelepathy", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert emu.rejections[0].method == "sendTelepathy"


async def test_wrong_token_is_unauthorized(emu, api):
    status, body = await api("getMe", _token="999:WRONG")
    assert status == 401
    assert body["description"] == "Unauthorized"
    assert len(emu.rejections) == 1


async def test_method_names_are_case_insensitive(api):
    status, body = await api("getme")
    assert status == 200
    assert body["result"]["username"] == "KindredTestBot"


async def test_missing_required_parameter(emu, api):
    status, body = await api("sendMessage", text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    _, body = await api("sendMessage", chat_id=1001)
    assert body["description"] == "Bad Request: message text is empty"
    assert [r.description for r in emu.rejections] == [
        "Bad Request: chat_id is empty",
        "Bad Request: message text is empty",
    ]


async def test_blank_text_is_empty(api, alice):
    _, body = await api("sendMessage", chat_id=alice.id, text="<b> </b>", parse_mode="HTML")
    assert body["description"] == "Bad Request: message text is empty"


@pytest.mark.parametrize(
    ("method", "params", "parameter"),
    [
        ("deleteMessage", {"chat_id": 1001, "message_id": "seven"}, "message_id"),
        (
            "sendMessage",
            {"chat_id": 1001, "text": "x", "disable_notification": "maybe"},
            "disable_notification",
        ),
        (
            "sendMessage",
            {"chat_id": 1001, "text": "x", "reply_markup": {"inline_keyboard": "no"}},
            "inline_keyboard",
        ),
        ("sendMessage", {"chat_id": 1001, "text": ["x"]}, "text"),
        ("getUpdates", {"allowed_updates": "message"}, "allowed_updates"),
    ],
)
@pytest.mark.usefixtures("alice")
async def test_wrong_types_are_refused(emu, api, method, params, parameter):
    status, body = await api(method, **params)
    assert status == 400
    assert parameter in body["description"]
    assert emu.rejections[-1].error_code == 400


async def test_form_bodies_are_coerced_like_telegram(emu, api, alice):
    status, body = await api(
        "sendMessage",
        _form=True,
        chat_id=alice.id,
        text="<b>hi</b>",
        parse_mode="HTML",
        disable_notification=True,
        reply_markup={"inline_keyboard": [[BUTTON]]},
    )
    assert status == 200, body
    assert emu.calls[-1][1]["chat_id"] == alice.id
    assert emu.calls[-1][1]["disable_notification"] is True
    assert alice.messages[-1].buttons[0][0].callback_data == "rsvp:1"


async def test_unknown_parameters_are_recorded_as_rejections(emu, api, alice):
    status, _ = await api("sendMessage", chat_id=alice.id, text="hi", sparkle=3)
    assert status == 400
    assert len(emu.rejections) == 1


async def test_text_length_counts_after_entity_parsing(emu, api, alice):
    status, _ = await api("sendMessage", chat_id=alice.id, text=f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    assert status == 200
    _, body = await api("sendMessage", chat_id=alice.id, text="x" * 4097)
    assert body["description"] == "Bad Request: message is too long"
    assert len(emu.rejections[0].params["text"]) < 200  # recorded, but truncated


async def test_caption_over_1024_is_too_long(emu, api, alice):
    stored = emu.files.store("notes.txt", b"notes", None, folder="documents")
    status, _ = await api("sendDocument", chat_id=alice.id, document=stored.file_id, caption="c" * 1024)
    assert status == 200
    _, body = await api("sendDocument", chat_id=alice.id, document=stored.file_id, caption="c" * 1025)
    assert body["description"] == "Bad Request: message caption is too long"


async def test_callback_data_over_64_bytes_is_invalid(emu, api, alice):
    fits = {"text": "ok", "callback_data": "é" * 32}  # 64 bytes
    too_long = {"text": "no", "callback_data": "x" * 65}
    status, _ = await api(
        "sendMessage", chat_id=alice.id, text="a", reply_markup={"inline_keyboard": [[fits]]}
    )
    assert status == 200
    _, body = await api(
        "sendMessage", chat_id=alice.id, text="b", reply_markup={"inline_keyboard": [[too_long]]}
    )
    assert body["description"] == "Bad Request: BUTTON_DATA_INVALID"


async def test_inline_button_needs_an_action(api, alice):
    markup = {"inline_keyboard": [[{"text": "Just text"}]]}
    _, body = await api("sendMessage", chat_id=alice.id, text="a", reply_markup=markup)
    assert body["description"].startswith("Bad Request: can't parse inline keyboard button")


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("Hi <foo>there</foo>", 'Unsupported start tag "foo" at byte offset 3'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("2 < 3", 'Unsupported start tag "" at byte offset 2'),
        ("R&D", 'Unescaped "&" at byte offset 1'),
    ],
)
async def test_bad_html_is_refused(emu, api, alice, text, detail):
    status, body = await api("sendMessage", chat_id=alice.id, text=text, parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith(f"Bad Request: can't parse entities: {detail}")
    assert emu.rejections[-1].method == "sendMessage"


async def test_valid_html_is_accepted_with_entities(emu, api, alice):
    text = (
        '<b>Bold <i>and italic</i></b> &lt;3 <a href="https://x.org">link</a> &amp; '
        "<tg-spoiler>s</tg-spoiler>"
    )
    status, body = await api("sendMessage", chat_id=alice.id, text=text, parse_mode="HTML")
    assert status == 200
    assert body["result"]["text"] == "Bold and italic <3 link & s"
    assert [e["type"] for e in body["result"]["entities"]] == ["bold", "italic", "text_link", "spoiler"]
    assert alice.messages[-1].html == text
    assert emu.rejections == []


def test_the_description_ships_with_the_project(monkeypatch):
    monkeypatch.delenv("TELEGRAM_API_SCHEMA", raising=False)
    assert default_schema_path() == SHIPPED_SCHEMA
    digest = hashlib.sha256(SHIPPED_SCHEMA.read_bytes()).hexdigest()
    assert digest in (SHIPPED_SCHEMA.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert Schema.load().version == "Bot API 10.1"


def test_a_named_description_that_cannot_be_read_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_API_SCHEMA", str(tmp_path / "absent.json"))
    with pytest.raises(SchemaUnavailable, match="cannot be read"):
        Emulator()


def test_every_emulated_method_has_a_definition():
    assert sorted(set(METHODS) - set(Schema.load().methods)) == []


async def test_a_parameter_the_method_does_not_define_is_refused(api, alice):
    _, sent = await api("sendMessage", chat_id=alice.id, text="hi", reply_markup=_markup())
    status, body = await api(
        "editMessageReplyMarkup",
        chat_id=alice.id,
        message_id=sent["result"]["message_id"],
        reply_markup=_markup(),
        parse_mode="HTML",
    )
    assert status == 400
    assert "editMessageReplyMarkup does not define parse_mode" in body["description"]


async def test_a_field_the_object_does_not_define_is_refused(api, alice):
    button = {"text": "Go", "callback_data": "x", "colour": "red"}
    status, body = await api("sendMessage", chat_id=alice.id, text="hi", reply_markup=_markup(button))
    assert status == 400
    assert "InlineKeyboardButton does not define colour" in body["description"]


def _markup(button: dict | None = None) -> dict:
    return {"inline_keyboard": [[button or {"text": "Go", "callback_data": "x"}]]}


async def test_chat_action_must_be_known(api, alice):
    assert (await api("sendChatAction", chat_id=alice.id, action="typing"))[0] == 200
    _, body = await api("sendChatAction", chat_id=alice.id, action="dancing")
    assert body["description"] == "Bad Request: wrong parameter action in request"
