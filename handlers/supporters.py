"""Families and supporters, the member's side (issue 24): /supporters, invitations, what is
shared, "please reach out", and the weekly update each supporter gets.

The weekly update is one scheduler job per link (``supporters:weekly:{link id}``) at the instant
stored on the link (``next_update_at``), rebuilt from the database at start-up.  Its content is
computed when it runs, from what the member shares at that moment, and goes through the outbox
under a key naming the link and the instant, so it is sent once, across restarts.  Removing a
supporter or turning an item off cancels whatever of theirs is still queued.

An update that carries goals of the member's recovery plan does not go through the outbox: its
rows keep message text in plain form until the retention purge, and plan words must only ever
rest sealed (issue 17).  It is rendered when the job runs, from what is shared at that moment,
and sent straight to the supporter, as the plan's own weekly review is.  The week is claimed
first (the link's next instant moves on before the call), so a restart never sends it twice; a
crash in that instant loses that one week's update rather than storing the words.  Revoking
(a goal turned off, the supporter removed, the goal dropped or completed, ``/forget``) therefore
needs nothing cancelled: there is never a queued copy.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.i18n import N_, Translator
from bot.domain.roles import Action, Role
from bot.domain.supporters import HOURS, INVITE_PREFIX, ShareItem, UpdateSchedule
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import AnyHandler, Feature
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import supporters as usecase
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    reply,
    require,
    services,
    talk_privately,
    translator_for,
)
from handlers.crisis import crisis_resources
from handlers.supporters_views import (
    STALE,
    Sup,
    hour_markup,
    overview_markup,
    reach_out_markup,
    remove_markup,
    render_full,
    render_invite,
    render_left_for_member,
    render_on_it_for_member,
    render_overview,
    render_reach_out_request,
    render_reach_out_sent,
    render_remove_question,
    render_removed,
    render_removed_for_supporter,
    render_schedule,
    render_support_counts,
    render_supporter,
    render_weekly,
    supporter_markup,
    translator_of,
    weekly_markup,
    when_markup,
)
from storage.outbox import Delivery
from storage.supporters import Link

log = logging.getLogger(__name__)

COMMANDS = (
    Command(
        "supporters",
        N_("People close to you, sharing only what you choose"),
        where=PRIVATE_ONLY,
        order=35,
    ),
)


def job_name(link_id: int) -> str:
    return f"supporters:weekly:{link_id}"


def weekly_key(link_id: int) -> str:
    return f"supporters-weekly:{link_id}:"


def reach_key(link_id: int) -> str:
    return f"supporters-reach:{link_id}:"


# -- the weekly update --


def plan_update(svc: Services, link: Link) -> None:
    """(Re)plan the link's weekly update job at the instant stored on the link."""
    if link.next_update_at is not None:
        svc.jobs.at(
            job_name(link.id), link.next_update_at, partial(send_update, svc, link.id, link.next_update_at)
        )


async def send_update(svc: Services, link_id: int, due: datetime) -> None:
    """The job: this week's update, if anything is shared and happened; then the next week's job."""
    found = await usecase.weekly_update(svc, link_id, due)
    if found is None:
        return
    if found.update.goals:
        await send_with_goals(svc, found)
        return
    if not found.update.empty:
        tr = await translator_of(svc, found.link.supporter_id)
        await svc.outbox.enqueue(
            [
                Delivery(
                    key=f"{weekly_key(link_id)}{due.isoformat()}",
                    chat_id=found.link.supporter_id,
                    text=render_weekly(tr, found.update),
                    kind="supporter_update",
                    reply_markup=weekly_markup(tr).to_dict(),
                )
            ]
        )
        log.info("Weekly supporter update queued for link %d", link_id)
    plan_update(svc, await usecase.plan_next(svc, found.link))


async def send_with_goals(svc: Services, found: usecase.DueUpdate) -> None:
    """An update with plan goals in it: the week claimed first, then sent directly, never queued
    (see the module's docstring)."""
    link = found.link
    plan_update(svc, await usecase.plan_next(svc, link))
    if svc.application is None:  # pragma: no cover - build_application always attaches it
        return
    tr = await translator_of(svc, link.supporter_id)
    try:
        await svc.application.bot.send_message(
            link.supporter_id, render_weekly(tr, found.update), reply_markup=weekly_markup(tr)
        )
        log.info("Weekly supporter update with goals sent for link %d", link.id)
    except Forbidden:
        await svc.people.mark_unreachable(link.supporter_id, svc.clock.now())
    except TelegramError as error:
        log.warning(
            "Could not send the weekly supporter update of link %d: %s", link.id, type(error).__name__
        )


async def stop_updates(svc: Services, link_id: int) -> None:
    """Nothing more of this link reaches its supporter: no job, nothing left in the queue."""
    svc.jobs.cancel(job_name(link_id))
    await svc.outbox.cancel_pending(weekly_key(link_id))
    await svc.outbox.cancel_pending(reach_key(link_id))


async def tell(
    svc: Services, key: str, chat_id: int, text: str, markup: dict[str, Any] | None = None
) -> None:
    """A message to the other party (the member, a supporter), through the outbox, once per key."""
    await svc.outbox.enqueue(
        [Delivery(key=key, chat_id=chat_id, text=text, kind="supporters", reply_markup=markup)]
    )


# -- the member's screens --


async def show_overview(update: Update, context: KindredContext, tr: Translator, user_id: int) -> None:
    svc = services(context)
    view = await usecase.overview(svc, user_id)
    zone = await svc.home_timezone(user_id)
    await reply(update, render_overview(tr, view, zone), reply_markup=overview_markup(tr, view))


async def supporters_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    await show_overview(update, context, tr, user.id)


async def in_group(update: Update, context: KindredContext) -> None:
    tr = await translator_for(update, context)
    await talk_privately(update, context, tr._("Your supporters are a private matter: let's talk privately."))


async def reach_out(context: KindredContext, member_id: int, link_id: int | None) -> list[str]:
    """Ask one supporter (or all) to call or write; the names asked."""
    svc = services(context)
    asked = await usecase.ask_reach_out(svc, member_id, link_id)
    member_name = await usecase.first_name(svc, member_id)
    emergency = crisis_resources(context).emergency_number
    for item in asked:
        tr = await translator_of(svc, item.link.supporter_id)
        await tell(
            svc,
            f"{reach_key(item.link.id)}{item.request_id}",
            item.link.supporter_id,
            render_reach_out_request(tr, member_name, emergency),
            markup=reach_out_markup(tr, item.request_id).to_dict(),
        )
    if asked:
        log.info("Reach-out asked by %s of %d supporters", log_id(member_id), len(asked))
    return [item.supporter_name for item in asked]


# -- buttons --


async def on_button(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = Sup.unpack(query.data)
    handler = BUTTONS.get(choice.action) if choice is not None else None
    if (
        choice is None
        or handler is None
        or update.effective_chat is None
        or update.effective_chat.id != user.id
    ):
        await answer_query(query, tr._(STALE), alert=True)
        return
    if not await handler(update, context, tr, user.id, choice):
        await answer_query(query, tr._(STALE), alert=True)
        return
    await answer_query(query)


async def _open(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    found = await usecase.panel(services(context), user_id, choice.ident)
    if found is None:
        return False
    await reply(update, render_supporter(tr, found), reply_markup=supporter_markup(tr, found))
    return True


async def _show_panel(update: Update, tr: Translator, panel: usecase.Panel) -> None:
    """The supporter's screen again, in place, after a switch."""
    query = update.callback_query
    if query is not None:
        await query.edit_message_text(render_supporter(tr, panel), reply_markup=supporter_markup(tr, panel))


async def _share(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    item_text, _, on_text = choice.arg.partition(".")
    if item_text not in {item.value for item in ShareItem} or on_text not in ("0", "1"):
        return False
    svc = services(context)
    found = await usecase.set_share(svc, user_id, choice.ident, ShareItem(item_text), on_text == "1")
    if found is None:
        return False
    if on_text == "0":  # whatever was queued with this item in it does not go
        await svc.outbox.cancel_pending(weekly_key(choice.ident))
    await _show_panel(update, tr, found)
    return True


async def _goal(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    """One goal of the member's plan shared with this supporter, or not; nothing to cancel, since
    an update with goals in it is never queued."""
    goal_text, _, on_text = choice.arg.partition(".")
    if not goal_text.isascii() or not goal_text.isdigit() or on_text not in ("0", "1"):
        return False
    found = await usecase.set_goal_share(
        services(context), user_id, choice.ident, int(goal_text), on_text == "1"
    )
    if found is None:
        return False
    log.info(
        "Goal sharing %s with link %d by %s", "on" if on_text == "1" else "off", choice.ident, log_id(user_id)
    )
    await _show_panel(update, tr, found)
    return True


async def _reach(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    names = await reach_out(context, user_id, choice.ident or None)
    if choice.ident and not names:
        return False
    await reply(update, render_reach_out_sent(tr, names))
    return True


async def _remove(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    found = await usecase.supporter(services(context), user_id, choice.ident)
    if found is None:
        return False
    await reply(update, render_remove_question(tr, found), reply_markup=remove_markup(tr, choice.ident))
    return True


async def _remove_yes(
    update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup
) -> bool:
    svc = services(context)
    removed = await usecase.remove_supporter(svc, user_id, choice.ident)
    if removed is None:
        return False
    await stop_updates(svc, choice.ident)
    their_tr = await translator_of(svc, removed.link.supporter_id)
    member_name = await usecase.first_name(svc, user_id)
    await tell(
        svc,
        f"supporters-ended:{choice.ident}",
        removed.link.supporter_id,
        render_removed_for_supporter(their_tr, member_name),
    )
    log.info("Supporter link %d removed by %s", choice.ident, log_id(user_id))
    query = update.callback_query
    if query is not None:
        await query.edit_message_text(render_removed(tr, removed.name))
    return True


async def _invite(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    svc = services(context)
    created = await usecase.create_invite(svc, user_id)
    if created is None:
        await reply(update, render_full(tr, svc.settings.max_supporters))
        return True
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{created.token}"
    zone = await svc.home_timezone(user_id)
    await reply(update, render_invite(tr, link, created.expires_at, zone))
    log.info("Supporter invitation made by %s", log_id(user_id))
    return True


async def _withdraw(
    update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup
) -> bool:
    if not await usecase.withdraw_invite(services(context), user_id, choice.ident):
        return False
    await show_overview(update, context, tr, user_id)
    return True


async def _when(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    await reply(update, tr._("Which day should the weekly update go out?"), reply_markup=when_markup(tr))
    return True


async def _day(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    if not 0 <= choice.ident <= 6:
        return False
    text = tr._("At what time? (Each supporter gets it at that time in their own time zone.)")
    await reply(update, text, reply_markup=hour_markup(tr, choice.ident))
    return True


async def _hour(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Sup) -> bool:
    if not 0 <= choice.ident <= 6 or not choice.arg.isdigit() or int(choice.arg) not in HOURS:
        return False
    svc = services(context)
    schedule = UpdateSchedule(choice.ident, time(int(choice.arg)))
    for link in await usecase.set_schedule(svc, user_id, schedule):
        plan_update(svc, link)
    await reply(
        update, tr._("Done: the weekly update goes out on {when}.").format(when=render_schedule(tr, schedule))
    )
    return True


BUTTONS = {
    "open": _open,
    "share": _share,
    "goal": _goal,
    "reach": _reach,
    "remove": _remove,
    "remove_yes": _remove_yes,
    "invite": _invite,
    "withdraw": _withdraw,
    "when": _when,
    "day": _day,
    "hour": _hour,
}


# -- the acknowledgement's news, for the member --


async def tell_member_on_it(svc: Services, request_id: int, member_id: int, supporter_name: str) -> None:
    tr = await translator_of(svc, member_id)
    await tell(svc, f"supporters-on-it:{request_id}", member_id, render_on_it_for_member(tr, supporter_name))


# -- coordinators --


async def support_stats(update: Update, context: KindredContext) -> None:
    if not await require(update, context, Action.VIEW_SUPPORT_STATS):
        return
    svc = services(context)
    tr = await translator_for(update, context)
    counts = await usecase.support_counts(svc)
    await reply(update, render_support_counts(tr, counts, svc.settings.small_cell_threshold))


STATS_COMMAND = Command(
    "supportstats",
    N_("Supporter counts"),
    role=Role.COORDINATOR,
    where=PRIVATE_ONLY,
    order=80,
)


# -- personal data --


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, object]:
    return await usecase.export(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    """Either side: every link ends, the other party is told it ended (never why)."""
    svc = services(context)
    erased = await usecase.erase(svc, user_id)
    for supporter in erased.as_member:
        await stop_updates(svc, supporter.link.id)
        tr = await translator_of(svc, supporter.link.supporter_id)
        await tell(
            svc,
            f"supporters-ended:{supporter.link.id}",
            supporter.link.supporter_id,
            render_removed_for_supporter(tr, await usecase.first_name(svc, user_id)),
        )
    for supported in erased.as_supporter:
        await stop_updates(svc, supported.link.id)
        tr = await translator_of(svc, supported.link.member_id)
        name = await usecase.first_name(svc, user_id)
        await tell(
            svc,
            f"supporters-left:{supported.link.id}",
            supported.link.member_id,
            render_left_for_member(tr, name),
        )
    if not erased.anything:
        return []
    log.info("Erased supporter links of %s", log_id(user_id))
    return [N_("your supporter links, on both sides, and what you chose to share")]


# -- wiring --


async def on_startup(application: KindredApplication) -> None:
    """Plan every link's next weekly update from the database (a missed one runs at once)."""
    svc: Services = application.bot_data.services
    links = await usecase.links_to_plan(svc)
    for link in links:
        plan_update(svc, link)
    log.info("Planned %d weekly supporter updates", len(links))


def handlers() -> dict[int, list[AnyHandler]]:
    private = filters.ChatType.PRIVATE
    return {
        FEATURES: [
            CommandHandler("supporters", supporters_command, filters=private),
            CommandHandler("supporters", in_group, filters=filters.ChatType.GROUPS),
            CommandHandler("supportstats", support_stats, filters=private),
            CallbackQueryHandler(on_button, pattern=Sup.pattern()),
        ]
    }


FEATURE = Feature(
    name="supporters",
    handlers=handlers,
    commands=(*COMMANDS, STATS_COMMAND),
    on_startup=on_startup,
    replan=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
)
