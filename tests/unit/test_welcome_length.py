"""The welcome and /help list every command a role may use; for a coordinator in Spanish that is
longer than one Telegram message, so it goes out in parts that each fit."""

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


def test_the_coordinators_spanish_welcome_needs_more_than_one_message() -> None:
    """Why the welcome is sent in parts (if this stops holding, the parts are still right)."""
    text = render_welcome(translator("es"), "Maya", Role.COORDINATOR, all_commands(FEATURES))
    assert len(visible(text)) > TELEGRAM_LIMIT
    assert len(chunks(text)) >= 2
