"""/mydata and /forget for /settings and /broadcast: everything held is exported, then erased."""

from __future__ import annotations

from bot.domain.clock import FixedClock
from bot.usecases import broadcasts, preferences
from storage.db import Database
from tests.conftest import NOW
from tests.unit.offline_services import offline


async def test_settings_and_announcements_are_exported_then_erased(db: Database, clock: FixedClock) -> None:
    svc = offline(db, clock).svc
    await svc.repos.preferences.set_bool(7, "private_announcements", True, NOW)
    await svc.repos.preferences.set_bool(8, "private_announcements", True, NOW)
    await svc.repos.broadcasts.create(
        7, "Potluck <i>Saturday</i>", photo=None, document="DOC", targets=(-1,), private_copies=True, now=NOW
    )
    assert await preferences.export_personal_data(svc, 7) == {"settings": {"private_announcements": "1"}}
    exported = await broadcasts.export_personal_data(svc, 7)
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
    assert await preferences.erase_personal_data(svc, 7)
    assert await broadcasts.erase_personal_data(svc, 7)
    assert await preferences.export_personal_data(svc, 7) == {"settings": {}}
    assert await broadcasts.export_personal_data(svc, 7) == {"announcements_sent": []}
    assert not await preferences.erase_personal_data(svc, 7)  # nothing left to erase
    assert await svc.repos.preferences.get_bool(8, "private_announcements", default=False)
