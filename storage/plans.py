"""Recovery plans and safety plans (issue 17): goals, review answers, the review schedule and the
safety plan's sections.

This repository only ever sees sealed bytes for what members write (``*_sealed``, ``sealed``);
sealing and opening happen in :mod:`bot.usecases.plan`, so no SQL here can leak plan text.

A goal shared with supporters (issue 24) is a ``supporter_shares`` row naming it; when the goal is
dropped, completed or erased, those rows go in the same transaction, so sharing stops at once and
a goal id SQLite hands out again later never inherits someone's consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.domain.plan import GoalStatus, LifeArea, Measure, Outcome, ReviewTime, SafetySection
from bot.domain.supporters import GOAL_PREFIX, goal_item
from storage.db import Database, Row
from storage.timestamps import to_db


@dataclass(frozen=True)
class StoredGoal:
    goal_id: int
    user_id: int
    area: LifeArea
    measure: Measure
    target: int | None
    goal_sealed: bytes
    step_sealed: bytes | None
    status: GoalStatus
    shared_with: int | None  # the peer mentor it is shared with, by the member's consent
    supporters: int = 0  # how many of the member's supporters it is shared with (issue 24)


@dataclass(frozen=True)
class ReviewSchedule:
    user_id: int
    review: ReviewTime
    last_sent_day: date | None


_UNSHARE = "DELETE FROM supporter_shares WHERE item = ?"
_GOAL_COLUMNS = (
    "goal_id, user_id, area, measure, target, goal_sealed, step_sealed, status, shared_with, "
    f"(SELECT COUNT(*) FROM supporter_shares WHERE item = '{GOAL_PREFIX}' || goal_id) AS supporters"
)


def _goal(row: Row) -> StoredGoal:
    return StoredGoal(
        row["goal_id"],
        row["user_id"],
        LifeArea(row["area"]),
        Measure(row["measure"]),
        row["target"],
        bytes(row["goal_sealed"]),
        None if row["step_sealed"] is None else bytes(row["step_sealed"]),
        GoalStatus(row["status"]),
        row["shared_with"],
        row["supporters"],
    )


def _schedule(row: Row) -> ReviewSchedule:
    return ReviewSchedule(
        row["user_id"],
        ReviewTime(row["weekday"], time.fromisoformat(row["local_time"]), row["timezone"]),
        None if row["last_sent_day"] is None else date.fromisoformat(row["last_sent_day"]),
    )


class PlanRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- goals --

    async def goals(self, user_id: int) -> list[StoredGoal]:
        rows = await self._db.fetch_all(
            f"SELECT {_GOAL_COLUMNS} FROM plan_goals WHERE user_id = ? ORDER BY goal_id", (user_id,)
        )
        return [_goal(row) for row in rows]

    async def goal(self, goal_id: int) -> StoredGoal | None:
        row = await self._db.fetch_one(
            f"SELECT {_GOAL_COLUMNS} FROM plan_goals WHERE goal_id = ?", (goal_id,)
        )
        return None if row is None else _goal(row)

    async def add_goal(
        self,
        user_id: int,
        area: LifeArea,
        measure: Measure,
        target: int | None,
        sealed: tuple[bytes, bytes | None],
        *,
        now: datetime,
    ) -> int:
        stamp = to_db(now)
        async with self._db.transaction() as tx:
            goal_id = await tx.fetch_value(
                """
                INSERT INTO plan_goals (user_id, area, measure, target, goal_sealed, step_sealed,
                                        created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING goal_id
                """,
                (user_id, area.value, measure.value, target, sealed[0], sealed[1], stamp, stamp),
            )
        return int(goal_id)

    async def set_goal_text(self, goal_id: int, sealed: bytes, now: datetime) -> None:
        await self._db.execute(
            "UPDATE plan_goals SET goal_sealed = ?, updated_at = ? WHERE goal_id = ?",
            (sealed, to_db(now), goal_id),
        )

    async def set_step(self, goal_id: int, sealed: bytes | None, now: datetime) -> None:
        await self._db.execute(
            "UPDATE plan_goals SET step_sealed = ?, updated_at = ? WHERE goal_id = ?",
            (sealed, to_db(now), goal_id),
        )

    async def set_area(self, goal_id: int, area: LifeArea, now: datetime) -> None:
        await self._db.execute(
            "UPDATE plan_goals SET area = ?, updated_at = ? WHERE goal_id = ?",
            (area.value, to_db(now), goal_id),
        )

    async def set_measure(self, goal_id: int, measure: Measure, target: int | None, now: datetime) -> None:
        """How progress is counted from now on; the review answers already given stay with the goal."""
        await self._db.execute(
            "UPDATE plan_goals SET measure = ?, target = ?, updated_at = ? WHERE goal_id = ?",
            (measure.value, target, to_db(now), goal_id),
        )

    async def set_status(self, goal_id: int, status: GoalStatus, now: datetime) -> None:
        """A completed goal is no longer shared with supporters (reopened, it is asked again)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE plan_goals SET status = ?, updated_at = ? WHERE goal_id = ?",
                (status.value, to_db(now), goal_id),
            )
            if status is GoalStatus.COMPLETED:
                await tx.execute(_UNSHARE, (goal_item(goal_id),))

    async def set_shared(self, goal_id: int, mentor_id: int | None, now: datetime) -> None:
        await self._db.execute(
            "UPDATE plan_goals SET shared_with = ?, updated_at = ? WHERE goal_id = ?",
            (mentor_id, to_db(now), goal_id),
        )

    async def drop_goal(self, goal_id: int) -> bool:
        async with self._db.transaction() as tx:
            await tx.execute(_UNSHARE, (goal_item(goal_id),))
            dropped = await tx.execute("DELETE FROM plan_goals WHERE goal_id = ?", (goal_id,))
        return dropped.rowcount > 0

    # -- review answers --

    async def answer(self, goal_id: int, day: date, outcome: Outcome, now: datetime) -> bool:
        """Record one answer; False if this goal's review for that week was answered already
        (the first answer stands: a second press changes nothing)."""
        result = await self._db.execute(
            """
            INSERT INTO plan_review_answers (goal_id, review_day, outcome, answered_at)
            VALUES (?, ?, ?, ?) ON CONFLICT (goal_id, review_day) DO NOTHING
            """,
            (goal_id, day.isoformat(), outcome.value, to_db(now)),
        )
        return result.rowcount > 0

    async def answers(self, user_id: int, since: date) -> dict[tuple[int, date], Outcome]:
        rows = await self._db.fetch_all(
            """
            SELECT a.goal_id, a.review_day, a.outcome FROM plan_review_answers a
            JOIN plan_goals g ON g.goal_id = a.goal_id
            WHERE g.user_id = ? AND a.review_day >= ?
            """,
            (user_id, since.isoformat()),
        )
        return {(row[0], date.fromisoformat(row[1])): Outcome(row[2]) for row in rows}

    # -- the review schedule --

    async def schedule(self, user_id: int) -> ReviewSchedule | None:
        row = await self._db.fetch_one("SELECT * FROM plan_reviews_schedule WHERE user_id = ?", (user_id,))
        return None if row is None else _schedule(row)

    async def schedules(self) -> list[ReviewSchedule]:
        """Every member with at least one goal and a review time: the jobs to rebuild at start-up."""
        rows = await self._db.fetch_all(
            """
            SELECT * FROM plan_reviews_schedule s
            WHERE EXISTS (SELECT 1 FROM plan_goals g WHERE g.user_id = s.user_id) ORDER BY user_id
            """
        )
        return [_schedule(row) for row in rows]

    async def set_schedule(self, user_id: int, review: ReviewTime, now: datetime) -> None:
        await self._db.execute(
            """
            INSERT INTO plan_reviews_schedule (user_id, weekday, local_time, timezone, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET weekday = excluded.weekday,
                local_time = excluded.local_time, timezone = excluded.timezone,
                updated_at = excluded.updated_at
            """,
            (user_id, review.weekday, review.at.strftime("%H:%M"), review.timezone, to_db(now)),
        )

    async def claim_review(self, user_id: int, day: date) -> bool:
        """Mark the review of *day* as sent; False if it was sent already (once, ever)."""
        result = await self._db.execute(
            """
            UPDATE plan_reviews_schedule SET last_sent_day = ?
            WHERE user_id = ? AND (last_sent_day IS NULL OR last_sent_day < ?)
            """,
            (day.isoformat(), user_id, day.isoformat()),
        )
        return result.rowcount > 0

    # -- the safety plan --

    async def safety_plan(self, user_id: int) -> dict[SafetySection, bytes]:
        rows = await self._db.fetch_all(
            "SELECT section, sealed FROM safety_plan_sections WHERE user_id = ?", (user_id,)
        )
        return {SafetySection(row[0]): bytes(row[1]) for row in rows}

    async def set_section(
        self, user_id: int, section: SafetySection, sealed: bytes | None, now: datetime
    ) -> None:
        if sealed is None:
            await self._db.execute(
                "DELETE FROM safety_plan_sections WHERE user_id = ? AND section = ?", (user_id, section.value)
            )
            return
        await self._db.execute(
            """
            INSERT INTO safety_plan_sections (user_id, section, sealed, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (user_id, section) DO UPDATE SET sealed = excluded.sealed,
                updated_at = excluded.updated_at
            """,
            (user_id, section.value, sealed, to_db(now)),
        )

    # -- /forget --

    async def erase(self, user_id: int) -> dict[str, int]:
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM supporter_shares WHERE item IN "
                "(SELECT ? || goal_id FROM plan_goals WHERE user_id = ?)",
                (GOAL_PREFIX, user_id),
            )
            goals = await tx.execute("DELETE FROM plan_goals WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM plan_reviews_schedule WHERE user_id = ?", (user_id,))
            sections = await tx.execute("DELETE FROM safety_plan_sections WHERE user_id = ?", (user_id,))
        return {"goals": goals.rowcount, "safety_plan_sections": sections.rowcount}
