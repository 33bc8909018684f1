"""Announcements: recipients, keys, the draft, progress; the /settings registry."""

from __future__ import annotations

import types

import pytest

from bot.domain.broadcasts import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Draft,
    Progress,
    Recipient,
    batch_of,
    broadcast_id_of,
    delivery_key,
    length_problem,
    progress,
    recipients,
    report_key,
)
from bot.domain.preferences import Toggle, collect


def test_groups_come_first_then_people_each_once_without_the_sender() -> None:
    groups = [Recipient(-2, "es"), Recipient(-1, "en")]
    private = [Recipient(9, "en"), Recipient(3, "es"), Recipient(9, "en"), Recipient(5, "en")]
    chosen = recipients(groups, private, sender_id=5)
    assert [r.chat_id for r in chosen] == [-2, -1, 3, 9]


def test_keys_and_batches_name_one_broadcast() -> None:
    assert batch_of(12) == "broadcast:12"
    assert delivery_key(12, -100) == "broadcast:12:-100"
    assert report_key(12) not in {delivery_key(12, n) for n in range(-5, 5)}
    assert broadcast_id_of("broadcast:12") == 12
    assert broadcast_id_of("broadcast:x") is None and broadcast_id_of("reminder:12") is None


def test_toggling_a_target_adds_then_removes_it() -> None:
    draft = Draft("hi").toggled(-1).toggled(-2)
    assert draft.targets == (-1, -2)
    assert draft.toggled(-1).targets == (-2,)


def test_length_limits_depend_on_media() -> None:
    assert length_problem(TEXT_LIMIT, has_media=False) is None
    too_long_text = length_problem(TEXT_LIMIT + 1, has_media=False)
    assert too_long_text is not None and too_long_text[1] == TEXT_LIMIT
    too_long_caption = length_problem(CAPTION_LIMIT + 1, has_media=True)
    assert too_long_caption is not None and too_long_caption[1] == CAPTION_LIMIT


def test_progress_reads_outbox_counts() -> None:
    counts = {"pending": 3, "sending": 1, "sent": 10, "unreachable": 2, "failed": 1, "cancelled": 1}
    p = progress(counts)
    assert p == Progress(delivered=10, unreachable=2, failed=2, waiting=4)
    assert p.total == 18 and not p.done
    assert progress({"sent": 4}).done


def test_settings_toggles_are_collected_in_order_and_keys_are_unique() -> None:
    late = Toggle("daily_check_in", "Daily check-in", order=20)
    early = Toggle("private_announcements", "Announcements", order=10)
    features = [
        types.SimpleNamespace(settings=(late,)),
        types.SimpleNamespace(settings=(early,)),
        types.SimpleNamespace(settings=()),
    ]
    assert collect(features) == [early, late]
    with pytest.raises(ValueError, match="declared twice"):
        collect([types.SimpleNamespace(settings=(early, early))])
    with pytest.raises(ValueError, match="bad preference key"):
        Toggle("has:colon", "x")


async def test_a_feature_can_keep_its_own_switch() -> None:
    from bot.usecases.preferences import current_values, store  # noqa: PLC0415

    kept: dict[int, bool] = {}
    host = object()  # what the feature's own load and save are handed (the application)

    async def load(application: object, user_id: int) -> bool:
        assert application is host
        return kept.get(user_id, False)

    async def save(application: object, user_id: int, on: bool) -> None:
        assert application is host
        kept[user_id] = on

    toggle = Toggle("daily_check_in", "Daily check-in", load=load, save=save)
    svc = types.SimpleNamespace()  # no repository is needed for a toggle its feature keeps
    assert await current_values(svc, 5, [toggle], host) == {"daily_check_in": False}  # type: ignore[arg-type]
    await store(svc, 5, toggle, True, host)  # type: ignore[arg-type]
    assert kept == {5: True}
    assert await current_values(svc, 5, [toggle], host) == {"daily_check_in": True}  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="both load and save"):
        Toggle("half", "Half", load=load)
