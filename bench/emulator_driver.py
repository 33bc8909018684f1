"""The load generator: a process that hosts the emulator, injects updates and times the replies.

Started by the benchmarks as its own process (``python -m bench.emulator_driver``), so the bot
under test and the Telegram it talks to never share an interpreter, as in production.  It talks
to its parent in JSON lines: it prints ``{"url": ...}`` once the emulator listens, then answers
each request line read from stdin (``{"op": ..., ...}``) with one ``{"result": ...}`` line.

A reply is attributed to the update that caused it by chat, in order: a message update expects
as many ``sendMessage`` calls to its chat as the calibration found (``calibrate``), and a button
press is answered by the ``answerCallbackQuery`` naming its query id.  Time is
``time.monotonic()``, which on Linux is one clock for every process, so the parent can compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bench.proc import cpu_seconds, percentile
from emulator import Button, Emulator, GroupChat, Person, SentMessage

Handler = Callable[..., Awaitable[dict[str, Any]]]
QUIET = 0.3  # seconds without a bot request that mean "the bot has finished"


@dataclass
class Pending:
    """One injected update waiting for its reply."""

    sent: float
    replies_left: int
    first_reply: float | None = None


@dataclass
class Tracker:
    """Attributes the bot's requests to the updates that caused them."""

    by_chat: dict[int, deque[Pending]] = field(default_factory=dict)
    open_count: int = 0
    last_call: float = 0.0
    calls: int = 0
    sends: dict[int, int] = field(default_factory=dict)  # sendMessage calls per chat
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def expect(self, chat_id: int, replies: int) -> Pending:
        pending = Pending(time.monotonic(), replies)
        if replies:
            self.by_chat.setdefault(chat_id, deque()).append(pending)
            self.open_count += 1
        return pending

    def on_call(self, method: str, chat_id: int | None, ok: bool) -> None:
        now = time.monotonic()
        self.last_call, self.calls = now, self.calls + 1
        if method != "sendMessage" or chat_id is None or not ok:
            return
        self.sends[chat_id] = self.sends.get(chat_id, 0) + 1
        queue = self.by_chat.get(chat_id)
        if not queue:
            return
        head = queue[0]
        head.first_reply = head.first_reply or now
        head.replies_left -= 1
        if head.replies_left == 0:
            queue.popleft()
            self.open_count -= 1
            self.changed.set()


class MeasuredEmulator(Emulator):
    """The emulator, telling the tracker about every request the bot makes but getUpdates."""

    tracker: Tracker

    async def dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any] | str]:
        status, body = await super().dispatch(method, params)
        name = self.schema.canonical(method) or method
        if name != "getUpdates":
            chat_id = params.get("chat_id")
            try:
                chat = int(chat_id) if chat_id is not None else None
            except (TypeError, ValueError):
                chat = None
            self.tracker.on_call(name, chat, status == 200)
        return status, body


@dataclass
class Batch:
    """The updates of one measured phase."""

    started: float
    ended: float = 0.0
    messages: list[Pending] = field(default_factory=list)
    presses: list[asyncio.Task[None]] = field(default_factory=list)
    press_latencies: list[float] = field(default_factory=list)
    unanswered: int = 0

    def latencies(self) -> list[float]:
        replied = [p.first_reply - p.sent for p in self.messages if p.first_reply is not None]
        return replied + self.press_latencies


@dataclass(frozen=True)
class Action:
    """One update: a text typed in private, or a press (callback data) on a bot message."""

    name: str
    text: str | None = None
    press: str | None = None


# What people do, by name in the mix: one update, or a sequence that makes sense only whole (a
# conversation's steps).  Presses go on the person's setup message: only the callback data counts.
SEQUENCES: dict[str, tuple[Action, ...]] = {
    "help": (Action("help", "/help"),),
    "start": (Action("start", "/start"),),
    "language": (Action("language", "/language"),),
    "press": (Action("press", press="lang:me:{code}"),),
    "mentor": (Action("mentor", "/mentor"), Action("cancel", "/cancel")),
    "checkin": (
        Action("checkin", "/checkin"),
        Action("checkin-mood", press="ck:mood:4"),
        Action("checkin-craving", press="ck:craving:2"),
        Action("checkin-skip-note", press="ck:skip:0"),
        Action("checkin-keep-private", press="ck:share:0"),  # asked only of people in a group
    ),
    "meetings": (Action("meetings", "/meetings"),),
    "rsvp": (Action("rsvp", press="{rsvp}:{answer}"),),
}


class Driver:
    def __init__(self, emu: MeasuredEmulator, seed: int) -> None:
        self.emu = emu
        self.tracker = emu.tracker
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.keyboards: dict[int, SentMessage] = {}
        self.replies: dict[str, int] = {}
        self.flips: dict[tuple[int, str], int] = {}
        self.press_data: dict[int, dict[str, str]] = {}
        self.press_timeout = 120.0

    # -- updates --------------------------------------------------------------------------------

    async def inject(self, person: Person, action: Action, batch: Batch) -> None:
        """Queue one update.  Its sendMessage calls are expected in its chat, in order; a press is
        timed by its answerCallbackQuery."""
        pending = self.tracker.expect(person.id, self.replies.get(action.name, 0 if action.press else 1))
        if action.text is not None:
            batch.messages.append(pending)
            await person.send(action.text)
            return
        # Alternate the answer so that each press really changes something (an identical edit
        # is refused by Telegram).
        key = (person.id, action.name)
        flip = self.flips[key] = self.flips.get(key, 0) + 1
        fields = {"code": "es" if flip % 2 else "en", "answer": "gmn"[flip % 3]}
        data = (action.press or "").format(**fields, **self.press_data.get(person.id, {}))
        self.tracker.open_count += 1
        batch.presses.append(asyncio.create_task(self._press(person, data, time.monotonic(), batch)))
        await asyncio.sleep(0)  # let the press queue its update now, in order with the others

    async def _press(self, person: Person, data: str, sent: float, batch: Batch) -> None:
        answer = await self.emu.press(
            person, self.keyboards[person.id], Button("x", data), self.press_timeout
        )
        if answer is not None:
            batch.press_latencies.append(time.monotonic() - sent)
        else:
            batch.unanswered += 1
        self.tracker.open_count -= 1
        self.tracker.changed.set()

    async def wait_done(self, timeout: float) -> float:  # noqa: ASYNC109
        """Wait until every update has its replies and the bot has gone quiet; the last call's time."""
        deadline = time.monotonic() + timeout
        while self.tracker.open_count > 0:
            self.tracker.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.tracker.open_count} updates still had no reply")
            try:
                await asyncio.wait_for(self.tracker.changed.wait(), min(remaining, 1.0))
            except TimeoutError:
                continue
        while time.monotonic() - self.tracker.last_call < QUIET:  # noqa: ASYNC110 - waits for silence
            await asyncio.sleep(QUIET / 3)
        return self.tracker.last_call

    # -- operations ---------------------------------------------------------------------------------

    async def op_people(self, count: int, group_size: int = 0, **_: Any) -> dict[str, Any]:
        """Create people (no update yet); with *group_size*, also groups of that many of them,
        which the bot is in (as if it had been added long ago)."""
        start = len(self.people)
        fresh = [self.emu.add_user(f"Member{i}", username=f"member{i}") for i in range(start, start + count)]
        self.people += fresh
        groups: dict[str, list[int]] = {}
        for first in range(0, count if group_size else 0, group_size or 1):
            group: GroupChat = self.emu.add_group(f"Circle {len(self.emu.groups) + 1}")
            group.bot_status = "member"
            members = fresh[first : first + group_size]
            for person in members:
                group.status[person.id] = "member"
            groups[str(group.id)] = [person.id for person in members]
        return {"people": [person.id for person in fresh], "groups": groups}

    async def op_press_data(self, data: dict[str, dict[str, str]], **_: Any) -> dict[str, Any]:
        """Per person, the values press templates use (e.g. their meeting's RSVP prefix)."""
        self.press_data.update({int(key): value for key, value in data.items()})
        return {"people": len(data)}

    async def op_contact(self, **_: Any) -> dict[str, Any]:
        """Each person without one yet sends /language (their first contact) and keeps the keyboard."""
        semaphore = asyncio.Semaphore(50)

        async def first_contact(person: Person) -> None:
            async with semaphore:
                self.tracker.expect(person.id, 0)
                await person.send("/language")
                self.keyboards[person.id] = await person.next_message(timeout=120)

        await asyncio.gather(*(first_contact(p) for p in self.people if p.id not in self.keyboards))
        await self.wait_done(30)
        return {"people": len(self.people)}

    async def op_calibrate(self, actions: list[str], **_: Any) -> dict[str, Any]:
        """Run each action once for a fresh person and count the sendMessage calls it causes."""
        person = self.people[-1]  # someone real: in a group, with a meeting, known to the bot
        self.press_timeout = 10.0
        for name in actions:
            for action in SEQUENCES[name]:
                before_sends, before_calls = self.tracker.sends.get(person.id, 0), self.tracker.calls
                self.replies[action.name] = 0
                batch = Batch(started=time.monotonic())
                await self.inject(person, action, batch)
                await asyncio.gather(*batch.presses)
                if batch.unanswered:
                    raise RuntimeError(f"the bot did not answer the press {action.name!r}")
                deadline = time.monotonic() + 10
                while self.tracker.calls == before_calls and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                await self.wait_done(10)
                self.replies[action.name] = self.tracker.sends.get(person.id, 0) - before_sends
        self.press_timeout = 120.0
        return {"replies": self.replies}

    def plan(self, count: int, mix: dict[str, float]) -> list[tuple[Person, Action]]:
        """*count* updates, people taken in turn, actions drawn by weight (sequences kept whole)."""
        names, weights = list(mix), list(mix.values())
        planned: list[tuple[Person, Action]] = []
        turn = 0
        while len(planned) < count:
            person = self.people[turn % len(self.people)]
            turn += 1
            planned += [(person, step) for step in SEQUENCES[self.rng.choices(names, weights)[0]]]
        return planned[:count]

    async def run_batch(self, planned: list[tuple[Person, Action]], rate: float | None = None) -> Batch:
        """Inject *planned* at once (or at *rate* per second) and wait for every reply."""
        batch = Batch(started=time.monotonic())
        for index, (person, action) in enumerate(planned):
            if rate:
                delay = batch.started + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await self.inject(person, action, batch)
        batch.ended = await self.wait_done(300)
        await asyncio.gather(*batch.presses)
        return batch

    async def op_flood(self, pid: int, count: int, mix: dict[str, float], **_: Any) -> dict[str, Any]:
        """Every update queued at once; the bot drains them as fast as it can."""
        return await self._measure(pid, self.plan(count, mix), None)

    async def op_paced(
        self, pid: int, count: int, rate: float, mix: dict[str, float], **_: Any
    ) -> dict[str, Any]:
        """Updates at a steady *rate* per second: the latency a person feels on an ordinary day."""
        return await self._measure(pid, self.plan(count, mix), rate)

    async def _measure(
        self, pid: int, planned: list[tuple[Person, Action]], rate: float | None
    ) -> dict[str, Any]:
        cpu0, own0, calls0 = cpu_seconds(pid), cpu_seconds(None), self.tracker.calls
        batch = await self.run_batch(planned, rate)
        seconds = batch.ended - batch.started
        cpu = cpu_seconds(pid) - cpu0
        calls = self.tracker.calls - calls0
        latencies = batch.latencies()
        return {
            "updates": len(planned),
            "seconds": round(seconds, 3),
            "updates_per_s": round(len(planned) / seconds, 1),
            "cpu_ms_per_update": round(1000 * cpu / len(planned), 3),
            "calls_per_update": round(calls / len(planned), 3),  # Bot API requests but getUpdates
            "cpu_ms_per_call": round(1000 * cpu / calls, 3) if calls else None,
            "emulator_cpu_ms_per_update": round(1000 * (cpu_seconds(None) - own0) / len(planned), 3),
            "p50_ms": round(1000 * percentile(latencies, 50), 2),
            "p95_ms": round(1000 * percentile(latencies, 95), 2),
            "p99_ms": round(1000 * percentile(latencies, 99), 2),
            "replies_timed": len(latencies),
            "presses_unanswered": batch.unanswered,
            "rejections": len(self.emu.rejections),
        }

    async def op_probe(self, timeout: float = 60.0, **_: Any) -> dict[str, Any]:  # noqa: ASYNC109
        """One person sends /help; when did the first answer arrive (monotonic seconds)?"""
        person = self.emu.add_user("Probe", username=f"probe{len(self.emu.users)}")
        await person.send("/help")
        await person.next_message(timeout=timeout)
        return {"answered_at": time.monotonic()}

    async def op_groups(self, count: int, **_: Any) -> dict[str, Any]:
        """*count* groups the bot is already in (no updates: the bot learned of them long ago)."""
        owner = self.emu.add_user("Facilitator", username="facilitator")
        ids = []
        for index in range(count):
            group: GroupChat = self.emu.add_group(f"Circle {index}")
            group.status[owner.id] = "creator"
            group.bot_status = "member"
            ids.append(group.id)
        return {"group_ids": ids, "owner_id": owner.id}

    async def op_wait_sends(self, chat_ids: list[int], timeout: float, **_: Any) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until each chat got a message; when the first and last arrived, and the 429s served."""
        wanted = set(chat_ids)
        deadline = time.monotonic() + timeout
        first: float | None = None
        while True:
            got = sum(1 for chat in wanted if self.tracker.sends.get(chat, 0) > 0)
            if got and first is None:
                first = time.monotonic()
            if got == len(wanted) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
        return {
            "delivered": got,
            "first_at": first,
            "last_at": self.tracker.last_call,
            "too_many_requests": sum(1 for f in self.emu.faults_served if f.error_code == 429),
            "rejections": len(self.emu.rejections),
        }

    async def op_webhook(self, public: str, backends: list[str], **_: Any) -> dict[str, Any]:
        """Play the load balancer: a webhook set on *public* is delivered to *backends* in turn."""
        self.emu.route_webhook(public, backends)
        return {}

    async def op_stats(self, **_: Any) -> dict[str, Any]:
        return {"calls": self.tracker.calls, "rejections": [str(r) for r in self.emu.rejections[:5]]}


async def serve(token: str, rate_limits: bool, seed: int) -> None:
    emu = MeasuredEmulator(token=token, bot_username="KindredBenchBot")
    emu.tracker = Tracker()
    emu.faults.rate_limits = rate_limits
    await emu.start()
    driver = Driver(emu, seed)
    print(json.dumps({"url": emu.url}), flush=True)
    while line := await asyncio.to_thread(sys.stdin.readline):
        request = json.loads(line)
        handler: Handler = getattr(driver, f"op_{request.pop('op')}")
        result: dict[str, dict[str, Any] | str]
        try:
            result = {"result": await handler(**request)}
        except Exception as error:  # the parent reports it; the driver keeps serving
            result = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(result), flush=True)
    await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate-limits", action="store_true")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    asyncio.run(serve(args.token, args.rate_limits, args.seed))


if __name__ == "__main__":
    main()
