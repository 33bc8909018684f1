"""/mydata and /forget hooks of /settings and /broadcast: everything held is exported, then erased."""

from __future__ import annotations

from types import SimpleNamespace

from bot.runtime.services import Repositories
from handlers import broadcasts, preferences
from storage.broadcasts import BroadcastRepository
from storage.preferences import PreferenceRepository
from tests.conftest import NOW


def context_with(db) -> SimpleNamespace:
    return SimpleNamespace(
        bot_data=SimpleNamespace(services=SimpleNamespace(db=db, repos=Repositories.on(db)))
    )


async def test_settings_and_announcements_are_exported_then_erased(db) -> None:
    context = context_with(db)
    await PreferenceRepository(db).set_bool(7, "private_announcements", True, NOW)
    await PreferenceRepository(db).set_bool(8, "private_announcements", True, NOW)
    await BroadcastRepository(db).create(
        7, "Potluck <i>Saturday</i>", photo=None, document="DOC", targets=(-1,), private_copies=True, now=NOW
    )
    assert await preferences.export_personal_data(context, 7) == {"settings": {"private_announcements": "1"}}
    exported = await broadcasts.export_personal_data(context, 7)
    assert exported["announcements_sent"][0] | {"id": 0} == {
        "id": 0,
        "text": "Potluck <i>Saturday</i>",
        "photo": False,
        "document": True,
        "groups": [-1],
        "also_in_private": True,
        "recipients": 0,
        "sent_at": NOW.isoformat(),
    }
    assert await preferences.erase_personal_data(context, 7) == ["your settings"]
    assert await broadcasts.erase_personal_data(context, 7) != []
    assert await preferences.export_personal_data(context, 7) == {"settings": {}}
    assert await broadcasts.export_personal_data(context, 7) == {"announcements_sent": []}
    assert await preferences.erase_personal_data(context, 7) == []  # nothing left to erase
    assert await PreferenceRepository(db).get_bool(8, "private_announcements", default=False)
