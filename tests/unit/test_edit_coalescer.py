"""The edit coalescer (issue 23): per message, a few edits at once, then one every few seconds;
newer edits replace one still waiting, an edit that changes nothing is skipped, and closing sends
what still waits.  Time is a fake monotonic clock; nothing here sleeps."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime.edit_coalescer import BURST, Budget, Edit, EditCoalescer, EditPace, paces_for

SLOW = EditPace(burst=BURST, every=3600.0)  # after the burst, nothing more goes during a test


class Board:
    """A message whose counts the coalescer edits; ``value`` is the true state."""

    def __init__(self) -> None:
        self.value = 0
        self.shown: list[int] = []

    async def render(self) -> int:
        return self.value

    async def show(self, content: int) -> bool:
        self.shown.append(content)
        return True

    def edit(self, shown: int | None = None) -> Edit[int]:
        return Edit(self.render, self.show, shown)


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_paces_leave_a_quarter_of_the_group_budget_and_keep_a_private_chat_to_one_a_second() -> None:
    group, private = paces_for(20)
    assert group == EditPace(BURST, 4.0)  # 15 a minute at most, of the group's 20
    assert private.every == 1.0
    assert paces_for(10)[0].every == 8.0


def test_budget_allows_a_burst_then_one_edit_per_interval() -> None:
    budget = Budget(EditPace(3, 4.0))
    for _ in range(3):
        assert budget.wait(0.0) == 0.0
        budget.spend(0.0)
    assert budget.wait(0.0) == pytest.approx(4.0)
    assert budget.wait(3.0) == pytest.approx(1.0)
    budget.spend(4.0)
    assert budget.wait(4.0) == pytest.approx(4.0)
    assert not budget.empty(8.0)
    assert budget.empty(16.0)


async def test_a_burst_of_presses_becomes_a_few_edits_and_the_last_shows_the_final_state() -> None:
    coalescer = EditCoalescer(SLOW, SLOW, monotonic=lambda: 0.0)
    board = Board()
    for press in range(1, 51):
        board.value = press
        coalescer.submit(-100, 7, board.edit())
        if press % 5 == 0:
            await settle()  # the handlers of a few presses ran meanwhile
    await settle()
    assert len(board.shown) == BURST  # the burst went at once, each with the newest counts
    assert board.shown == sorted(board.shown) and board.shown[-1] < 50
    assert coalescer.waiting == 1  # one edit, the newest, waits for the budget
    await coalescer.close()
    assert board.shown[-1] == 50 and len(board.shown) == BURST + 1
    assert coalescer.waiting == 0


async def test_messages_have_budgets_of_their_own() -> None:
    coalescer = EditCoalescer(SLOW, SLOW, monotonic=lambda: 0.0)
    boards = [Board(), Board()]
    for n, board in enumerate(boards):
        board.value = n + 1
        coalescer.submit(-100, n, board.edit())
    await settle()
    assert [b.shown for b in boards] == [[1], [2]]


async def test_an_edit_that_changes_nothing_is_skipped() -> None:
    coalescer = EditCoalescer(SLOW, SLOW, monotonic=lambda: 0.0)
    board = Board()
    board.value = 4
    coalescer.submit(5, 1, board.edit(shown=4))  # the pressed message already shows 4
    await settle()
    assert board.shown == []
    board.value = 5
    coalescer.submit(5, 1, board.edit(shown=4))
    await settle()
    board.value = 4
    coalescer.submit(5, 1, board.edit(shown=5))  # a stale hint does not override what was shown
    await settle()
    board.value = 4
    coalescer.submit(5, 1, board.edit(shown=4))
    await settle()
    assert board.shown == [5, 4]


async def test_a_failing_edit_is_logged_and_the_next_one_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    coalescer = EditCoalescer(SLOW, SLOW, monotonic=lambda: 0.0)
    board = Board()

    async def broken() -> int:
        raise RuntimeError("boom")

    coalescer.submit(-1, 1, Edit(broken, board.show))
    await settle()
    board.value = 2
    coalescer.submit(-1, 1, board.edit())
    await settle()
    assert board.shown == [2]
    assert "An in-place edit failed" in caplog.text
