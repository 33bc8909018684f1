"""The welcome and /help list every command a role may use: each goes out in parts that fit
Telegram's 4,096 characters, and the welcome lists them briefly."""

from __future__ import annotations

import re

import pytest

from bot.app.features import FEATURES
from bot.domain.i18n import supported_languages, translator
from bot.domain.roles import Role
from bot.runtime.commands import ChatKind
from handlers.common import chunks
from handlers.start import all_commands, render_help, render_welcome

TELEGRAM_LIMIT = 4096


def visible(html: str) -> str:
    """What Telegram counts: the text without tags, entities decoded."""
    text = re.sub(r"<[^>]+>", "", html)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("language", supported_languages())
@pytest.mark.parametrize("role", list(Role))
def test_every_part_of_the_welcome_and_help_fits_one_message(language: str, role: Role) -> None:
    tr = translator(language)
    commands = all_commands(FEATURES)
    for text in (
        render_welcome(tr, "Maya", role, commands),
        render_help(tr, role, ChatKind.PRIVATE, commands),
        render_help(tr, role, ChatKind.GROUP, commands),
    ):
        parts = chunks(text)
        assert all(len(visible(part)) <= TELEGRAM_LIMIT for part in parts)
        assert "\n".join(parts).split() == text.split(), "nothing lost or doubled between the parts"


def test_the_welcome_lists_commands_briefly_in_one_message() -> None:
    """The welcome names every command a coordinator has (in Spanish, the longest) and leaves
    what each does to /help, so it is one message, not a wall of text."""
    commands = all_commands(FEATURES)
    text = render_welcome(translator("es"), "Maya", Role.COORDINATOR, commands)
    assert len(visible(text)) <= TELEGRAM_LIMIT
    private = [c for c in commands if ChatKind.PRIVATE in c.where]
    assert all(f"/{c.name}" in text for c in private)
    full_help = render_help(translator("es"), Role.COORDINATOR, ChatKind.PRIVATE, commands)
    assert len(visible(text)) < len(visible(full_help))
