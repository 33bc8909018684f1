"""Run coroutines at instants of the injected clock, on python-telegram-bot's JobQueue (APScheduler).

Jobs here are derived state: every feature rebuilds its jobs from the database at start-up
(``on_startup``), so nothing a user was promised lives only in memory.  Each job has a
deterministic name such as ``reminder:42``; planning a name again replaces the old job.

Two deliberate choices:

* APScheduler's default misfire grace of one second silently drops a job that runs late (a
  busy loop, a suspended laptop).  We set no grace at all: a late job still runs, and the feature
  decides what lateness means (a reminder for a meeting that has already started is skipped).
* With several processes on one database, a job runs only in the process that leads
  (bot/runtime/leadership.py); the others keep their jobs planned, ready to take over, but
  only for :data:`STANDBY_GRACE` past their due time: by then the leader has run them.
* Due instants are instants of :class:`~bot.domain.clock.Clock`, which tests move by hand.  A job is
  handed to APScheduler as "in N real seconds", and every job is re-planned whenever the clock
  jumps, so moving a test clock past a due time runs the job at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError

from bot.domain.clock import Clock
from bot.runtime.context import KindredContext, KindredJobQueue
from bot.runtime.leadership import Leadership

log = logging.getLogger(__name__)

Action = Callable[[], Awaitable[None]]

JOB_OPTIONS = {
    "misfire_grace_time": None,  # never drop a late job; see the module docstring
    "coalesce": True,
    "replace_existing": True,
}


# How long a standby process keeps a job that came due: a leader that dies is taken over within
# a beat, and the jobs due meanwhile run then; older ones the leader ran (or a replan re-derives).
STANDBY_GRACE = timedelta(minutes=1)


class Scheduler:
    def __init__(
        self, job_queue: KindredJobQueue, clock: Clock, leadership: Leadership | None = None
    ) -> None:
        self._jobs = job_queue
        self._clock = clock
        self._leadership = leadership  # several processes: jobs run only where it leads
        self._planned: dict[str, tuple[datetime, Action]] = {}
        clock.on_change(self._replan_all)

    def at(self, name: str, when: datetime, action: Action) -> None:
        """Run *action* at *when* (clock time), replacing any job of the same name."""
        self._planned[name] = (when, action)
        self._submit(name, when)
        if self._leadership is not None:
            self._leadership.changed()

    def run_overdue(self) -> None:
        """This process took the scheduled work over: what came due meanwhile runs now."""
        self._replan_all()

    async def forget_run_elsewhere(self) -> None:
        """On a standby process (at each beat): forget the jobs that came due over
        :data:`STANDBY_GRACE` ago.  The leader ran them; kept, they would all run again here the
        day this process takes over, however long ago they were done."""
        if self._leadership is None or self._leadership.leader:
            return
        cutoff = self._clock.now() - STANDBY_GRACE
        for name, (when, _) in list(self._planned.items()):
            if when < cutoff:
                self.cancel(name)

    def cancel(self, name: str) -> None:
        self._planned.pop(name, None)
        with suppress(JobLookupError):
            self._jobs.scheduler.remove_job(name)

    def planned(self, prefix: str = "") -> dict[str, datetime]:
        """Names and due instants of the jobs waiting to run; for tests and diagnostics."""
        return {name: when for name, (when, _) in self._planned.items() if name.startswith(prefix)}

    def _submit(self, name: str, when: datetime) -> None:
        delay = max(0.0, (when - self._clock.now()).total_seconds())
        self._jobs.run_once(
            self._run, when=delay, name=name, data=name, job_kwargs={"id": name, **JOB_OPTIONS}
        )

    def _replan_all(self) -> None:
        for name, (when, _) in list(self._planned.items()):
            self._submit(name, when)

    async def _run(self, context: KindredContext) -> None:
        name = context.job.data if context.job else None
        planned = self._planned.get(str(name))
        if planned is None:
            return
        when, action = planned
        if when > self._clock.now():  # the clock moved back; wait for it
            self._submit(str(name), when)
            return
        if self._leadership is not None and not self._leadership.leader:
            return  # another process runs it; kept, in case this one takes over (run_overdue)
        del self._planned[str(name)]
        try:
            await action()
        except Exception:
            log.exception("Scheduled job %s failed", name)
