"""What every handler shares: handler groups, the services, the reader's language, replies,
and the authorisation guard (the one door every privileged handler goes through)."""

from __future__ import annotations

import contextlib
import html
import logging
import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden
from telegram.warnings import PTBUserWarning

from bot.domain.attempts import AttemptLimiter
from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.roles import Action, Decision
from bot.runtime.commands import ChatKind
from bot.runtime.context import KindredApplication, KindredContext
from bot.runtime.logs import log_id
from bot.runtime.services import Services
from bot.usecases import care

log = logging.getLogger(__name__)

# Handler groups, in the order python-telegram-bot runs them for each update.
CRISIS = -20  # crisis screening answers before anything else
GUARD = -10  # records people and memberships; never replies
FEATURES = 0  # commands, conversations and buttons
FALLBACK = 10  # catch-alls such as "I did not understand that"


def services(context: KindredContext) -> Services:
    return context.bot_data.services


def user_data(context: KindredContext) -> dict[Any, Any]:
    """The person's conversation data, where a form keeps its unconfirmed draft.

    PTB leaves ``context.user_data`` None only for updates without a person (channel posts, polls);
    a handler that keeps a draft is never reached by one, so None is a wiring mistake and fails
    loudly here rather than quietly losing what someone typed."""
    if context.user_data is None:
        raise RuntimeError("this update has no person, so no conversation data")
    return context.user_data


def application(context: KindredContext) -> KindredApplication:
    """The running application, typed: PTB's ``context.application`` leaves its context type
    unbound, while ``build_application`` attached this very application, fully typed, to the
    services (a different one would be a wiring mistake, and fails loudly)."""
    running = services(context).application
    if running is None or running is not context.application:
        raise RuntimeError("handlers run inside the application build_application made")
    return running


def escape(value: object) -> str:
    """HTML-escape anything a person typed before it goes into an HTML message."""
    return html.escape(str(value), quote=False)


def chat_kind(update: Update) -> ChatKind:
    chat = update.effective_chat
    return ChatKind.PRIVATE if chat is not None and chat.type == ChatType.PRIVATE else ChatKind.GROUP


def is_private(update: Update) -> bool:
    return chat_kind(update) is ChatKind.PRIVATE


async def person_language(context: KindredContext, user_id: int, telegram_code: str | None) -> str:
    person = await services(context).people.get(user_id)
    if person is not None and person.language:
        return person.language
    return resolve_language(telegram_code if person is None else person.telegram_language or telegram_code)


async def translator_for(update: Update, context: KindredContext) -> Translator:
    """The reader's language: the person's in private chats, the group's in groups."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != ChatType.PRIVATE:
        group = await services(context).groups.get(chat.id)
        if group is not None:
            return translator(group.language)
    if user is None:
        return translator("en")
    return translator(await person_language(context, user.id, user.language_code))


MESSAGE_LIMIT = 4000  # Telegram allows 4,096 characters; HTML tags count only as entities


def chunks(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split a long message at line ends into pieces Telegram accepts (a letter may list a year,
    a coordinator's help lists every command)."""
    pieces: list[list[str]] = [[]]
    size = 0
    for line in text.split("\n"):
        if pieces[-1] and size + 1 + len(line) > limit:
            pieces.append([])
            size = -1
        pieces[-1].append(line)
        size += 1 + len(line)
    return ["\n".join(piece) for piece in pieces]


async def reply_in_parts(update: Update, text: str) -> None:
    """Answer with a text that may be longer than one message, in as few messages as it takes."""
    for piece in chunks(text):
        await reply(update, piece)


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat the update came from (HTML parse mode is the application default)."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, **kwargs)


async def talk_privately(update: Update, context: KindredContext, text: str, start: str = "") -> None:
    """Answer a personal command sent in a group: *text* (the feature's own words) and a button
    that opens the private chat, with ``/start <start>`` when the feature handles that payload."""
    tr = await translator_for(update, context)
    link = f"https://t.me/{context.bot.username}" + (f"?start={start}" if start else "")
    button = InlineKeyboardButton(tr._("Talk to me privately"), url=link)
    await reply(update, text, reply_markup=InlineKeyboardMarkup([[button]]))


async def edit_in_place(
    context: KindredContext,
    where: tuple[int, int],
    content: tuple[str, InlineKeyboardMarkup | None],
    *,
    what: str,
) -> bool:
    """Show freshly rendered counts on a message the bot posted earlier, ``where`` being its chat
    and message ids (the edit coalescer's last step); False, with a quiet log line naming *what* it
    was, if Telegram refuses the edit."""
    (chat_id, message_id), (text, keyboard) = where, content
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
        )
    except (BadRequest, Forbidden) as error:
        log.info("Could not update %s: %s", what, error.message)
        return False
    return True


async def answer_query(query: CallbackQuery | None, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner; a query that is already too old is harmless to ignore."""
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except Exception:
        log.debug("Could not answer a callback query", exc_info=True)


STALE = N_("That button no longer works.")


async def answer_stale(query: CallbackQuery | None, tr: Translator, hint: str | None = None) -> None:
    """Answer a button whose step is over (done, cancelled, timed out, from before a restart, or
    forged) with an alert, never a spinner, and change nothing.  *hint* is a feature's own
    ``N_`` wording where it says more (how to start again, "nothing was lost"); translated here,
    from that feature's catalog."""
    await answer_query(query, tr._(hint or STALE), alert=True)


def stale_button(hint: str | None = None) -> Callable[[Update, KindredContext], Coroutine[Any, Any, None]]:
    """A handler for a feature's buttons once nothing else takes them (its form ended): each
    press is answered by :func:`answer_stale`."""

    async def answer(update: Update, context: KindredContext) -> None:
        await answer_stale(update.callback_query, await translator_for(update, context), hint)

    return answer


async def require(
    update: Update,
    context: KindredContext,
    action: Action,
    chat_id: int | None = None,
    subject: int | None = None,
) -> bool:
    """Check a privileged action (about member *subject*, for personal matters); on refusal, tell
    the person why (kindly) and return False."""
    user = update.effective_user
    if user is None:
        return False
    decision = await services(context).auth.authorize(user.id, action, chat_id, subject)
    return await _decided(update, context, action, decision)


async def require_peer_worker(
    update: Update, context: KindredContext, action: Action = Action.PEER_WORK
) -> bool:
    """Like :func:`require`, for what peer workers do (``/care``, ``/supervision``, ``/timeoff``,
    ``/team``): coordinators, peer mentors, and facilitators of any of the person's groups."""
    user = update.effective_user
    if user is None:
        return False
    svc = services(context)
    groups, mentor = await care.peer_work_standing(svc, user.id)
    decision = await svc.auth.authorize_peer_work(user.id, action, groups, mentor=mentor)
    return await _decided(update, context, action, decision)


async def _decided(update: Update, context: KindredContext, action: Action, decision: Decision) -> bool:
    """Go ahead, or tell the person kindly why not (an alert on a button) and log the refusal."""
    user = update.effective_user
    if decision:
        return True
    log.info("Refused %s for %s", action, log_id(user.id if user else 0))
    tr = await translator_for(update, context)
    if update.callback_query is not None:
        await answer_query(update.callback_query, tr._(decision.reason), alert=True)
    else:
        await reply(update, tr._(decision.reason))
    return False


async def within_limit(
    update: Update,
    context: KindredContext,
    limiter: AttemptLimiter,
    action: str,
    render: Callable[[Translator, int], str],
) -> bool:
    """Count one attempt at *action* (e.g. ``/verify``) by the caller; over their limit, log the
    refusal (a pseudonymous id, never what they sent) and tell them kindly with ``render(tr,
    minutes to wait)``, and return False."""
    user = update.effective_user
    if user is None:
        return False
    verdict = limiter.attempt(user.id, services(context).clock.now())
    if verdict:
        return True
    log.info(
        "Refused %s for %s: attempt limit reached (%d refused in a row)",
        action,
        log_id(user.id),
        verdict.refusals,
    )
    tr = await translator_for(update, context)
    await reply(update, render(tr, verdict.retry_minutes))
    return False


@contextlib.contextmanager
def buttons_tracked_per_person() -> Iterator[None]:
    """Build ``ConversationHandler``s whose buttons belong to the person's conversation.

    python-telegram-bot warns (PTBUserWarning, at every start) that with ``per_message=False`` a
    ``CallbackQueryHandler`` is tracked per chat and user rather than per message.  That is what
    Kindred's forms want: one broadcast, wizard or form per person at a time, whichever of its
    messages a button is on, and text answers in between (``per_message=True`` would forbid them).
    Only that one warning is silenced, and only while the handler is built."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"If 'per_message=False', 'CallbackQueryHandler' will not be tracked",
            category=PTBUserWarning,
        )
        yield
