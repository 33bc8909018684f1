"""Care for the carers end to end: weekly self-checks, supervision with reminders across a restart,
the next-day check after a crisis alert, /team's counts and suppressed aggregates, time off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from emulator import Button, Emulator, GroupChat, Person, SentMessage
from tests.backend import Connection
from tests.e2e.conftest import Launch, World
from tests.e2e.harness import eventually
from tests.e2e.test_crisis import CRISIS_TEXT, consented_alert
from tests.e2e.test_mentors import register_mentor


def db(world: World) -> Connection:
    return world.bot.connect()


def stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def greet(*people: Person) -> None:
    for person in people:
        await person.send("/start")
        await person.next_message()


async def circle(
    world: World, admin: Person, members: tuple[Person, ...], title: str = "Tuesday Circle"
) -> GroupChat:
    group = await world.group_with_bot(title, admin=admin)
    for member in members:
        await group.add_member(member)

    def seen() -> bool:
        with db(world) as conn:
            sql = "SELECT COUNT(*) FROM memberships WHERE chat_id = ?"
            return conn.execute(sql, (group.id,)).fetchone()[0] >= len(members) + 1

    await admin.send("/help", chat=group)  # the admin becomes known as a member too
    await group.next_message()
    await eventually(seen)
    return group


async def answer_check(person: Person, question: SentMessage, answers: tuple[str, ...]) -> SentMessage:
    """Press one answer per question; the check edits itself in place until it is saved."""
    for label in answers:
        await person.press(question, label)
        await question.next_edit()
    return question


async def test_self_checks_supervision_accepted_and_reminded_across_a_restart(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,))
    sam = world.person("Sam")
    await greet(sam, cleo)
    await circle(world, sam, ())

    # First weekly check, from the /care menu.
    await sam.send("/care")
    menu = await sam.next_message()
    assert "Care for the carers" in menu.text and "never yours" in menu.text
    await sam.press(menu, "📝 Weekly check")
    question = await sam.next_message()
    assert "energy" in question.text
    done = await answer_check(sam, question, ("4", "2", "4", "5 h", "Not now"))
    assert "Thank you for checking in" in done.text
    await cleo.expect_no_message(within=0.3)

    # The weekly reminder at the time Sam chose (Monday 23 Nov 2026, 17:00 UTC), then the second check.
    await sam.send("/care weekly mon 17:00")
    assert "every Monday at 17:00" in (await sam.next_message()).text
    world.bot.set_clock(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    prompt = await sam.next_message()
    assert "weekly check" in prompt.text
    await sam.press(prompt, "📝 Weekly check")
    question = await sam.next_message()
    done = await answer_check(sam, question, ("2", "5", "2", "20 h", "Yes, I'd like to talk"))
    assert "asked the coordinators" in done.text
    with db(world) as conn:
        rows = conn.execute(
            "SELECT energy, stress, support, hours, wants_talk FROM care_checks ORDER BY id"
        ).fetchall()
    assert rows == [(4, 2, 4, 5, 0), (2, 5, 2, 20, 1)]
    await sam.send("/care")
    await sam.press(await sam.next_message(), "📈 My trend")
    chart = await sam.next_message()
    assert (
        chart.photo is not None
        and chart.photo.startswith(b"\x89PNG")
        and "(2 answers)" in (chart.caption or "")
    )

    # The coordinator gets the request (the worker named, because they asked), accepts, proposes a time.
    request = await cleo.next_message()
    assert "Supervision request" in request.text and "Sam" in request.text
    assert request.button_texts() == ["✅ Accept", "🕒 Propose a time"]
    await cleo.press(request, "✅ Accept")
    slots = await request.next_edit()
    assert "Choose a time" in slots.text
    assert "will talk with you" in (await sam.next_message()).text
    await cleo.press(request, "Wed 25 Nov 14:00")
    assert "Supervision with Sam: Wed 25 Nov 2026, 14:00 (UTC)" in (await request.next_edit()).text
    told = await sam.next_message()
    assert "with Cleo: Wed 25 Nov 2026, 14:00 (UTC)" in told.text

    # Down across the 24 h reminder (Tue 14:00); back up before the session: both reminded, once.
    assert await world.bot.stop() == 0
    world.bot.set_clock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    await world.bot.start()
    for person, other in ((sam, "Cleo"), (cleo, "Sam")):
        reminder = await person.next_message(timeout=10)
        assert "Reminder" in reminder.text and other in reminder.text and "14:00 (UTC)" in reminder.text
    assert await world.bot.stop() == 0
    await world.bot.start()
    await sam.expect_no_message(within=0.5)
    await cleo.expect_no_message(within=0.1)
    world.bot.set_clock(datetime(2026, 11, 25, 13, 0, tzinfo=UTC))  # 1 h before
    assert "Reminder" in (await sam.next_message()).text
    assert "Reminder" in (await cleo.next_message()).text
    with db(world) as conn:
        ledger = conn.execute(
            "SELECT offset_minutes, outcome FROM supervision_reminder_ledger ORDER BY 1 DESC"
        ).fetchall()
    assert ledger == [(1440, "enqueued"), (60, "enqueued")]


async def test_after_an_acknowledged_crisis_alert_the_next_day_check_arrives_once(launch: Launch) -> None:
    world = await launch()
    sam, maya = world.person("Sam"), world.person("Maya")
    await greet(sam, maya)
    await circle(world, sam, (maya,))
    await maya.send(CRISIS_TEXT)
    await maya.next_message()
    question = await maya.next_message()
    await maya.press(question, "Yes, tell a facilitator")
    await question.next_edit()
    alert = await sam.next_message()
    await sam.press(alert, "💛 I'm reaching out")
    await alert.next_edit()
    await maya.next_message()  # "Sam has seen your message"
    await sam.expect_no_message(within=0.5)

    # Down across the next morning; the check is sent at start-up, once.
    assert await world.bot.stop() == 0
    world.bot.set_clock(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
    await world.bot.start()
    check = await sam.next_message(timeout=10)
    assert "How are you after yesterday?" in check.text
    assert check.button_texts() == ["I'm OK, thanks", "I'd like to talk"]
    assert await world.bot.stop() == 0
    await world.bot.start()
    world.bot.advance(timedelta(days=1))
    await sam.expect_no_message(within=0.8)
    with db(world) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox WHERE key LIKE 'care-followup:%'").fetchone() == (1,)
    await sam.press(check, "I'm OK, thanks")
    assert "Glad to hear it" in (await sam.next_message()).text


async def test_team_counts_a_seeded_month_and_workers_see_their_own_line(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,), env={"CARE_LOAD_THRESHOLD": "10"})
    sam, maya = world.person("Sam"), world.person("Maya")
    await greet(sam, maya, cleo)
    group = await circle(world, sam, (maya,))
    assert await world.bot.stop() == 0
    now = world.bot.now  # Mon 23 Nov 2026 12:00 UTC: the window is 24 Oct 12:00 to now
    with db(world) as conn:
        conn.execute(
            "INSERT INTO meetings (chat_id, title, first_start_local, time_zone, duration_minutes, rrule,"
            " created_by, created_at, updated_at) VALUES (?, 'Circle', '2026-10-06T19:00', 'UTC', 60,"
            " 'FREQ=WEEKLY', ?, ?, ?)",
            (group.id, sam.id, stamp(now - timedelta(days=60)), stamp(now - timedelta(days=60))),
        )  # Tuesdays: 27 Oct, 3, 10 and 17 Nov fall in the window (4 led)
        for month, day in ((10, 13), (10, 27), (11, 3), (11, 10)):  # one before the window, three in it
            _roll_call(conn, group.id, datetime(2026, month, day, 19, tzinfo=UTC), sam.id, maya.id)
        for days_ago in (3, 20, 45):  # two crisis alerts handled in the window, one before it
            at = stamp(now - timedelta(days=days_ago))
            conn.execute(
                "INSERT INTO crisis_alerts"
                " (member_id, created_at, escalate_at, acknowledged_at, acknowledged_by)"
                " VALUES (?, ?, ?, ?, ?)",
                (maya.id, at, at, at, sam.id),
            )
        conn.execute(
            "INSERT INTO supervision_requests (worker_id, created_at, updated_at) VALUES (?, ?, ?)",
            (sam.id, stamp(now), stamp(now)),
        )
    await world.bot.start()
    await sam.send("/timeoff until 2026-11-30")
    assert "Time off from" in (await sam.next_message()).text
    await group.next_message()  # the group is told who to contact instead

    await cleo.send("/team")
    team = await cleo.next_message()
    assert "Peer workers' load" in team.text
    line = next(row for row in team.text.splitlines() if "Sam" in row)
    assert line.startswith("⚠️"), line  # 1 group + 4 meetings + 3 roll calls + 3 × 2 alerts = 14 > 10
    for part in (
        "groups 1",
        "meetings led 4",
        "roll calls 3",
        "mentees 0",
        "crisis alerts 2",
        "open requests 1",
    ):
        assert part in line, (part, line)
    assert "14 points" in line and "away until Mon 30 Nov 2026" in line
    assert "Maya" not in team.text

    await sam.send("/team")
    own = await sam.next_message()
    assert "Your load" in own.text and "meetings led 4" in own.text and "Weekly self-checks" not in own.text
    await maya.send("/team")
    assert "This is for peer workers" in (await maya.next_message()).text


def _roll_call(conn: Connection, chat_id: int, start: datetime, marker: int, member: int) -> None:
    conn.execute(
        "INSERT INTO roll_calls"
        " (meeting_id, occurrence_start, chat_id, opens_at, closes_at, message_id, closed)"
        " VALUES (1, ?, ?, ?, ?, -1, 1)",
        (stamp(start), chat_id, stamp(start), stamp(start + timedelta(hours=1))),
    )
    conn.execute(
        "INSERT INTO attendance (meeting_id, occurrence_start, chat_id, user_id, present, source, marked_by,"
        " updated_at) VALUES (1, ?, ?, ?, 1, 'facilitator', ?, ?)",
        (stamp(start), chat_id, member, marker, stamp(start)),
    )


async def test_aggregates_with_fewer_workers_than_the_threshold_are_suppressed(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,), env={"SMALL_CELL_THRESHOLD": "3"})
    await greet(cleo)
    assert await world.bot.stop() == 0
    now = world.bot.now
    with db(world) as conn:
        for uid in range(9001, 9004):
            conn.execute(
                "INSERT INTO people (user_id, first_name, created_at, updated_at) VALUES (?, 'W', ?, ?)",
                (uid, stamp(now), stamp(now)),
            )
        checks = [  # last week: two workers (one answered twice); this week: three workers
            (9001, now - timedelta(days=7), 2, 4, 2, 10),
            (9001, now - timedelta(days=6), 4, 4, 2, 10),
            (9002, now - timedelta(days=7), 3, 3, 3, 5),
            (9001, now, 4, 2, 4, 6),
            (9002, now, 2, 4, 3, 6),
            (9003, now, 3, 3, 5, 9),
        ]
        conn.executemany(
            "INSERT INTO care_checks (user_id, created_at, energy, stress, support, hours, wants_talk)"
            " VALUES (?, ?, ?, ?, ?, ?, 0)",
            [(uid, stamp(at), e, s, p, h) for uid, at, e, s, p, h in checks],
        )
    await world.bot.start()
    await cleo.send("/team")
    text = (await cleo.next_message()).text
    assert "Week of 16 Nov: fewer than 3 peer workers answered, so nothing is shown." in text
    assert "Week of 23 Nov: 3 peer workers · energy 3.0 · stress 3.0 · support 4.0 · 7.0 h given" in text
    assert text.count("energy") == 1  # the small week shows no numbers at all


async def test_time_off_reroutes_a_crisis_alert_and_tells_the_group_who_to_contact(launch: Launch) -> None:
    world = await launch()
    sam, tom, maya = world.person("Sam"), world.person("Tom", username="tom_f"), world.person("Maya")
    await greet(sam, tom, maya)
    group = await circle(world, sam, (maya, tom))
    await group.make_admin(tom)
    await sam.send("/timeoff 2026-11-23 2026-11-30")
    assert "Time off from" in (await sam.next_message()).text
    notice = await group.next_message()
    assert (
        "Sam is away until Mon 30 Nov 2026" in notice.text
        and "Tom" in notice.text
        and "@tom_f" in notice.text
    )

    await maya.send(CRISIS_TEXT)
    await maya.next_message()
    question = await maya.next_message()
    await maya.press(question, "Yes, tell a facilitator")
    assert "I told 1 facilitator" in (await question.next_edit()).text
    assert "Maya" in (await tom.next_message()).text
    await sam.expect_no_message(within=0.5)

    await sam.send("/timeoff off")
    assert "Welcome back" in (await sam.next_message()).text


async def test_group_supervision_is_weekly_with_reminders_for_every_peer_worker(
    emulator: Emulator, launch: Launch
) -> None:
    cleo = emulator.add_user("Cleo")
    world = await launch(coordinators=(cleo,))
    sam, maya = world.person("Sam"), world.person("Maya")
    await greet(sam, maya, cleo)
    await circle(world, sam, (maya,))
    await cleo.send("/groupsupervision tue 18:00")
    answer = (await cleo.next_message(timeout=10)).text
    assert "Group supervision every Tuesday at 18:00 (UTC)" in answer and "for 1 peer worker" in answer
    world.bot.set_clock(datetime(2026, 11, 24, 17, 0, tzinfo=UTC))  # 1 h before the first
    assert "group supervision" in (await sam.next_message()).text
    assert "group supervision" in (await cleo.next_message()).text
    await maya.expect_no_message(within=0.5)  # a member is not a peer worker
    world.bot.set_clock(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))  # 24 h before the second
    assert "1 Dec 2026, 18:00" in (await sam.next_message()).text


async def test_a_peer_mentor_without_a_group_finds_the_care_commands_in_help(world: World) -> None:
    ana, maya = world.person("Ana"), world.person("Maya")
    await greet(maya)
    await maya.send("/help")
    member_help = (await maya.next_message()).text
    assert "/plan" in member_help and "/care" not in member_help and "/timeoff" not in member_help

    await register_mentor(ana)  # a peer mentor, facilitating no group
    await ana.send("/help")
    mentor_help = (await ana.next_message()).text
    for command in ("/care", "/supervision", "/timeoff", "/team"):
        assert command in mentor_help, command
    assert "/groupsupervision" not in mentor_help and "/schedule" not in mentor_help
    await ana.send("/care")  # and the door agrees: it is not refused
    menu = await ana.next_message()
    assert "This is for peer workers" not in menu.text
    stale = await world.emulator.press(ana, menu, Button("x", callback_data="carm:nothing"), 5.0)
    assert stale is not None and stale.show_alert and stale.text == "That button no longer works."


async def test_an_escalating_crisis_alert_skips_a_coordinator_on_time_off(
    emulator: Emulator, launch: Launch
) -> None:
    cleo, cole = emulator.add_user("Cleo"), emulator.add_user("Cole")
    world = await launch(coordinators=(cleo, cole))
    await greet(cleo, cole)
    await cleo.send("/timeoff until 2026-12-20")
    assert "Time off from" in (await cleo.next_message()).text
    sam, maya = world.person("Sam"), world.person("Maya")
    await consented_alert(world, sam, maya)
    world.bot.advance(timedelta(minutes=11))  # nobody acknowledged in time
    escalated = await cole.next_message(timeout=10)
    assert "Maya" in escalated.text and escalated.button_texts() == ["💛 I'm reaching out"]
    assert "also told a coordinator" in (await maya.next_message()).text
    await cleo.expect_no_message(within=0.8)  # away: someone else was told
