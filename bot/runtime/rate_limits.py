"""Telegram's sending limits, as a pacer the outbox asks before every send.

Telegram allows about 30 messages a second overall, 20 a minute in one group, and about one a
second in one private chat; going faster earns 429 answers and, if repeated, longer bans.
python-telegram-bot's AIORateLimiter covers the first two but not the per-private-chat limit, and
it reacts to 429s rather than avoiding them.  This pacer keeps sliding windows of what was sent,
so the outbox can pick a message that may go now and never provoke a 429 in the first place.
Replies to people are not held back, but Telegram counts them too: the rate limiter notes each
one here (:meth:`Pacer.note`), so a fan-out that starts just after a reply leaves room for it.
Pure logic over a monotonic clock reading passed in; nothing here sleeps.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float


@dataclass(frozen=True)
class Limits:
    # A few percent of slack on each window absorbs the time a request spends in flight, so the
    # server, which counts arrivals, never sees more than the limit.
    overall: Window = Window(30, 1.03)
    group: Window = Window(20, 61.0)
    private: Window = Window(1, 1.03)


TELEGRAM_LIMITS = Limits()


def limits_for(group_messages_per_minute: int) -> Limits:
    """Telegram's limits with the deployment's per-group rate (GROUP_MESSAGES_PER_MINUTE): the one
    figure both the rate limiter (replies) and the pacer (queued sends) keep to."""
    return replace(TELEGRAM_LIMITS, group=Window(group_messages_per_minute, TELEGRAM_LIMITS.group.seconds))


# Telegram's published figures without our slack: what "as fast as Telegram allows" means.
NOMINAL_LIMITS = Limits(overall=Window(30, 1.0), group=Window(20, 60.0), private=Window(1, 1.0))
# Bot API methods that put a message in a chat: what Telegram's limits count.
MESSAGE_SENDS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAnimation",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)
SWEEP_EVERY = 1024  # replies between sweeps of idle chats out of the pacer
# True inside the outbox's delivery tasks: those sends are paced, and counted, by the outbox itself.
PACED_SEND: ContextVar[bool] = ContextVar("PACED_SEND", default=False)


@dataclass
class Pacer:
    limits: Limits = TELEGRAM_LIMITS
    _overall: deque[float] = field(default_factory=deque)
    _per_chat: dict[int, deque[float]] = field(default_factory=dict)
    _notes: int = 0
    _base: Limits | None = None  # the whole budget, before share()

    def _window_for(self, chat_id: int) -> Window:
        return self.limits.private if chat_id > 0 else self.limits.group

    @staticmethod
    def _wait(sent: deque[float], window: Window, now: float) -> float:
        while sent and sent[0] <= now - window.seconds:
            sent.popleft()
        if len(sent) < window.limit:
            return 0.0
        return sent[0] + window.seconds - now

    def share(self, processes: int) -> None:
        """Send only a 1/*processes* share of the overall budget: several processes send for
        one bot, and Telegram counts them together (per-chat windows stay whole)."""
        base = self._base or self.limits
        self._base = base
        limit = max(1, base.overall.limit // max(1, processes))
        self.limits = replace(base, overall=replace(base.overall, limit=limit))

    def delay(self, chat_id: int, now: float) -> float:
        """Seconds until a message to *chat_id* may go; 0.0 means now."""
        chat_wait = self._wait(self._per_chat.setdefault(chat_id, deque()), self._window_for(chat_id), now)
        return max(chat_wait, self._wait(self._overall, self.limits.overall, now))

    def record(self, chat_id: int, now: float) -> None:
        self._overall.append(now)
        self._per_chat.setdefault(chat_id, deque()).append(now)

    def seed(self, sends: list[tuple[int, float]]) -> None:
        """Count sends made before this pacer existed (by a process that stopped or died), given
        oldest first: Telegram's windows do not restart with us."""
        for chat_id, when in sends:
            self.record(chat_id, when)

    def seed_chat(self, chat_id: int, sends: list[float]) -> None:
        """Count sends another process made to *chat_id* (it held the chat before us) in that
        chat's window only: Telegram counts a group's minute across all our processes.  Not in
        the overall window: each process already keeps to its own share of that (:meth:`share`)."""
        sent = self._per_chat.setdefault(chat_id, deque())
        merged = sorted([*sent, *sends])  # the windows expect oldest first
        sent.clear()
        sent.extend(merged)

    def note(self, chat_id: int, now: float) -> None:
        """A message went out around the outbox (a reply to someone) and was answered at *now*.

        Replies are never held back, but they spend the same budget: counting them lets the
        outbox leave room for them instead of earning a 429 for a reminder sent just after.  The
        outbox may be idle for hours, so this keeps the windows trimmed itself."""
        self.record(chat_id, now)
        self._wait(self._overall, self.limits.overall, now)
        self._notes += 1
        if self._notes % SWEEP_EVERY == 0:
            self.forget_idle(now)

    def settle(self, chat_id: int, launched: float, now: float) -> None:
        """The send recorded at *launched* has been answered: count it from *now* instead.

        Telegram counts a message when it arrives, somewhere between launch and answer.  Launch
        times alone let a window open while an earlier message is still on its way (a loaded
        event loop delays some requests more than others), so two arrivals can fall inside one
        window and earn a 429.  Counting from the answer is safe however long the call took, and
        costs only one round trip per window."""
        for sent in (self._overall, self._per_chat.setdefault(chat_id, deque())):
            with suppress(ValueError):  # already left the window
                sent.remove(launched)
            sent.append(now)  # every other entry is no later than now, so order is kept

    def forget_idle(self, now: float) -> None:
        """Drop chats whose windows are empty, so memory stays flat over a long run."""
        for chat_id in [c for c, sent in self._per_chat.items() if not sent or sent[-1] <= now - 61.0]:
            del self._per_chat[chat_id]


def minimum_seconds(chat_ids: list[int], limits: Limits = NOMINAL_LIMITS) -> float:
    """The least time Telegram's limits allow for one message per entry of *chat_ids*, sent as
    sliding windows permit (a full window at once, the next when the first leaves it).
    Benchmarks compare the outbox against this."""

    def windows(count: int, window: Window) -> float:
        return max(0, math.ceil(count / window.limit) - 1) * window.seconds

    per_chat = Counter(chat_ids)
    slowest_chat = max(
        (windows(n, limits.private if chat > 0 else limits.group) for chat, n in per_chat.items()),
        default=0.0,
    )
    return max(windows(len(chat_ids), limits.overall), slowest_chat)
