"""Every message and keyboard of the recovery plan and the safety plan (issue 17), in one place.

Wording matters: a paused or dropped goal is a choice, never a failure; "not this week" is a fact,
not a mark against anyone.  Every word a member wrote is HTML-escaped here, and only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.i18n import N_, Translator
from bot.domain.plan import (
    AREA_NAMES,
    MAX_GOALS,
    MEASURE_NAMES,
    SECTION_EXAMPLES,
    SECTION_TITLES,
    GoalStatus,
    LifeArea,
    Measure,
    Outcome,
    ReviewTime,
    SafetySection,
)
from bot.domain.time_format import format_hour, format_when
from bot.usecases.plan import Goal, GoalProgress, PlanOverview, Review, SharedPlan, WeekProgress
from handlers.callback_data import CallbackData
from handlers.common import escape

SECTIONS = tuple(SafetySection)
BUTTON_WORDS = 24  # how much of a goal a button shows
COMPLETED_SHOWN = 2  # completed goals named in /plan (all of them are in /mydata)
COMPLETED_LISTED = 10  # completed goals offered as buttons to reopen (the latest)


@dataclass(frozen=True)
class Pl(CallbackData, prefix="pl"):
    """A plan button: ``action`` says what; ``ref`` is a goal id (or a member id for a mentor's
    view); ``arg`` a life area, a measure or a number."""

    action: str
    ref: int = 0
    arg: str = "-"


@dataclass(frozen=True)
class Rv(CallbackData, prefix="plr"):
    """A weekly review answer: the goal, the review day (YYYYMMDD) and the outcome."""

    goal_id: int
    day: str
    outcome: str


@dataclass(frozen=True)
class Sp(CallbackData, prefix="sp"):
    """A safety-plan button: ``action`` and a section."""

    action: str
    section: str = "-"


def button(text: str, action: str, ref: int = 0, arg: str = "-") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=Pl(action, ref, arg).pack())


def sp_button(text: str, action: str, section: str = "-") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=Sp(action, section).pack())


def short(text: str, limit: int = BUTTON_WORDS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def day_name(tr: Translator, weekday: int) -> str:
    return str(get_day_names("wide", locale=tr.locale)[weekday])


def render_review_time(tr: Translator, review: ReviewTime) -> str:
    return tr._("{day} at {time} ({zone})").format(
        day=day_name(tr, review.weekday), time=format_hour(tr, review.at), zone=review.timezone
    )


def render_day(tr: Translator, day: date) -> str:
    return format_date(day, "EEE d MMM", locale=tr.locale)


# -- progress --

MARKS = {Outcome.DONE: "✅", Outcome.PARTLY: "🌓", Outcome.NOT: "▫️"}


def render_week_mark(week: WeekProgress, goal: Goal) -> str:
    if goal.measure in (Measure.MEETINGS, Measure.CHECKINS) and week.count is not None:
        return f"{week.count}/{goal.target or 0}"
    return MARKS[week.outcome] if week.outcome else "·"


def render_measure(tr: Translator, progress: GoalProgress, *, mine: bool = True) -> str | None:
    """This week's measured figure, or None for a self-reported goal."""
    goal, week = progress.goal, progress.weeks[-1] if progress.weeks else None
    count, target = (week.count or 0) if week else 0, goal.target or 0
    if goal.measure is Measure.MEETINGS:
        return tr._("Meetings attended this week: {count} of {target}").format(count=count, target=target)
    if goal.measure is Measure.CHECKINS:
        return tr._("Check-ins this week: {count} of {target}").format(count=count, target=target)
    if goal.measure is Measure.DAYS:
        return render_days(tr, progress.days, mine=mine)
    return None


def render_days(tr: Translator, days: int | None, *, mine: bool) -> str | None:
    """Days since the milestone date; a mentor is told nothing when the member has not set one."""
    if days is None:
        return tr._("Days since your milestone date: set one with /milestone") if mine else None
    if not mine:
        return tr.n_(
            "{n} day since their milestone date", "{n} days since their milestone date", days
        ).format(n=days)
    return tr.n_("{n} day since your milestone date", "{n} days since your milestone date", days).format(
        n=days
    )


def render_goal(
    tr: Translator, number: int, progress: GoalProgress, *, history: bool = True, mine: bool = True
) -> str:
    goal = progress.goal
    head = f"{number}. <b>{escape(goal.text)}</b> · {escape(tr._(AREA_NAMES[goal.area]))}"
    if goal.status is GoalStatus.PAUSED:
        head += " " + tr._("(paused)")
    lines = [head]
    if goal.step:
        lines.append("   " + tr._("Weekly step: {step}").format(step=escape(goal.step)))
    measure = render_measure(tr, progress, mine=mine)
    if measure:
        lines.append("   " + measure)
    if history and progress.weeks:
        marks = " ".join(render_week_mark(w, goal) for w in progress.weeks)
        lines.append("   " + tr._("Last weeks: {marks}").format(marks=marks))
    if goal.shared and mine:
        lines.append("   " + tr._("🤝 shared with your mentor"))
    if goal.supporters and mine:
        lines.append(
            "   "
            + tr.n_("👪 shared with {n} supporter", "👪 shared with {n} supporters", goal.supporters).format(
                n=goal.supporters
            )
        )
    return "\n".join(lines)


def render_plan(tr: Translator, view: PlanOverview) -> str:
    lines = [tr._("🧭 <b>Your recovery plan</b>")]
    open_goals = [p for p in view.progress if p.goal.status is not GoalStatus.COMPLETED]
    done = [p for p in view.progress if p.goal.status is GoalStatus.COMPLETED]
    if not view.progress:
        lines.append(
            tr._(
                "A plan is a few goals in your own words (up to five), each in an area of life that "
                "matters to you, with a small step for the week if you like. Once a week I'll ask how "
                "the steps went. Only you can see it, unless you choose to share a goal with your mentor "
                "or a supporter."
            )
        )
    else:
        lines.append(
            tr._("Only you can see it, unless you share a goal with your peer mentor or a supporter.")
        )
        lines += ["", *(render_goal(tr, n, p) for n, p in enumerate(open_goals, 1))]
        if done:  # the latest few, shortened: the plan must stay one message however many are done
            latest = "; ".join(escape(short(p.goal.text, 60)) for p in done[-COMPLETED_SHOWN:])
            lines += [
                "",
                tr.n_(
                    "🎉 {n} goal completed: {latest}",
                    "🎉 {n} goals completed, the latest: {latest}",
                    len(done),
                ).format(n=len(done), latest=latest),
            ]
        if view.review is not None:
            lines += ["", tr._("Weekly review: {when}").format(when=render_review_time(tr, view.review))]
        if view.next_review_at is not None and view.review is not None:
            lines.append(
                tr._("Next review: {when}").format(
                    when=format_when(tr, view.next_review_at, view.review.timezone)
                )
            )
        lines.append(tr._("Marks: ✅ done, 🌓 partly, ▫️ not this week, 2/3 counted by Kindred."))
    if not view.has_safety_plan:
        lines += [
            "",
            tr._("🛟 When things feel calm, /safetyplan helps you write down what helps in a hard moment."),
        ]
    return "\n".join(lines)


def plan_markup(tr: Translator, view: PlanOverview) -> InlineKeyboardMarkup:
    open_goals = [p.goal for p in view.progress if p.goal.status is not GoalStatus.COMPLETED]
    rows = [[button(f"{n} ⚙️ {short(g.text)}", "goal", g.goal_id)] for n, g in enumerate(open_goals, 1)]
    if len(open_goals) < MAX_GOALS:
        rows.append([button(tr._("➕ Add a goal"), "add")])
    if open_goals:
        rows.append([button(tr._("📈 Progress chart"), "chart"), button(tr._("🗓 Review time"), "when")])
    if len(open_goals) < len(view.progress):
        rows.append([button(tr._("🎉 Completed goals"), "completed")])
    rows += [
        [button(tr._("🤝 What {name} shares with you").format(name=m.first_name), "mentee", m.user_id)]
        for m in view.sharing_with_me
    ]
    return InlineKeyboardMarkup(rows)


# -- adding a goal --


def render_area_question(tr: Translator) -> str:
    return tr._("Which part of life is this goal about?")


def area_markup(tr: Translator, action: str = "area", ref: int = 0) -> InlineKeyboardMarkup:
    """The life areas, for a new goal (``area``) or a saved one (``setarea``, *ref* its id)."""
    areas = list(LifeArea)
    rows = [
        [button(tr._(AREA_NAMES[a]), action, ref, a.value) for a in areas[i : i + 2]]
        for i in range(0, len(areas), 2)
    ]
    return InlineKeyboardMarkup(rows)


def render_goal_question(tr: Translator, area: LifeArea) -> str:
    return tr._(
        "<b>{area}</b>: what would you like to work towards? Write it in your own words, "
        "for example: “feel steadier in the mornings” or “find a place of my own”."
    ).format(area=escape(tr._(AREA_NAMES[area])))


def render_measure_question(tr: Translator) -> str:
    return tr._(
        "How would you like to see your progress? I can count what I already know, or you can "
        "tell me each week how it went."
    )


def measure_markup(tr: Translator, action: str = "measure", ref: int = 0) -> InlineKeyboardMarkup:
    """The ways to see progress, for a new goal (``measure``) or a saved one (``setmeasure``)."""
    return InlineKeyboardMarkup([[button(tr._(MEASURE_NAMES[m]), action, ref, m.value)] for m in Measure])


def render_target_question(tr: Translator, measure: Measure) -> str:
    if measure is Measure.MEETINGS:
        return tr._("How many meetings a week would feel right? Press a number or send one.")
    return tr._("How many check-ins a week would feel right? Press a number or send one.")


TARGETS = (1, 2, 3, 5, 7)


def target_markup(measure: Measure | None = None, ref: int = 0) -> InlineKeyboardMarkup:
    """Weekly numbers for a new goal's target; for a saved goal (*ref*) each button also names the
    new *measure* (``settarget``, ``meetings-3``), so it works without anything kept in memory."""
    if measure is None:
        return InlineKeyboardMarkup([[button(str(n), "target", 0, str(n)) for n in TARGETS]])
    return InlineKeyboardMarkup([[button(str(n), "settarget", ref, f"{measure.value}-{n}") for n in TARGETS]])


def render_step_question(tr: Translator) -> str:
    return tr._(
        "A small step for each week? For example: “go to 2 meetings” or “call my sister”. "
        "Send it, or press Skip."
    )


def skip_markup(tr: Translator, action: str, ref: int = 0) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(tr._("Skip"), action, ref)]])


def render_added(tr: Translator) -> str:
    return tr._("🌱 Your goal is in your plan.")


# -- one goal --


def render_goal_menu(tr: Translator, goal: Goal) -> str:
    lines = [f"<b>{escape(goal.text)}</b>", escape(tr._(AREA_NAMES[goal.area]))]
    if goal.step:
        lines.append(tr._("Weekly step: {step}").format(step=escape(goal.step)))
    lines.append(tr._("Progress: {measure}").format(measure=escape(tr._(MEASURE_NAMES[goal.measure]))))
    if goal.status is GoalStatus.PAUSED:
        lines.append(tr._("Paused: it rests until you resume it, and the weekly review leaves it out."))
    if goal.status is GoalStatus.COMPLETED:
        lines.append(tr._("🎉 Completed. You can reopen it if you want to keep working on it."))
    if goal.shared:
        lines.append(tr._("🤝 Your peer mentor can see this goal and its weekly progress."))
    if goal.supporters:
        lines.append(
            tr.n_(
                "👪 {n} of your supporters sees this goal and how its week went in the weekly update; "
                "choose who in /supporters.",
                "👪 {n} of your supporters see this goal and how its week went in the weekly update; "
                "choose who in /supporters.",
                goal.supporters,
            ).format(n=goal.supporters)
        )
    if not goal.shared and not goal.supporters:
        lines.append(tr._("Only you can see this goal."))
        if goal.status is not GoalStatus.COMPLETED:
            lines.append(tr._("A supporter can be shown it, with how its week went, from /supporters."))
    return "\n".join(lines)


def goal_markup(tr: Translator, goal: Goal, has_mentor: bool) -> InlineKeyboardMarkup:
    g = goal.goal_id
    if goal.status is GoalStatus.COMPLETED:
        return InlineKeyboardMarkup(
            [
                [button(tr._("↩️ Reopen this goal"), "reopen", g)],
                [button(tr._("🗑 Drop this goal"), "drop", g), button(tr._("⬅️ Back"), "back")],
            ]
        )
    pause = (
        button(tr._("▶️ Resume"), "resume", g)
        if goal.status is GoalStatus.PAUSED
        else button(tr._("⏸ Pause"), "pause", g)
    )
    rows = [
        [button(tr._("✏️ Edit the words"), "edit", g), button(tr._("👣 Change the step"), "step", g)],
        [button(tr._("🧭 Life area"), "chgarea", g), button(tr._("📏 How it is measured"), "chgmeasure", g)],
        [pause, button(tr._("🎉 Completed"), "done", g)],
    ]
    if goal.shared:
        rows.append([button(tr._("🙈 Stop sharing with my mentor"), "unshare", g)])
    elif has_mentor:
        rows.append([button(tr._("🤝 Share with my mentor"), "share", g)])
    rows.append([button(tr._("🗑 Drop this goal"), "drop", g), button(tr._("⬅️ Back"), "back")])
    return InlineKeyboardMarkup(rows)


def render_area_change_question(tr: Translator, goal: Goal) -> str:
    return tr._("Which part of life is this goal about? Now: {area}. Its past weeks stay with it.").format(
        area=escape(tr._(AREA_NAMES[goal.area]))
    )


def render_measure_change_question(tr: Translator, goal: Goal) -> str:
    return tr._(
        "How would you like to see this goal's progress from now on? Now: {measure}. "
        "Your answers in past reviews stay with it."
    ).format(measure=escape(tr._(MEASURE_NAMES[goal.measure])))


def render_completed_goals(tr: Translator, goals: list[Goal]) -> str:
    """The completed goals the keyboard below offers, the latest first (up to COMPLETED_LISTED)."""
    if not goals:
        return tr._("No completed goals right now. Send /plan to see your plan.")
    lines = [tr._("🎉 <b>Goals you completed</b>"), tr._("Open one to reopen it, with its past weeks.")]
    if len(goals) > COMPLETED_LISTED:
        lines.append(tr._("The latest {n} are here; /mydata holds them all.").format(n=COMPLETED_LISTED))
    return "\n".join(lines)


def completed_markup(tr: Translator, goals: list[Goal]) -> InlineKeyboardMarkup:
    latest = list(reversed(goals))[:COMPLETED_LISTED]
    rows = [[button(f"🎉 {short(g.text)}", "goal", g.goal_id)] for g in latest]
    rows.append([button(tr._("⬅️ Back"), "back")])
    return InlineKeyboardMarkup(rows)


def render_reopened(tr: Translator, goal: Goal) -> str:
    return tr._("↩️ <b>{goal}</b> is back in your plan, with its past weeks.").format(goal=escape(goal.text))


def render_edit_question(tr: Translator, goal: Goal) -> str:
    return tr._("Send the goal in new words. Now it reads: {goal}").format(goal=escape(goal.text))


def render_step_edit_question(tr: Translator, goal: Goal) -> str:
    if goal.step:
        return tr._("Send the new weekly step. Now it is: {step}").format(step=escape(goal.step))
    return render_step_question(tr)


def step_edit_markup(tr: Translator, goal: Goal) -> InlineKeyboardMarkup:
    if goal.step:
        return InlineKeyboardMarkup([[button(tr._("Remove the step"), "nostep", goal.goal_id)]])
    return skip_markup(tr, "back")


def render_completed(tr: Translator, goal: Goal) -> str:
    return tr._(
        "🎉 You reached it: <b>{goal}</b>. That took real work. Take a moment to notice how far "
        "you have come."
    ).format(goal=escape(goal.text))


def render_drop_question(tr: Translator, goal: Goal) -> str:
    return tr._(
        "Drop <b>{goal}</b>? Plans change as we do, and that is all right. Its weekly answers go with it."
    ).format(goal=escape(goal.text))


def drop_markup(tr: Translator, goal: Goal) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(tr._("Drop it"), "dropyes", goal.goal_id), button(tr._("Keep it"), "goal", goal.goal_id)]]
    )


def render_dropped(tr: Translator) -> str:
    return tr._("Done: that goal is no longer in your plan. You can add a new one whenever you like.")


def render_shared(tr: Translator, shared: bool) -> str:
    if shared:
        return tr._(
            "🤝 Shared: your peer mentor can now see this goal and its weekly progress in their /plan "
            "(never your check-ins' notes or moods). You can stop sharing at any time."
        )
    return tr._("🙈 Not shared any more: your mentor can no longer see this goal.")


def render_review_time_question(tr: Translator, review: ReviewTime | None, zone: str) -> str:
    now = render_review_time(tr, review) if review else "—"
    return tr._(
        "When would you like your weekly review? Now: {now}. Send a day and a time, like: "
        "Sunday 18:00. To change the time zone ({zone}) too, add its name: Sunday 18:00 Europe/Madrid"
    ).format(now=now, zone=zone)


def render_review_time_set(tr: Translator, review: ReviewTime) -> str:
    return tr._("🗓 Your weekly review will come every {when}.").format(when=render_review_time(tr, review))


# -- the weekly review --


def render_review(tr: Translator, review: Review) -> str:
    lines = [
        tr._("🗓 <b>Your weekly review</b>, the week to {day}").format(day=render_day(tr, review.day)),
        tr._("How did your steps go? There are no wrong answers."),
        "",
    ]
    for n, progress in enumerate(review.items, 1):
        lines.append(render_goal(tr, n, progress, history=False))
        outcome = progress.weeks[-1].outcome if progress.weeks else None
        if outcome is not None:
            lines.append("   → " + MARKS[outcome] + " " + render_outcome(tr, outcome))
    if review.items and all(p.weeks and p.weeks[-1].outcome for p in review.items):
        lines += ["", tr._("Thank you for taking this look back. 💛 /plan shows how the weeks add up.")]
    return "\n".join(lines)


def render_outcome(tr: Translator, outcome: Outcome) -> str:
    return {
        Outcome.DONE: tr._("Done"),
        Outcome.PARTLY: tr._("Partly"),
        Outcome.NOT: tr._("Not this week"),
    }[outcome]


def review_markup(tr: Translator, review: Review) -> InlineKeyboardMarkup | None:
    day = review.day.strftime("%Y%m%d")
    rows = [
        [
            InlineKeyboardButton(
                f"{n} {MARKS[o]} {render_outcome(tr, o)}",
                callback_data=Rv(p.goal.goal_id, day, o.value).pack(),
            )
            for o in Outcome
        ]
        for n, p in enumerate(review.items, 1)
        if not (p.weeks and p.weeks[-1].outcome)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def render_review_noted(tr: Translator) -> str:
    return tr._("Noted. Thank you! 💛")


def render_review_again(tr: Translator) -> str:
    return tr._("You answered this one already, and your answer is kept. Thank you! 💛")


REVIEW_STALE = N_("That review is closed, and your plan is safe. Send /plan to see it.")


# -- the mentor's view --


def render_shared_plan(tr: Translator, shared: SharedPlan) -> str:
    name = escape(shared.member.first_name)
    if not shared.progress:
        return tr._("{name} isn't sharing any goals with you right now.").format(name=name)
    lines = [tr._("🤝 <b>What {name} shares with you</b>").format(name=name), ""]
    lines += [render_goal(tr, n, p, mine=False) for n, p in enumerate(shared.progress, 1)]
    lines += ["", tr._("{name} chose to share these goals and can stop at any time.").format(name=name)]
    return "\n".join(lines)


# -- the safety plan --


def render_safety_intro(tr: Translator) -> str:
    return tr._(
        "🛟 <b>A safety plan</b> is written in a calm moment, for a hard one: what you notice when "
        "things start to slide, what helps, and whom to call. It has seven short parts; each is "
        "optional, and you can change it any time. Only you can see it; /sos shows you your warning "
        "signs, your own steps and your people first, before the crisis lines."
    )


def intro_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[sp_button(tr._("Start"), "next", SECTIONS[0].value)]])


def render_section_question(
    tr: Translator, section: SafetySection, current: str | None, *, guided: bool
) -> str:
    number = SECTIONS.index(section) + 1
    head = tr._("<b>{number} of 7. {title}</b>").format(number=number, title=tr._(SECTION_TITLES[section]))
    lines = [head, _question(tr, section), "<i>" + tr._(SECTION_EXAMPLES[section]) + "</i>"]
    if current:
        lines.append(tr._("Now it reads: {text}").format(text=escape(current)))
    lines.append(
        tr._("Write it in your own words, or press Skip.") if guided else tr._("Send the new words.")
    )
    return "\n".join(lines)


def _question(tr: Translator, section: SafetySection) -> str:
    questions = {
        SafetySection.WARNING_SIGNS: tr._(
            "What tells you a hard time may be starting: thoughts, feelings, situations?"
        ),
        SafetySection.COPING: tr._("What can you do on your own to calm down or take your mind off things?"),
        SafetySection.DISTRACTIONS: tr._("Which people and places help take your mind off things?"),
        SafetySection.PEOPLE: tr._("Whom can you ask for help? Names and numbers, if you like."),
        SafetySection.PROFESSIONALS: tr._("Which professionals or services can you contact?"),
        SafetySection.SURROUNDINGS: tr._("What would make your surroundings safer?"),
        SafetySection.REASONS: tr._("What matters most to you, and is worth living for?"),
    }
    return questions[section]


def section_markup(
    tr: Translator, section: SafetySection, *, guided: bool, has_text: bool
) -> InlineKeyboardMarkup:
    if guided:
        return InlineKeyboardMarkup(
            [[sp_button(tr._("Skip"), "skip", section.value), sp_button(tr._("Stop for now"), "show")]]
        )
    row = [sp_button(tr._("Keep it as it is"), "show")]
    if has_text:
        row.insert(0, sp_button(tr._("Clear this part"), "clear", section.value))
    return InlineKeyboardMarkup([row])


def render_safety_plan(tr: Translator, plan: dict[SafetySection, str]) -> str:
    lines = [
        tr._("🛟 <b>Your safety plan</b>"),
        tr._("Only you can see it. /sos shows its first parts to you before the crisis lines."),
    ]
    for number, section in enumerate(SECTIONS, 1):
        lines += [
            "",
            f"<b>{number}. {escape(tr._(SECTION_TITLES[section]))}</b>",
            escape(plan.get(section, "—")),
        ]
    return "\n".join(lines)


def safety_markup(tr: Translator) -> InlineKeyboardMarkup:
    buttons = [
        sp_button(f"✏️ {n}. {short(tr._(SECTION_TITLES[s]), 28)}", "edit", s.value)
        for n, s in enumerate(SECTIONS, 1)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def render_crisis_block(tr: Translator, plan: dict[SafetySection, str]) -> str:
    """The member's own plan, shown first in /sos and a crisis reply: what to notice, what to do,
    whom to call."""
    lines = [tr._("🛟 <b>Your own plan</b>")]
    for section, text in plan.items():
        lines.append(f"<b>{escape(tr._(SECTION_TITLES[section]))}</b>: {escape(text)}")
    return "\n".join(lines)


def render_talk_privately(tr: Translator) -> str:
    return tr._("Your plans are private, so let's look at them in a private chat.")


def render_no_goal(tr: Translator) -> str:
    return tr._("That goal is no longer in your plan. Send /plan to see it as it is now.")


STALE = N_("That button no longer works. Please send /plan again; nothing was lost.")


def render_stale(tr: Translator) -> str:
    """The same words as a message, for a step whose answer is a reply rather than an alert."""
    return tr._(STALE)


def render_chart_caption(tr: Translator) -> str:
    return tr._("📈 Each line is one goal, by week: 100% is a step done or a weekly count reached.")


def render_no_chart(tr: Translator) -> str:
    return tr._("There is nothing to draw yet: the chart fills in week by week.")


def render_cancelled(tr: Translator) -> str:
    return tr._("Stopped here; nothing you saved was lost. Send /plan or /safetyplan to go on.")


def render_section_saved(tr: Translator) -> str:
    return tr._("Saved. 💛")
