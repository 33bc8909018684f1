"""The outbox worker: delivers queued messages at Telegram's pace, exactly once where possible.

Reminders, broadcasts and digests are rows in the ``outbox`` table (see ``storage/outbox.py``).
One worker task per process claims due rows, marks each ``sending`` before the HTTP call and
``sent`` after it, so after a crash only the rows whose call was in flight go again: the single
case where a message may repeat, since Telegram gives bots no idempotency key.

Several processes (PostgreSQL) share the table: each claims due rows under its own name with a
lease it renews at every beat of :mod:`bot.runtime.leadership`.  When a process dies (its lock
is gone) or hangs (its leases lapse) the others take its rows back within a beat, resending only
those it left ``sending``.  Telegram's per-chat windows (a group's 20 a minute) are the bot's, so
a chat is sent to by one process at a time: a process holding claims on a chat keeps it (the
storage leaves its rows to it), and a process that takes a chat over, from one that finished
with it or died, first counts the chat's sends of the last minute in its own window.  Replies
go around the outbox and are only noted in this process's pacer, as before.

Failures: a 429 waits ``retry_after``; network errors and 5xx answers retry with backoff up to
``MAX_ATTEMPTS``; 403 (blocked, kicked) marks the recipient unreachable and never retries; other
400s are final.  Features learn when a batch (say, one broadcast) has nothing left in flight
through :meth:`Outbox.on_batch_done`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.domain.clock import Clock
from bot.runtime.leadership import LEASE, Leadership, wall_ms
from bot.runtime.logs import log_id
from bot.runtime.rate_limits import PACED_SEND, Pacer
from storage.outbox import OPEN, Delivery, OutboxRepository, QueuedDelivery, Sent, Status
from storage.people import PeopleRepository

__all__ = ["Delivery", "Outbox"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_IN_FLIGHT = 16  # concurrent HTTP calls; real Telegram answers in ~100 ms, so pacing needs overlap
BATCH = 200  # due rows read per pass
IDLE_CHECK = 60.0  # seconds between looks at the table when nothing is due

BatchDone = Callable[[str, dict[str, int]], Awaitable[None]]
Unreachable = Callable[[int], Awaitable[None]]


# Telegram's longest window (a group's minute), and a second to spare.
RECENT = timedelta(seconds=61)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2**attempts))


class Outbox:
    def __init__(
        self,
        repository: OutboxRepository,
        people: PeopleRepository,
        bot: Bot,
        clock: Clock,
        *,
        pacer: Pacer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        leadership: Leadership | None = None,
    ) -> None:
        self._repo = repository
        self._people = people
        self._bot = bot
        self._clock = clock
        self._pacer = pacer or Pacer()  # shared with the rate limiter, which counts replies in it
        self._monotonic = monotonic
        self._leadership = leadership or Leadership(None)  # our name; who else is alive
        self._wakeup = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._task: asyncio.Task[None] | None = None
        self._batch_done: list[tuple[str, BatchDone]] = []
        self._unreachable: list[Unreachable] = []
        self._finished_batches: set[str] = set()
        self._holding: Counter[int] = Counter()  # chat -> our sends under way (rows 'sending')
        self._counted: dict[int, float] = {}  # sent rows in the pacer's windows -> when counted
        clock.on_change(self.wake)

    # -- what features call -----------------------------------------------------------------------

    async def enqueue(self, deliveries: Iterable[Delivery]) -> int:
        """Queue deliveries (idempotent on their keys) and wake the worker."""
        added = await self._repo.enqueue(deliveries, self._clock.now())
        if added:
            self.wake()
        return added

    async def cancel_pending(self, key_prefix: str) -> int:
        return await self._repo.cancel_pending(key_prefix, self._clock.now())

    async def cancel_for_chat(self, chat_id: int) -> int:
        """Drop what is still queued for one chat (someone who asked to be forgotten)."""
        return await self._repo.cancel_for_chat(chat_id, self._clock.now())

    async def counts(self, batch: str) -> dict[str, int]:
        return await self._repo.counts(batch)

    def on_batch_done(self, prefix: str, callback: BatchDone) -> None:
        """Call *callback(batch, counts)* when a batch starting with *prefix* has nothing open.

        Called at most once per batch in a process; after a restart it may be called again for a
        batch that finished just before, so listeners keep their own durable "reported" flag."""
        self._batch_done.append((prefix, callback))

    def on_unreachable(self, callback: Unreachable) -> None:
        """Call *callback(chat_id)* when Telegram says a chat can no longer be written to."""
        self._unreachable.append(callback)

    def wake(self) -> None:
        self._wakeup.set()

    # -- the worker -------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._count_recent_sends()
        await self._recover()
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def _recover(self) -> None:
        """Take back the claims of dead processes: alone (SQLite), all of them at start-up; shared,
        those of processes not alive now, or whose lease lapsed.  Rows left 'sending' go again:
        the outcome was unknown."""
        if self._leadership.shared:
            live = await self._leadership.alive()
            recovered = await self._repo.recover_interrupted(self._clock.now(), wall_ms(), live)
        else:
            recovered = await self._repo.recover_interrupted(self._clock.now())
        if recovered:
            log.warning("Resending %d messages whose delivery was interrupted", recovered)
        if self._leadership.shared:
            self.wake()  # a dead process's rows may be free now: look (one query a beat)

    async def heartbeat(self) -> None:
        """Every beat (several processes only): keep our claims, take back lapsed ones."""
        await self._repo.renew(self._leadership.name, wall_ms() + int(LEASE * 1000))
        await self._recover()

    async def _count_recent_sends(self) -> None:
        """A restart must not burst into windows the last process filled (a 429 otherwise)."""
        now, mono = self._clock.now(), self._monotonic()
        recent = await self._repo.recent_sends(now - RECENT)
        self._pacer.seed([(sent.chat_id, self._when(sent, now, mono)) for sent in recent])
        self._counted.update((sent.id, mono) for sent in recent)

    async def _take_chats(self, rows: list[QueuedDelivery]) -> None:
        """Before sending to the chats of just-claimed rows, count what other processes sent
        each in the last minute, unless we held it all along (a send of ours still under way).

        The storage gives a chat to one process at a time, but not forever: once the holder has
        settled its rows (or died), the next rows may go to another process, mid-minute.  Our
        own sends are in our pacer already, and a send counted once is not counted again."""
        taken = {row.delivery.chat_id for row in rows if not self._holding[row.delivery.chat_id]}
        if not taken or not self._leadership.shared:
            return  # alone (SQLite), every send to every chat is in our pacer
        now, mono = self._clock.now(), self._monotonic()
        recent = await self._repo.recent_sends(now - RECENT, taken, not_by=self._leadership.name)
        by_chat: dict[int, list[float]] = {}
        for sent in recent:
            if sent.id not in self._counted:
                self._counted[sent.id] = mono
                by_chat.setdefault(sent.chat_id, []).append(self._when(sent, now, mono))
        for chat_id, sends in by_chat.items():
            self._pacer.seed_chat(chat_id, sends)

    @staticmethod
    def _when(sent: Sent, now: datetime, mono: float) -> float:
        """A send's time on our monotonic clock (never in the future)."""
        return mono - max(0.0, (now - sent.at).total_seconds())

    def _release(self, chat_id: int) -> None:
        """A send of ours to *chat_id* is settled (sent, given up, or put back to wait)."""
        self._holding[chat_id] -= 1
        if self._holding[chat_id] <= 0:
            del self._holding[chat_id]

    def _forget_counted(self, mono: float) -> None:
        """Sends counted over a minute ago have left every window: keep memory flat.  Entries are
        added in the order they were counted, so the oldest come first and the loop stops early."""
        expired = mono - RECENT.total_seconds()
        while self._counted:
            row_id, counted = next(iter(self._counted.items()))
            if counted > expired:
                return
            del self._counted[row_id]

    async def stop(self) -> None:
        """Stop taking new rows and let calls in flight finish, so they are settled, not left 'sending'."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=10)

    async def _run(self) -> None:
        while True:
            try:
                await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Outbox pass failed; retrying shortly")
                await asyncio.sleep(1.0)

    def _batch(self) -> int:
        """Rows to claim at once: alone, a big batch; shared, about a second of this process's
        share of the budget, so the rows are spread over the processes and few wait in a claim."""
        if not self._leadership.shared:
            return BATCH
        return min(BATCH, 2 * self._pacer.limits.overall.limit)

    async def _pass(self) -> None:
        batch = self._batch()
        due = await self._repo.claim_due(
            self._clock.now(), batch, self._leadership.name, wall_ms(), int(LEASE * 1000)
        )
        if not due:
            await self._sleep_until_due()
            return
        await self._take_chats(due)
        waiting: list[QueuedDelivery] = due
        while waiting:
            waiting, shortest = await self._launch_allowed(waiting)
            if waiting:
                await self._sleep(shortest)
        if len(due) == batch:
            return
        await self._sleep_until_due()

    async def _launch_allowed(self, rows: list[QueuedDelivery]) -> tuple[list[QueuedDelivery], float]:
        """Start every row the pacer allows now; return the rest and the shortest wait among them."""
        still: list[QueuedDelivery] = []
        shortest = float("inf")
        for row in rows:
            now = self._monotonic()
            wait = self._pacer.delay(row.delivery.chat_id, now)
            if wait > 0:
                still.append(row)
                shortest = min(shortest, wait)
                continue
            await self._slots.acquire()
            launched = self._monotonic()
            if not await self._mark_sending(row):
                self._slots.release()
                continue
            self._pacer.record(row.delivery.chat_id, launched)
            self._holding[row.delivery.chat_id] += 1  # until _deliver settles it
            task = asyncio.create_task(self._deliver(row, launched))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        self._pacer.forget_idle(self._monotonic())
        self._forget_counted(self._monotonic())
        return still, shortest

    async def _mark_sending(self, row: QueuedDelivery) -> bool:
        """Mark *row* 'sending' if it is still ours.  A claim held while the pacer made the row
        wait may have lapsed (this process hung) and the row gone to another process, which may
        have sent it: then it is neither sent nor counted here."""
        name = self._leadership.name
        if await self._repo.mark_sending(row.id, name, self._clock.now(), wall_ms() + int(LEASE * 1000)):
            return True
        log.warning("An outbox claim lapsed before its send; another process has the message now")
        return False

    async def _sleep(self, seconds: float) -> None:
        """Sleep until *seconds* pass or someone calls :meth:`wake`, whichever is first."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.001, seconds)):
                await self._wakeup.wait()
        self._wakeup.clear()

    async def _sleep_until_due(self) -> None:
        next_time = await self._repo.next_due_time(self._leadership.name, wall_ms())
        delay = IDLE_CHECK
        if next_time is not None:
            delay = min(IDLE_CHECK, max(0.0, (next_time - self._clock.now()).total_seconds()))
        if delay > 0:
            await self._sleep(delay)

    async def _deliver(self, row: QueuedDelivery, launched: float) -> None:
        PACED_SEND.set(True)  # this task's own context: the rate limiter leaves counting to us
        try:
            try:
                message = await self._send(row.delivery)
            finally:
                self._pacer.settle(row.delivery.chat_id, launched, self._monotonic())
        except RetryAfter as error:
            retry = timedelta(
                seconds=float(
                    error.retry_after
                    if isinstance(error.retry_after, int | float)
                    else error.retry_after.total_seconds()
                )
            )
            await self._retry(row, self._clock.now() + retry, "RetryAfter")
        except Forbidden as error:
            await self._settle(row, Status.UNREACHABLE, f"Forbidden: {error.message}")
            for callback in self._unreachable:
                await callback(row.delivery.chat_id)
            if row.delivery.chat_id > 0:
                await self._people.mark_unreachable(row.delivery.chat_id, self._clock.now())
        except BadRequest as error:
            log.warning(
                "Telegram refused a %s for %s: %s",
                row.delivery.kind,
                log_id(row.delivery.chat_id),
                error.message,
            )
            await self._settle(row, Status.FAILED, f"BadRequest: {error.message}")
        except (NetworkError, TelegramError) as error:  # timeouts and 5xx: try again later
            await self._retry(row, self._clock.now() + backoff(row.attempts + 1), type(error).__name__)
        except Exception as error:
            log.exception("Unexpected error delivering a %s", row.delivery.kind)
            await self._settle(row, Status.FAILED, type(error).__name__)
        else:
            await self._repo.mark_sent(row.id, message.message_id, self._clock.now())
            await self._check_batch(row)
        finally:
            self._release(row.delivery.chat_id)
            self._slots.release()

    async def _send(self, delivery: Delivery) -> Message:
        markup = (
            InlineKeyboardMarkup.de_json(delivery.reply_markup, self._bot) if delivery.reply_markup else None
        )
        if delivery.photo:
            return await self._bot.send_photo(
                delivery.chat_id, delivery.photo, caption=delivery.text, reply_markup=markup
            )
        if delivery.document:
            return await self._bot.send_document(
                delivery.chat_id, delivery.document, caption=delivery.text, reply_markup=markup
            )
        return await self._bot.send_message(delivery.chat_id, delivery.text, reply_markup=markup)

    async def _retry(self, row: QueuedDelivery, when: datetime, error: str) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await self._settle(row, Status.FAILED, f"gave up after {row.attempts + 1} attempts: {error}")
            return
        await self._repo.retry_later(row.id, when, error, self._clock.now())
        self.wake()

    async def _settle(self, row: QueuedDelivery, status: Status, error: str) -> None:
        await self._repo.mark_final(row.id, status, error, self._clock.now())
        await self._check_batch(row)

    async def _check_batch(self, row: QueuedDelivery) -> None:
        batch = row.delivery.batch
        if not batch:
            return
        listeners = [cb for prefix, cb in self._batch_done if batch.startswith(prefix)]
        if not listeners:
            return
        counts = await self._repo.counts(batch)
        if any(counts.get(status, 0) for status in OPEN) or batch in self._finished_batches:
            return
        self._finished_batches.add(batch)
        for callback in listeners:
            try:
                await callback(batch, counts)
            except Exception:
                log.exception("A batch-done listener failed")
