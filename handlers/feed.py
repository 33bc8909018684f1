"""Meeting Guide feeds (issue 11): /feed, /feed publish|unpublish, /import, and the feed server.

* ``/feed`` sends the group's weekly meetings as ``feed.json`` (in the group, or privately for a
  group the person belongs to), with the meetings the format cannot hold listed as left out.
* ``/feed publish`` (facilitators) gives the group a stable, unguessable feed URL, served over
  HTTP in webhook mode by :mod:`bot.runtime.feed_server`; ``/feed unpublish`` withdraws it.
* Import: a facilitator sends a Meeting Guide JSON file (caption ``/import`` in a group; any
  ``.json`` file in private) or ``/import https://…``.  The valid meetings are shown with toggle
  buttons; "Import selected" creates them in one transaction, so nothing is half-imported.  The
  draft waits in ``user_data`` (small, unconfirmed, and lost on restart by design).

What the feature does, step by step, is :mod:`bot.usecases.feed`; the domain (mapping,
validation) is :mod:`bot.domain.meeting_guide`; messages are in :mod:`handlers.feed_views`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.domain.i18n import N_, translator
from bot.domain.meeting_guide import ImportedMeeting
from bot.domain.recurrence import escape_params
from bot.domain.roles import Action, Role
from bot.runtime.commands import Command
from bot.runtime.context import KindredApplication
from bot.runtime.feature import Feature, Handlers
from bot.runtime.feed_fetch import FetchError, fetch_feed
from bot.runtime.feed_server import FeedServer
from bot.usecases import feed as uc
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    is_private,
    reply,
    require,
    services,
    translator_for,
    user_data,
    within_limit,
)
from handlers.feed_views import (
    FeedGroup,
    FeedPick,
    group_markup,
    import_markup,
    render_export_caption,
    render_fetch_limit,
    render_group_imported,
    render_import_preview,
    render_imported,
    render_published,
)
from handlers.meetings.views import TEXTS as MEETING_TEXTS
from storage.groups import Group

log = logging.getLogger(__name__)

IMPORT_HOW = N_(
    "Send the Meeting Guide .json file with the caption /import, "
    "or /import followed by the feed's https link."
)

COMMANDS = (
    Command(
        "feed",
        N_("This group's meetings as a Meeting Guide JSON feed"),
        order=26,
        details=N_(
            "Facilitators: /feed publish gives the group a feed address for intergroup websites and "
            "the Meeting Guide app; /feed unpublish removes it."
        ),
    ),
    Command(
        "import",
        N_("Add meetings from a Meeting Guide JSON file or link"),
        role=Role.FACILITATOR,
        order=27,
        details=IMPORT_HOW,
    ),
)

MAX_FILE_BYTES = 1_000_000
MAX_CHOICES = 40  # toggle buttons in one message (Telegram allows 100)
SESSION_KEY = "feed_import"
PENDING_KEY = "feed_import_bytes"
STALE = N_("That button no longer works. Please send the feed again.")
NOT_A_FACILITATOR = N_(
    "Only a group's facilitators can import meetings, and I don't see a group you facilitate."
)


@dataclass
class ImportSession:
    """An import waiting for the facilitator's choice; nothing is stored until "Import selected"."""

    chat_id: int
    meetings: list[ImportedMeeting]
    chosen: set[int] = field(default_factory=set)


async def send_feed(update: Update, context: KindredContext, group: Group) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    tr = await translator_for(update, context)
    feed = await uc.group_feed(services(context), group)
    body, export = feed.body, feed.export
    caption = render_export_caption(tr, group.title, len(export.entries), export.skipped)
    await chat.send_document(body, filename="feed.json", caption=caption)


async def feed_command(update: Update, context: KindredContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    word = (context.args or [""])[0].lower()
    if not is_private(update) and word in ("publish", "unpublish"):
        await publish(update, context, chat.id, word == "publish")
        return
    tr = await translator_for(update, context)
    if not is_private(update):
        group = await uc.group_of(services(context), chat.id)
        if group is not None:
            await send_feed(update, context, group)
        return
    groups = await uc.groups_of(services(context), user.id)
    if word in ("publish", "unpublish"):
        await reply(update, tr._("Please send /feed publish or /feed unpublish in the group itself."))
    elif not groups:
        await reply(update, tr._("I don't know any group of yours yet. Say hello in your group first."))
    elif len(groups) == 1:
        await send_feed(update, context, groups[0])
    else:
        choices = [(g.chat_id, g.title) for g in groups]
        await reply(update, tr._("Which group's feed?"), reply_markup=group_markup(choices, "export"))


async def publish(update: Update, context: KindredContext, chat_id: int, on: bool) -> None:
    if not await require(update, context, Action.SCHEDULE_MEETINGS, chat_id):
        return
    tr = await translator_for(update, context)
    if not on:
        removed = await uc.unpublish(services(context), chat_id)
        await reply(
            update,
            tr._("The feed is no longer published; its address stops working now.")
            if removed
            else tr._("This group's feed is not published."),
        )
        return
    published = await uc.publish(services(context), chat_id)
    await reply(update, render_published(tr, published.url, published.path, published.served))


# -- import: receiving a feed --


async def import_targets(update: Update, context: KindredContext) -> list[Group] | None:
    """Where the caller may import, decided before anything is downloaded: in a group, the group
    itself if they facilitate it; in private, every group of theirs they facilitate.  None when
    they may not (and they have been told why)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    if not is_private(update):
        if not await require(update, context, Action.IMPORT_FEED, chat.id):
            return None
        group = await uc.group_of(services(context), chat.id)
        return [group] if group is not None else None
    groups = await uc.import_groups(services(context), user.id)
    if not groups:
        tr = await translator_for(update, context)
        await reply(update, tr._(NOT_A_FACILITATOR))
        return None
    return groups


async def import_command(update: Update, context: KindredContext) -> None:
    """``/import https://…`` fetches the feed; a bare /import explains how.  Who asks is checked
    before anything is fetched, and one person may have only so many links fetched an hour: a
    fetch is a download the bot makes on someone's behalf."""
    groups = await import_targets(update, context)
    if groups is None:
        return
    tr = await translator_for(update, context)
    link = (context.args or [""])[0]
    if not link:
        await reply(update, tr._(IMPORT_HOW))
        return
    limiter = services(context).throttles.feed_fetch
    if not await within_limit(update, context, limiter, "/import <link>", render_fetch_limit):
        return
    try:
        raw = await fetch_feed(link)
    except FetchError as error:
        await reply(update, tr._(error.message).format(**escape_params(error.params)))
        return
    await received(update, context, raw, groups)


async def on_document(update: Update, context: KindredContext) -> None:
    message = update.effective_message
    document = message.document if message else None
    if message is None or document is None:
        return
    groups = await import_targets(update, context)
    if groups is None:
        return
    tr = await translator_for(update, context)
    if (document.file_size or 0) > MAX_FILE_BYTES:
        await reply(update, tr._("That file is larger than 1 MB; please send a smaller one."))
        return
    try:
        file = await document.get_file()
        raw = bytes(await file.download_as_bytearray())
    except TelegramError:
        log.warning("Could not download a feed file", exc_info=True)
        await reply(update, tr._("I couldn't download that file. Please send it again."))
        return
    await received(update, context, raw[: MAX_FILE_BYTES + 1], groups)


async def received(update: Update, context: KindredContext, raw: bytes, groups: list[Group]) -> None:
    """A feed arrived for *groups* (from :func:`import_targets`): show what can be imported into
    the one group, or ask which group first."""
    if len(groups) == 1:
        await preview(update, context, groups[0], raw)
        return
    tr = await translator_for(update, context)
    user_data(context)[PENDING_KEY] = raw
    choices = [(g.chat_id, g.title) for g in groups]
    await reply(
        update,
        tr._("Which group should these meetings go to?"),
        reply_markup=group_markup(choices, "import"),
    )


async def preview(update: Update, context: KindredContext, group: Group, raw: bytes) -> None:
    tr = await translator_for(update, context)
    draft = uc.read_feed(services(context), group, raw)
    if len(draft.meetings) > MAX_CHOICES:
        await reply(
            update,
            tr._(
                "That feed has {count} meetings; I can import up to {limit} at a time. Please split the file."
            ).format(count=len(draft.meetings), limit=MAX_CHOICES),
        )
        return
    text = render_import_preview(tr, group.title, draft.meetings, draft.problems)
    if not draft.meetings:
        user_data(context).pop(SESSION_KEY, None)
        await reply(update, text[:4000])
        return
    session = ImportSession(group.chat_id, draft.meetings, set(range(len(draft.meetings))))
    user_data(context)[SESSION_KEY] = session
    await reply(update, text[:4000], reply_markup=import_markup(tr, session.meetings, session.chosen))
    log.info("Feed import previewed: %d meetings, %d refused", len(draft.meetings), len(draft.problems))


# -- buttons --


async def on_group_choice(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    choice = FeedGroup.unpack(query.data if query else None)
    tr = await translator_for(update, context)
    groups = await uc.groups_of(services(context), user.id) if user else []
    group = next((g for g in groups if choice and g.chat_id == choice.chat_id), None)
    if query is None or choice is None or group is None or choice.purpose not in ("export", "import"):
        await answer_query(query, tr._(STALE), alert=True)
        return
    if choice.purpose == "import":
        raw = user_data(context).pop(PENDING_KEY, None)
        if not isinstance(raw, bytes) or not await require(
            update, context, Action.IMPORT_FEED, group.chat_id
        ):
            if not isinstance(raw, bytes):
                await answer_query(query, tr._(STALE), alert=True)
            return
        await answer_query(query)
        await preview(update, context, group, raw)
        return
    await answer_query(query)
    await send_feed(update, context, group)


async def on_pick(update: Update, context: KindredContext) -> None:
    query = update.callback_query
    pick = FeedPick.unpack(query.data if query else None)
    session = user_data(context).get(SESSION_KEY)
    tr = await translator_for(update, context)
    if query is None or pick is None or not isinstance(session, ImportSession):
        await answer_query(query, tr._(STALE), alert=True)
        return
    if pick.action == "stop":
        user_data(context).pop(SESSION_KEY, None)
        await answer_query(query)
        await edit(query.message, tr._("Import cancelled; nothing was added."))
        return
    if pick.action == "go":
        await finish_import(update, context, session)
        return
    if pick.action == "toggle" and 0 <= pick.position < len(session.meetings):
        session.chosen ^= {pick.position}
    elif pick.action == "all":
        session.chosen = set(range(len(session.meetings)))
    elif pick.action == "none":
        session.chosen = set()
    else:
        await answer_query(query, tr._(STALE), alert=True)
        return
    await answer_query(query)
    try:
        await query.edit_message_reply_markup(import_markup(tr, session.meetings, session.chosen))
    except TelegramError:
        log.debug("Could not refresh the import buttons", exc_info=True)


async def finish_import(update: Update, context: KindredContext, session: ImportSession) -> None:
    query, user = update.callback_query, update.effective_user
    tr = await translator_for(update, context)
    if query is None or user is None:
        return
    if not await require(update, context, Action.IMPORT_FEED, session.chat_id):
        return
    group = await uc.group_of(services(context), session.chat_id)
    chosen = [session.meetings[i] for i in sorted(session.chosen)]
    if group is None or not chosen:
        await answer_query(query, tr._("Please select at least one meeting."), alert=True)
        return
    await answer_query(query)
    user_data(context).pop(SESSION_KEY, None)
    created = await uc.import_meetings(services(context), MEETING_TEXTS, group, chosen, user.id)
    await edit(query.message, render_imported(tr, group.title, chosen))
    if is_private(update):
        try:
            await context.bot.send_message(
                group.chat_id, render_group_imported(translator(group.language), len(created))
            )
        except TelegramError:
            log.info("Could not tell a group about imported meetings")


async def edit(message: MaybeInaccessibleMessage | None, text: str) -> None:
    if isinstance(message, Message):
        try:
            await message.edit_text(text[:4000])
        except TelegramError:
            log.debug("Could not edit an import message", exc_info=True)


# -- the feed server (webhook mode) --


async def on_startup(application: KindredApplication) -> None:
    svc = application.bot_data.services
    if not svc.settings.feeds_served:
        return

    async def lookup(token: str) -> bytes | None:
        return await uc.feed_for_token(svc, token)

    server = FeedServer(lookup)
    await server.start(svc.settings.feed_listen, svc.settings.feed_port)
    application.bot_data.feed_server = server  # type: ignore[attr-defined]


async def on_shutdown(application: KindredApplication) -> None:
    server = getattr(application.bot_data, "feed_server", None)
    if server is not None:
        await server.stop()


def handlers() -> Handlers:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    json_file = filters.Document.FileExtension("json") | filters.Document.MimeType("application/json")
    import_caption = filters.CaptionRegex(r"^/import(@\w+)?(\s|$)")
    return {
        FEATURES: [
            CommandHandler("feed", feed_command),
            CommandHandler("import", import_command),
            MessageHandler(json_file & (private | (groups & import_caption)), on_document),
            CallbackQueryHandler(on_group_choice, pattern=FeedGroup.pattern()),
            CallbackQueryHandler(on_pick, pattern=FeedPick.pattern()),
        ]
    }


FEATURE = Feature(
    name="feed",
    handlers=handlers,
    commands=COMMANDS,
    on_startup=on_startup,
    on_shutdown=on_shutdown,
)
