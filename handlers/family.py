"""Families and supporters, the supporter's side (issue 24): the invitation link, /family
(resources for families, family meetings, a short self-check), "I'm on it", leaving, and the
facilitator's /familygroup.

A supporter is not a member: nothing here shows a group, a meeting roster or a member, except the
one member who invited them and the meetings of groups marked as family groups, which are meant
for families.  The self-check keeps no answers: they travel on its own buttons and are gone once
it ends.  What supporters write is screened by the crisis net like anyone's (handlers/crisis.py
runs first, on every private message).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.domain.i18n import N_, Translator
from bot.domain.resources import Resource, by_category, load_resource_file
from bot.domain.roles import Action, Role
from bot.domain.supporters import (
    FAMILY_RESOURCES,
    SELF_CHECK_QUESTIONS,
    InviteProblem,
    SelfCheckResult,
    parse_answers,
    self_check_result,
    token_from_payload,
)
from bot.domain.timezones import canonical_timezone
from bot.runtime.commands import GROUP_ONLY, PRIVATE_ONLY, Command
from bot.runtime.feature import AnyHandler, Feature
from bot.runtime.logs import log_id
from bot.usecases import supporters as usecase
from bot.usecases.supporters import Accepted
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    escape,
    reply,
    require,
    services,
    translator_for,
)
from handlers.crisis import crisis_resources, render_support
from handlers.resources import render_resource
from handlers.supporters import plan_update, stop_updates, tell, tell_member_on_it
from handlers.supporters_views import (
    FAMILY_HEADINGS,
    INVITE_PROBLEMS,
    STALE_FAMILY,
    Fam,
    family_markup,
    invitation_markup,
    leave_markup,
    render_accepted_for_member,
    render_declined,
    render_declined_for_member,
    render_family_home,
    render_family_meetings,
    render_invitation,
    render_leave_question,
    render_left,
    render_left_for_member,
    render_self_check_question,
    render_self_check_result,
    render_welcome_supporter,
    self_check_markup,
    translator_of,
)

log = logging.getLogger(__name__)

COMMANDS = (
    Command(
        "family",
        N_("For families and supporters"),
        where=PRIVATE_ONLY,
        order=36,
    ),
    Command(
        "familygroup",
        N_("Mark this group as a family group (on/off): its meetings are listed in /family"),
        role=Role.FACILITATOR,
        where=GROUP_ONLY,
        order=85,
    ),
)

INVITE_LINK = filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)?\s+s[A-Za-z0-9_-]{16,64}\s*$")


def family_resources(context: KindredContext, tr: Translator) -> tuple[Resource, ...]:
    """The organisation's file (``FAMILY_RESOURCES_FILE``, any language), else the bundled list in
    the reader's language."""
    own = services(context).settings.family_resources_file
    return load_resource_file(own or FAMILY_RESOURCES.get(tr.language, FAMILY_RESOURCES["en"]))


# -- the invitation --


async def open_invitation(update: Update, context: KindredContext) -> None:
    """``/start s<token>``: who invites the opener, with Accept and Decline; or why not."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    tr = await translator_for(update, context)
    token = token_from_payload((message.text or "").split(maxsplit=1)[-1].strip()) or ""
    found = (
        await usecase.preview_invite(services(context), token, user.id) if token else InviteProblem.UNKNOWN
    )
    if isinstance(found, InviteProblem):
        log.info("Refused an invitation link opened by %s (%s)", log_id(user.id), found.value)
        await reply(update, tr._(INVITE_PROBLEMS[found]))
        return
    await reply(
        update,
        render_invitation(tr, found.member_name),
        reply_markup=invitation_markup(tr, found.invitation_id, token),
    )


async def _accept(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam) -> bool:
    svc = services(context)
    result = await usecase.accept_invite(svc, choice.arg, user_id)
    query = update.callback_query
    if isinstance(result, InviteProblem):
        if result is InviteProblem.UNKNOWN and await usecase.accepted_already(svc, choice.ident, user_id):
            result = InviteProblem.ALREADY  # a second press of "Accept"
        await answer_query(query, tr._(INVITE_PROBLEMS[result]), alert=True)
        return True
    await welcome(update, context, tr, result)
    return True


async def welcome(update: Update, context: KindredContext, tr: Translator, accepted: Accepted) -> None:
    svc = services(context)
    plan_update(svc, accepted.link)
    member_tr = await translator_of(svc, accepted.link.member_id)
    await tell(
        svc,
        f"supporters-accepted:{accepted.link.id}",
        accepted.link.member_id,
        render_accepted_for_member(member_tr, accepted.supporter_name),
    )
    log.info("Supporter link %d accepted by %s", accepted.link.id, log_id(accepted.link.supporter_id))
    await answer_query(update.callback_query)
    query = update.callback_query
    if query is not None:
        await query.edit_message_text(render_welcome_supporter(tr, accepted.member_name))


async def _decline(
    update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam
) -> bool:
    svc = services(context)
    result = await usecase.decline_invite(svc, choice.arg, user_id)
    if isinstance(result, InviteProblem):
        await answer_query(update.callback_query, tr._(INVITE_PROBLEMS[result]), alert=True)
        return True
    member_tr = await translator_of(svc, result)
    await tell(svc, f"supporters-declined:{choice.ident}", result, render_declined_for_member(member_tr))
    await answer_query(update.callback_query)
    query = update.callback_query
    if query is not None:
        await query.edit_message_text(render_declined(tr))
    return True


# -- "I'm on it" --


async def _ack(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam) -> bool:
    svc = services(context)
    done = await usecase.acknowledge(svc, user_id, choice.ident)
    if done is None:
        return False
    if done.first:
        await tell_member_on_it(svc, choice.ident, done.link.member_id, done.supporter_name)
        log.info("Reach-out request %d acknowledged", choice.ident)
    await answer_query(
        update.callback_query, tr._("Thank you. I told {name} you are on it.").format(name=done.member_name)
    )
    query = update.callback_query
    if done.first and query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    return True


# -- /family --


async def family_command(update: Update, context: KindredContext) -> None:
    user = update.effective_user
    if user is None:
        return
    tr = await translator_for(update, context)
    if context.args and context.args[0].lower() == "zone":
        await set_zone(update, context, tr, user.id, " ".join(context.args[1:])[:64])
        return
    await show_home(update, context, tr, user.id)


async def show_home(update: Update, context: KindredContext, tr: Translator, user_id: int) -> None:
    svc = services(context)
    supporting = await usecase.supported(svc, user_id)
    zone = await usecase.supporter_zone(svc, user_id)
    await reply(update, render_family_home(tr, supporting, zone), reply_markup=family_markup(tr, supporting))


async def set_zone(update: Update, context: KindredContext, tr: Translator, user_id: int, text: str) -> None:
    zone = canonical_timezone(text) if text else None
    if zone is None:
        await reply(
            update,
            tr._(
                "I don't know that time zone. Send it like /family zone Europe/Madrid "
                "or /family zone America/Mexico_City."
            ),
        )
        return
    svc = services(context)
    for link in await usecase.set_supporter_zone(svc, user_id, zone):
        plan_update(svc, link)
    await reply(update, tr._("Done: your weekly updates arrive in {zone}.").format(zone=escape(zone)))


async def _home(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam) -> bool:
    await answer_query(update.callback_query)
    await show_home(update, context, tr, user_id)
    return True


async def _resources(
    update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam
) -> bool:
    await answer_query(update.callback_query)
    grouped = by_category(family_resources(context, tr))
    for key, entries in grouped.items():
        heading = f"<b>{escape(tr._(FAMILY_HEADINGS.get(key, FAMILY_HEADINGS['other'])))}</b>"
        await reply(update, "\n\n".join([heading, *(render_resource(tr, entry) for entry in entries)]))
    return True


async def _meetings(
    update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam
) -> bool:
    await answer_query(update.callback_query)
    meetings = await usecase.family_meetings(services(context))
    await reply(update, render_family_meetings(tr, meetings))
    return True


async def _leave(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam) -> bool:
    supporting = {s.link.id: s for s in await usecase.supported(services(context), user_id)}
    if choice.ident not in supporting:
        return False
    await answer_query(update.callback_query)
    name = supporting[choice.ident].member_name
    await reply(update, render_leave_question(tr, name), reply_markup=leave_markup(tr, choice.ident))
    return True


async def _leave_yes(
    update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam
) -> bool:
    svc = services(context)
    left = await usecase.leave(svc, user_id, choice.ident)
    if left is None:
        return False
    await stop_updates(svc, choice.ident)
    member_tr = await translator_of(svc, left.link.member_id)
    name = await usecase.first_name(svc, user_id)
    await tell(
        svc, f"supporters-left:{choice.ident}", left.link.member_id, render_left_for_member(member_tr, name)
    )
    log.info("Supporter link %d left by %s", choice.ident, log_id(user_id))
    await answer_query(update.callback_query)
    query = update.callback_query
    if query is not None:
        await query.edit_message_text(render_left(tr, left.member_name))
    return True


# -- a minute for yourself --


async def _check(update: Update, context: KindredContext, tr: Translator, user_id: int, choice: Fam) -> bool:
    """One step of the self-check: the answers so far ride on the button, nothing is stored."""
    answers = parse_answers(choice.arg)
    if answers is None or choice.ident != len(answers):
        return False
    await answer_query(update.callback_query)
    query = update.callback_query
    if len(answers) < SELF_CHECK_QUESTIONS:
        text, markup = (
            render_self_check_question(tr, len(answers)),
            self_check_markup(tr, len(answers), choice.arg),
        )
        if choice.ident == 0:
            await reply(update, text, reply_markup=markup)
        elif query is not None:
            await query.edit_message_text(text, reply_markup=markup)
        return True
    result = self_check_result(answers)
    if result is SelfCheckResult.CRISIS:  # the crisis lines first, before anything else
        await reply(update, render_support(tr, crisis_resources(context), None, told=True))
    if query is not None:
        await query.edit_message_text(render_self_check_result(tr, result))
    return True


BUTTONS = {
    "acc": _accept,
    "dec": _decline,
    "ack": _ack,
    "home": _home,
    "res": _resources,
    "meet": _meetings,
    "leave": _leave,
    "leave_yes": _leave_yes,
    "check": _check,
}


async def on_button(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    choice = Fam.unpack(query.data)
    handler = BUTTONS.get(choice.action) if choice is not None else None
    private = update.effective_chat is not None and update.effective_chat.id == user.id
    if (
        choice is None
        or handler is None
        or not private
        or not await handler(update, context, tr, user.id, choice)
    ):
        await answer_query(query, tr._(STALE_FAMILY), alert=True)


# -- facilitators: family groups --


async def family_group(update: Update, context: KindredContext) -> None:
    chat = update.effective_chat
    if chat is None or not await require(update, context, Action.MARK_FAMILY_GROUP, chat.id):
        return
    tr = await translator_for(update, context)
    choice = (context.args or [""])[0].lower()
    if choice not in ("on", "off"):
        await reply(
            update,
            tr._(
                "Send /familygroup on to list this group's meetings for families in /family, "
                "or /familygroup off."
            ),
        )
        return
    await usecase.set_family_group(services(context), chat.id, choice == "on")
    if choice == "on":
        await reply(
            update,
            tr._(
                "This is now a family group: its meetings are listed for families and supporters in /family."
            ),
        )
    else:
        await reply(update, tr._("This group's meetings are no longer listed in /family."))


def handlers() -> dict[int, list[AnyHandler]]:
    return {
        FEATURES: [
            CommandHandler("start", open_invitation, filters=INVITE_LINK),
            CommandHandler("family", family_command, filters=filters.ChatType.PRIVATE),
            CommandHandler("familygroup", family_group, filters=filters.ChatType.GROUPS),
            CallbackQueryHandler(on_button, pattern=Fam.pattern()),
        ]
    }


FEATURE = Feature(name="family", handlers=handlers, commands=COMMANDS)
