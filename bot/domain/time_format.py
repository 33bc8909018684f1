"""The one way a time is shown to people: ``Tue 1 Dec 2026, 19:00 (Europe/Madrid)``.

Every message, button and letter that shows a time goes through these functions, so a member
never reads "7:00 PM" in one place and "19:00 (Europe/Madrid)" in another.  The rules:

* a 24-hour clock (unambiguous in both our languages, and what the one-line form reads back);
* always the IANA zone's name: members of one group can live in several zones, and a meeting
  keeps the zone it was scheduled in even after ``/settz``;
* an instant is shown as the wall clock *really* reads then in that zone, so a start planned in a
  spring-forward gap (02:30, which does not exist) shows as the 03:30 it really is.

Plain text: IANA names are letters, digits and ``/_+-``, and Babel's day and month names hold no
HTML, so callers may put the result into HTML as it is.  No Telegram here (``/proof`` PDFs use
it too).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time

if TYPE_CHECKING:
    from bot.domain.i18n import Translator

DATE_TIME_PATTERN = "EEE d MMM y, HH:mm"
CLOCK_PATTERN = "HH:mm"


def wall_time(moment: datetime, zone: str) -> datetime:
    """*moment* as the clock on the wall in *zone* shows it (naive); a naive *moment* is taken as
    already being a wall time there."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def format_when(tr: Translator, moment: datetime, zone: str) -> str:
    """``Tue 1 Dec 2026, 19:00 (Europe/Madrid)``: date, 24-hour time and zone."""
    local = format_datetime(wall_time(moment, zone), DATE_TIME_PATTERN, locale=tr.locale)
    return f"{local} ({zone})"


def format_clock(tr: Translator, moment: datetime | time, zone: str) -> str:
    """``19:00 (Europe/Madrid)``: the time of day only, where the day is already said."""
    clock = moment if isinstance(moment, time) else wall_time(moment, zone).time()
    return f"{format_hour(tr, clock)} ({zone})"


def format_hour(tr: Translator, clock: time) -> str:
    """``19:00`` alone: only inside a sentence that names the zone itself (or for a typed time
    that does not exist there, so has no zone to show)."""
    return format_time(clock, CLOCK_PATTERN, locale=tr.locale)
