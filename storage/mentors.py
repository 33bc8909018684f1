"""Peer mentoring: profiles, requests, proposals (with their expiry), matches and declined pairs.

Consent is two-sided, and a proposal records both halves without a column of its own: while its
``status`` is ``pending``, ``answered_at`` is NULL until the mentor says yes, and set (to the
mentor's answer) while the member decides.  ``expires_at`` is always the deadline of whoever is
being asked now: the mentor's, then (reset when the mentor accepts) the member's, so the one
expiry job rebuilt from it at start-up serves both.  The final ``status`` is set by whoever ends
it; ``answered_at`` keeps the mentor's answer when there was one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.matching import Focus, GenderWish, PartOfDay, Slot
from bot.domain.mentors import MentorRecord, ProfileFields, RequestFields, RequestRecord
from storage.db import Database, Row, UnitOfWork
from storage.timestamps import from_db, maybe_from_db, to_db

PENDING, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN = "pending", "accepted", "declined", "expired", "withdrawn"


@dataclass(frozen=True)
class Proposal:
    proposal_id: int
    request_id: int
    mentor_id: int
    member_id: int
    status: str
    proposed_at: datetime
    expires_at: datetime
    mentor_message_id: int | None
    answered_at: datetime | None = None

    @property
    def awaiting_member(self) -> bool:
        """The mentor said yes; the member has not answered yet (see the module docstring)."""
        return self.status == PENDING and self.answered_at is not None


@dataclass(frozen=True)
class MatchRecord:
    match_id: int
    mentor_id: int
    member_id: int
    requested_at: datetime
    started_at: datetime
    ended_at: datetime | None
    ended_by: int | None
    end_reason: str | None

    def other(self, user_id: int) -> int:
        return self.member_id if user_id == self.mentor_id else self.mentor_id


def _codes(values: Iterable[str]) -> str:
    return ",".join(sorted(str(v) for v in values))


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def _slots_to_db(slots: Iterable[Slot]) -> str:
    return _codes(f"{slot.weekday}-{slot.part.value}" for slot in slots)


def _slots_from_db(text: str) -> frozenset[Slot]:
    pairs = (code.split("-", 1) for code in _split(text))
    return frozenset(Slot(int(day), PartOfDay(part)) for day, part in pairs)


_PROFILE_COLUMNS = (
    "user_id, focus, recovery_since, languages, timezone, availability, capacity, gender, "
    "preferences, intro, status"
)
_REQUEST_COLUMNS = (
    "request_id, member_id, focus, languages, language_required, timezone, availability, "
    "gender_wish, gender, status, requested_at"
)
_PROPOSAL_COLUMNS = (
    "p.proposal_id, p.request_id, p.mentor_id, r.member_id, p.status, p.proposed_at, p.expires_at, "
    "p.mentor_message_id, p.answered_at"
)
_PROPOSAL_FROM = "mentor_proposals p JOIN mentor_requests r ON r.request_id = p.request_id"
_MATCH_COLUMNS = "match_id, mentor_id, member_id, requested_at, started_at, ended_at, ended_by, end_reason"


def _profile(row: Row) -> MentorRecord:
    return MentorRecord(
        user_id=row["user_id"],
        focus=frozenset(Focus(f) for f in _split(row["focus"])),
        recovery_since=date.fromisoformat(row["recovery_since"]),
        languages=frozenset(_split(row["languages"])),
        timezone=row["timezone"],
        availability=_slots_from_db(row["availability"]),
        capacity=row["capacity"],
        gender=row["gender"],
        preferences=row["preferences"],
        intro=row["intro"],
        status=row["status"],
    )


def _request(row: Row) -> RequestRecord:
    return RequestRecord(
        request_id=row["request_id"],
        member_id=row["member_id"],
        focus=frozenset(Focus(f) for f in _split(row["focus"])),
        languages=frozenset(_split(row["languages"])),
        language_required=bool(row["language_required"]),
        timezone=row["timezone"],
        availability=_slots_from_db(row["availability"]),
        gender_wish=GenderWish(row["gender_wish"]),
        gender=row["gender"],
        status=row["status"],
        requested_at=from_db(row["requested_at"]),
    )


def _proposal(row: Row) -> Proposal:
    return Proposal(
        proposal_id=row["proposal_id"],
        request_id=row["request_id"],
        mentor_id=row["mentor_id"],
        member_id=row["member_id"],
        status=row["status"],
        proposed_at=from_db(row["proposed_at"]),
        expires_at=from_db(row["expires_at"]),
        mentor_message_id=row["mentor_message_id"],
        answered_at=maybe_from_db(row["answered_at"]),
    )


def _match(row: Row) -> MatchRecord:
    return MatchRecord(
        match_id=row["match_id"],
        mentor_id=row["mentor_id"],
        member_id=row["member_id"],
        requested_at=from_db(row["requested_at"]),
        started_at=from_db(row["started_at"]),
        ended_at=maybe_from_db(row["ended_at"]),
        ended_by=row["ended_by"],
        end_reason=row["end_reason"],
    )


class MentorRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- mentor profiles --

    async def save_profile(self, user_id: int, fields: ProfileFields, now: datetime) -> MentorRecord:
        """Create or replace a profile; saving makes it active again (a retired mentor returning)."""
        stamp = to_db(now)
        await self._db.execute(
            f"""
            INSERT INTO mentor_profiles ({_PROFILE_COLUMNS}, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                focus = excluded.focus, recovery_since = excluded.recovery_since,
                languages = excluded.languages, timezone = excluded.timezone,
                availability = excluded.availability, capacity = excluded.capacity,
                gender = excluded.gender, preferences = excluded.preferences, intro = excluded.intro,
                status = 'active', updated_at = excluded.updated_at
            """,
            (
                user_id,
                _codes(fields.focus),
                fields.recovery_since.isoformat(),
                _codes(fields.languages),
                fields.timezone,
                _slots_to_db(fields.availability),
                fields.capacity,
                fields.gender,
                fields.preferences,
                fields.intro,
                stamp,
                stamp,
            ),
        )
        record = await self.profile(user_id)
        assert record is not None  # noqa: S101 - just written
        return record

    async def profile(self, user_id: int) -> MentorRecord | None:
        row = await self._db.fetch_one(
            f"SELECT {_PROFILE_COLUMNS} FROM mentor_profiles WHERE user_id = ?", (user_id,)
        )
        return None if row is None else _profile(row)

    async def profiles(self, *, include_retired: bool = False) -> list[MentorRecord]:
        where = "" if include_retired else "WHERE status != 'retired'"
        rows = await self._db.fetch_all(
            f"SELECT {_PROFILE_COLUMNS} FROM mentor_profiles {where} ORDER BY user_id"
        )
        return [_profile(row) for row in rows]

    async def set_status(self, user_id: int, status: str, now: datetime) -> None:
        await self._db.execute(
            "UPDATE mentor_profiles SET status = ?, updated_at = ? WHERE user_id = ?",
            (status, to_db(now), user_id),
        )

    async def load(self) -> dict[int, int]:
        """Per mentor, how many members they hold now: active matches plus pending proposals."""
        rows = await self._db.fetch_all(
            f"""
            SELECT mentor_id, COUNT(*) FROM (
                SELECT mentor_id FROM mentor_matches WHERE ended_at IS NULL
                UNION ALL
                SELECT p.mentor_id FROM {_PROPOSAL_FROM} WHERE p.status = 'pending'
            ) AS held GROUP BY mentor_id
            """
        )
        return {row[0]: row[1] for row in rows}

    # -- requests --

    async def create_request(self, member_id: int, fields: RequestFields, now: datetime) -> RequestRecord:
        async with self._db.transaction() as tx:
            request_id = await tx.fetch_value(
                """
                INSERT INTO mentor_requests (member_id, focus, languages, language_required, timezone,
                                             availability, gender_wish, gender, requested_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING request_id
                """,
                (
                    member_id,
                    _codes(fields.focus),
                    _codes(fields.languages),
                    int(fields.language_required),
                    fields.timezone,
                    _slots_to_db(fields.availability),
                    fields.gender_wish.value,
                    fields.gender,
                    to_db(now),
                ),
            )
        record = await self.request(int(request_id))
        assert record is not None  # noqa: S101 - just written
        return record

    async def request(self, request_id: int) -> RequestRecord | None:
        row = await self._db.fetch_one(
            f"SELECT {_REQUEST_COLUMNS} FROM mentor_requests WHERE request_id = ?", (request_id,)
        )
        return None if row is None else _request(row)

    async def open_request(self, member_id: int) -> RequestRecord | None:
        row = await self._db.fetch_one(
            f"SELECT {_REQUEST_COLUMNS} FROM mentor_requests WHERE member_id = ? AND status = 'waiting'",
            (member_id,),
        )
        return None if row is None else _request(row)

    async def waiting_requests(self, *, without_proposal: bool = False) -> list[RequestRecord]:
        """Open requests, oldest first; optionally only those not already waiting on a mentor."""
        extra = (
            "AND NOT EXISTS (SELECT 1 FROM mentor_proposals p WHERE p.request_id = r.request_id "
            "AND p.status = 'pending')"
            if without_proposal
            else ""
        )
        rows = await self._db.fetch_all(
            f"""
            SELECT {_REQUEST_COLUMNS} FROM mentor_requests r
            WHERE status = 'waiting' {extra} ORDER BY requested_at, request_id
            """
        )
        return [_request(row) for row in rows]

    async def withdraw_request(self, request_id: int, now: datetime) -> list[Proposal]:
        """Close an open request; returns the proposal that was pending for it (now withdrawn)."""
        async with self._db.transaction() as tx:
            pending = await self._pending_for(tx, "p.request_id = ?", (request_id,))
            await tx.execute(
                "UPDATE mentor_proposals SET status = 'withdrawn', answered_at = ? "
                "WHERE request_id = ? AND status = 'pending'",
                (to_db(now), request_id),
            )
            await tx.execute(
                "UPDATE mentor_requests SET status = 'withdrawn', closed_at = ? "
                "WHERE request_id = ? AND status = 'waiting'",
                (to_db(now), request_id),
            )
        return pending

    async def excluded_pairs(self) -> set[tuple[int, int]]:
        """``(mentor_id, member_id)`` never to propose: declined or unanswered before, or ever matched."""
        rows = await self._db.fetch_all(
            "SELECT mentor_id, member_id FROM mentor_declined_pairs "
            "UNION SELECT mentor_id, member_id FROM mentor_matches"
        )
        return {(row[0], row[1]) for row in rows}

    # -- proposals --

    async def create_proposal(
        self, request_id: int, mentor_id: int, now: datetime, expires_at: datetime
    ) -> Proposal:
        async with self._db.transaction() as tx:
            proposal_id = await tx.fetch_value(
                "INSERT INTO mentor_proposals (request_id, mentor_id, proposed_at, expires_at) "
                "VALUES (?, ?, ?, ?) RETURNING proposal_id",
                (request_id, mentor_id, to_db(now), to_db(expires_at)),
            )
        proposal = await self.proposal(int(proposal_id))
        assert proposal is not None  # noqa: S101 - just written
        return proposal

    async def set_proposal_message(self, proposal_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE mentor_proposals SET mentor_message_id = ? WHERE proposal_id = ?",
            (message_id, proposal_id),
        )

    async def proposal(self, proposal_id: int) -> Proposal | None:
        row = await self._db.fetch_one(
            f"SELECT {_PROPOSAL_COLUMNS} FROM {_PROPOSAL_FROM} WHERE p.proposal_id = ?", (proposal_id,)
        )
        return None if row is None else _proposal(row)

    async def pending_proposals(
        self, mentor_id: int | None = None, *, member_id: int | None = None
    ) -> list[Proposal]:
        """Open proposals, all of them or one mentor's or one member's, soonest deadline first."""
        filters = {"p.mentor_id": mentor_id, "r.member_id": member_id}
        chosen = {column: value for column, value in filters.items() if value is not None}
        where = "".join(f" AND {column} = ?" for column in chosen)
        rows = await self._db.fetch_all(
            f"SELECT {_PROPOSAL_COLUMNS} FROM {_PROPOSAL_FROM} WHERE p.status = 'pending'{where} "
            "ORDER BY p.expires_at, p.proposal_id",
            tuple(chosen.values()),
        )
        return [_proposal(row) for row in rows]

    async def close_proposal(self, proposal_id: int, status: str, now: datetime) -> Proposal | None:
        """Decline, expire or withdraw a pending proposal; None when it was no longer pending.

        A decline or an expiry also records the pair so it is never proposed again.
        """
        async with self._db.transaction() as tx:
            pending = await self._pending_for(tx, "p.proposal_id = ?", (proposal_id,))
            if not pending:
                return None
            await tx.execute(
                "UPDATE mentor_proposals SET status = ?, answered_at = COALESCE(answered_at, ?) "
                "WHERE proposal_id = ?",
                (status, to_db(now), proposal_id),
            )
            if status in (DECLINED, EXPIRED):
                await tx.execute(
                    "INSERT INTO mentor_declined_pairs (mentor_id, member_id, reason, at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (pending[0].mentor_id, pending[0].member_id, status, to_db(now)),
                )
        return pending[0]

    async def mentor_accept(
        self, proposal_id: int, now: datetime, member_deadline: datetime
    ) -> Proposal | None:
        """The mentor said yes: the proposal now waits on the member until *member_deadline*.

        None when the proposal was no longer waiting for the mentor (answered twice, expired,
        withdrawn).
        """
        result = await self._db.execute(
            "UPDATE mentor_proposals SET answered_at = ?, expires_at = ? "
            "WHERE proposal_id = ? AND status = 'pending' AND answered_at IS NULL",
            (to_db(now), to_db(member_deadline), proposal_id),
        )
        if result.rowcount != 1:
            return None
        return await self.proposal(proposal_id)

    async def accept(self, proposal_id: int, now: datetime) -> MatchRecord | None:
        """Both said yes (the member last): the proposal, the request and a new match change together.

        None when the proposal was not waiting for the member (pressed twice, expired, withdrawn,
        or the mentor has not accepted).
        """
        async with self._db.transaction() as tx:
            pending = await self._pending_for(
                tx, "p.proposal_id = ? AND p.answered_at IS NOT NULL", (proposal_id,)
            )
            if not pending:
                return None
            proposal = pending[0]
            stamp = to_db(now)
            await tx.execute(
                "UPDATE mentor_proposals SET status = 'accepted' WHERE proposal_id = ?", (proposal_id,)
            )
            await tx.execute(
                "UPDATE mentor_requests SET status = 'matched', closed_at = ? WHERE request_id = ?",
                (stamp, proposal.request_id),
            )
            match_id = await tx.fetch_value(
                """
                INSERT INTO mentor_matches (mentor_id, member_id, requested_at, started_at)
                SELECT ?, member_id, requested_at, ? FROM mentor_requests WHERE request_id = ?
                RETURNING match_id
                """,
                (proposal.mentor_id, stamp, proposal.request_id),
            )
        return await self.match(int(match_id or 0))

    async def _pending_for(self, tx: UnitOfWork, where: str, params: tuple[Any, ...]) -> list[Proposal]:
        rows = await tx.fetch_all(
            f"SELECT {_PROPOSAL_COLUMNS} FROM {_PROPOSAL_FROM} WHERE p.status = 'pending' AND {where}",
            params,
        )
        return [_proposal(row) for row in rows]

    # -- matches --

    async def match(self, match_id: int) -> MatchRecord | None:
        row = await self._db.fetch_one(
            f"SELECT {_MATCH_COLUMNS} FROM mentor_matches WHERE match_id = ?", (match_id,)
        )
        return None if row is None else _match(row)

    async def active_matches(self, user_id: int | None = None) -> list[MatchRecord]:
        """Active matches, all of them or those *user_id* is part of (either side)."""
        where, params = ("AND (mentor_id = ? OR member_id = ?)", (user_id, user_id)) if user_id else ("", ())
        rows = await self._db.fetch_all(
            f"SELECT {_MATCH_COLUMNS} FROM mentor_matches WHERE ended_at IS NULL {where} "
            "ORDER BY started_at, match_id",
            params,
        )
        return [_match(row) for row in rows]

    async def ended_matches(self, limit: int = 10) -> list[MatchRecord]:
        rows = await self._db.fetch_all(
            f"SELECT {_MATCH_COLUMNS} FROM mentor_matches WHERE ended_at IS NOT NULL "
            "ORDER BY ended_at DESC, match_id DESC LIMIT ?",
            (limit,),
        )
        return [_match(row) for row in rows]

    async def matches_started_since(self, since: datetime) -> list[MatchRecord]:
        rows = await self._db.fetch_all(
            f"SELECT {_MATCH_COLUMNS} FROM mentor_matches WHERE started_at >= ? ORDER BY started_at",
            (to_db(since),),
        )
        return [_match(row) for row in rows]

    async def end_match(self, match_id: int, ended_by: int, reason: str | None, now: datetime) -> bool:
        """End an active match; False when it had already ended."""
        result = await self._db.execute(
            "UPDATE mentor_matches SET ended_at = ?, ended_by = ?, end_reason = ? "
            "WHERE match_id = ? AND ended_at IS NULL",
            (to_db(now), ended_by, reason, match_id),
        )
        return result.rowcount == 1

    # -- personal data --

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything mentoring holds about one person, JSON-ready."""
        profile = await self._db.fetch_one(
            f"SELECT {_PROFILE_COLUMNS}, created_at, updated_at FROM mentor_profiles WHERE user_id = ?",
            (user_id,),
        )
        requests = await self._db.fetch_all(
            f"SELECT {_REQUEST_COLUMNS}, closed_at FROM mentor_requests WHERE member_id = ?", (user_id,)
        )
        proposals = await self._db.fetch_all(
            f"SELECT {_PROPOSAL_COLUMNS} FROM {_PROPOSAL_FROM} WHERE p.mentor_id = ? OR r.member_id = ?",
            (user_id, user_id),
        )
        matches = await self._db.fetch_all(
            f"SELECT {_MATCH_COLUMNS} FROM mentor_matches WHERE mentor_id = ? OR member_id = ?",
            (user_id, user_id),
        )
        declined = await self._db.fetch_all(
            "SELECT mentor_id, member_id, reason, at FROM mentor_declined_pairs "
            "WHERE mentor_id = ? OR member_id = ?",
            (user_id, user_id),
        )
        return {
            "mentor_profile": dict(profile) if profile else None,
            "mentor_requests": [dict(row) for row in requests],
            "mentor_proposals": [_own_proposal(dict(row), user_id) for row in proposals],
            "mentor_matches": [_own_match(dict(row), user_id) for row in matches],
            "declined_pairings": [_own_pair(dict(row), user_id) for row in declined],
        }

    async def erase(self, user_id: int) -> dict[str, int]:
        """Delete everything mentoring holds about one person; counts of what was deleted."""
        counts: dict[str, int] = {}
        statements = {
            "matches": (
                "DELETE FROM mentor_matches WHERE mentor_id = ? OR member_id = ?",
                (user_id, user_id),
            ),
            "proposals": ("DELETE FROM mentor_proposals WHERE mentor_id = ?", (user_id,)),
            "requests": ("DELETE FROM mentor_requests WHERE member_id = ?", (user_id,)),
            "profile": ("DELETE FROM mentor_profiles WHERE user_id = ?", (user_id,)),
            "declined": (
                "DELETE FROM mentor_declined_pairs WHERE mentor_id = ? OR member_id = ?",
                (user_id, user_id),
            ),
        }
        async with self._db.transaction() as tx:
            for name, (sql, params) in statements.items():
                counts[name] = (await tx.execute(sql, params)).rowcount
        return counts

    async def blank_end_reasons_before(self, cutoff: datetime) -> int:
        """Retention: forget why matches ended long ago (the fact that they ended stays)."""
        result = await self._db.execute(
            "UPDATE mentor_matches SET end_reason = NULL WHERE end_reason IS NOT NULL AND ended_at < ?",
            (to_db(cutoff),),
        )
        return result.rowcount


def _own_proposal(row: dict[str, Any], user_id: int) -> dict[str, Any]:
    """A proposal as its owner may see it: the other side's id is theirs, not this person's."""
    role = "mentor" if row["mentor_id"] == user_id else "member"
    kept = {k: v for k, v in row.items() if k not in ("mentor_id", "member_id", "mentor_message_id")}
    return {**kept, "your_role": role}


def _own_match(row: dict[str, Any], user_id: int) -> dict[str, Any]:
    role = "mentor" if row["mentor_id"] == user_id else "member"
    kept = {k: v for k, v in row.items() if k not in ("mentor_id", "member_id", "ended_by")}
    if row["ended_by"] != user_id:
        kept.pop("end_reason", None)  # the other side's private reason is not theirs to read
    return {**kept, "your_role": role, "ended_by_you": row["ended_by"] == user_id}


def _own_pair(row: dict[str, Any], user_id: int) -> dict[str, Any]:
    role = "mentor" if row["mentor_id"] == user_id else "member"
    return {"your_role": role, "reason": row["reason"], "at": row["at"]}
