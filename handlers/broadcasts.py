"""/broadcast: facilitators and coordinators write an announcement, choose groups, preview, send.

The conversation, the words and the progress messages live here; who may send where, who
receives it, its delivery through the outbox and the sender's report are
:mod:`bot.usecases.broadcasts`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.broadcasts import PRIVATE_ANNOUNCEMENTS, Draft, Progress, length_problem
from bot.domain.i18n import N_, Translator, translator
from bot.domain.roles import Action, Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.context import KindredApplication
from bot.runtime.edit_coalescer import Edit
from bot.runtime.feature import Feature, Handlers
from bot.usecases import broadcasts as usecase
from bot.usecases.broadcasts import Status, Wording
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    answer_stale,
    edit_in_place,
    escape,
    is_private,
    reply,
    require,
    services,
    stale_button,
    translator_for,
)
from storage.broadcasts import Broadcast
from storage.groups import Group

log = logging.getLogger(__name__)

STALE_DRAFT = N_("That button no longer works. Please send /broadcast again.")
STALE_PROGRESS = N_("That button no longer works. Please send /broadcast status.")

COMMANDS = (
    Command(
        "broadcast",
        N_("Send an announcement to your groups"),
        role=Role.FACILITATOR,
        where=PRIVATE_ONLY,
        order=40,
        details=N_(
            "Write the announcement (text, or a photo or document with a caption), choose the groups, "
            "look at the preview, then send. /broadcast status shows how your latest ones are going."
        ),
    ),
)
SETTINGS = (PRIVATE_ANNOUNCEMENTS,)

WRITING, CHOOSING = range(2)
DRAFT = "broadcast_draft"
REVISION = "broadcast_revision"
TITLE_LENGTH = 40


@dataclass(frozen=True)
class Choose(CallbackData, prefix="bcast"):
    action: str  # group, private, preview, send, change, cancel
    value: int  # a group's chat id, or the draft revision the preview showed


@dataclass(frozen=True)
class ShowProgress(CallbackData, prefix="bprog"):
    broadcast_id: int
    shown: str  # the counts the message shows now, so an unchanged press edits nothing


# -- rendering ----------------------------------------------------------------------------------


def render_announcement(tr: Translator, sender_name: str, body: str) -> str:
    heading = tr._("📣 <b>Announcement from {name}</b>").format(name=escape(sender_name))
    return f"{heading}\n\n{body}" if body.strip() else heading


def shorten(title: str) -> str:
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def short_title(group: Group) -> str:
    return shorten(group.title or str(group.chat_id))


def short_titles(titles: Sequence[str]) -> str:
    return escape(", ".join(shorten(title) for title in titles))


def render_choices(tr: Translator) -> str:
    return tr._(
        "<b>Who should receive it?</b>\nChoose one or more groups. Members who switched on "
        "“Announcements in private” in /settings can also get it in our private chat."
    )


def choices_keyboard(tr: Translator, draft: Draft, groups: Sequence[Group]) -> InlineKeyboardMarkup:
    def mark(on: bool) -> str:
        return "✅" if on else "⬜"

    rows = [
        [
            InlineKeyboardButton(
                f"{mark(g.chat_id in draft.targets)} {short_title(g)}",
                callback_data=Choose("group", g.chat_id).pack(),
            )
        ]
        for g in groups
    ]
    private = f"{mark(draft.private_copies)} {tr._('Also in private, to members who opted in')}"
    rows.append([InlineKeyboardButton(private, callback_data=Choose("private", 0).pack())])
    rows.append(
        [
            InlineKeyboardButton(tr._("Preview"), callback_data=Choose("preview", 0).pack()),
            InlineKeyboardButton(tr._("Cancel"), callback_data=Choose("cancel", 0).pack()),
        ]
    )
    return InlineKeyboardMarkup(rows)


def render_summary(tr: Translator, titles: Sequence[str], private_count: int | None) -> str:
    lines = [
        tr._("That is exactly how it will look."),
        tr._("Groups: {titles}").format(titles=short_titles(titles)),
    ]
    if private_count is not None:
        lines.append(
            tr.n_(
                "In private: {count} member who opted in",
                "In private: {count} members who opted in",
                private_count,
            ).format(count=private_count)
        )
    lines.append(tr._("Send it now?"))
    return "\n".join(lines)


def summary_keyboard(tr: Translator, revision: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr._("📣 Send"), callback_data=Choose("send", revision).pack())],
            [
                InlineKeyboardButton(tr._("Change"), callback_data=Choose("change", 0).pack()),
                InlineKeyboardButton(tr._("Cancel"), callback_data=Choose("cancel", 0).pack()),
            ],
        ]
    )


def shown_counts(p: Progress) -> str:
    return f"{p.delivered}-{p.unreachable}-{p.failed}-{p.waiting}"


def render_progress(tr: Translator, status: Status) -> str:
    p = status.progress
    lines = [
        tr._("<b>Announcement #{number}</b> to {titles}").format(
            number=status.broadcast.id, titles=short_titles(status.titles)
        ),
        tr._("Delivered: {count} of {total}").format(count=p.delivered, total=p.total),
        tr._("Unreachable (blocked me or never wrote to me): {count}").format(count=p.unreachable),
        tr._("Failed: {count}").format(count=p.failed),
    ]
    if p.done:
        lines.append(tr._("Finished."))
    else:
        lines.append(tr._("Still to send: {count}").format(count=p.waiting))
    return "\n".join(lines)


def render_report(tr: Translator, status: Status) -> str:
    return "\n".join(
        [
            tr._("Your announcement has gone out. Here is the delivery report:"),
            render_progress(tr, status),
        ]
    )


def announcement_in(language: str, sender_name: str, body: str) -> str:
    return render_announcement(translator(language), sender_name, body)


def report_in(language: str, status: Status) -> str:
    return render_report(translator(language), status)


WORDING = Wording(announcement=announcement_in, report=report_in)


def progress_keyboard(tr: Translator, broadcast_id: int, p: Progress) -> InlineKeyboardMarkup | None:
    if p.done:
        return None
    data = ShowProgress(broadcast_id, shown_counts(p)).pack()
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr._("Progress"), callback_data=data)]])


# -- who may send where -------------------------------------------------------------------------


async def target_allowed(update: Update, context: KindredContext, chat_id: int) -> bool:
    """The one check for a target, on every toggle and again on send: forged ids stop here."""
    if not await usecase.still_in(services(context), chat_id):
        tr = await translator_for(update, context)
        await answer_query(update.callback_query, tr._("I am not in that group any more."), True)
        return False
    return await require(update, context, Action.BROADCAST, chat_id)


# -- the conversation ---------------------------------------------------------------------------


def draft_of(context: KindredContext) -> Draft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, Draft) else None


def keep(context: KindredContext, draft: Draft | None) -> None:
    """Store the draft; every change bumps the revision, so a stale preview cannot be sent."""
    if context.user_data is None:
        return
    if draft is None:
        context.user_data.pop(DRAFT, None)
        return
    context.user_data[DRAFT] = draft
    context.user_data[REVISION] = int(context.user_data.get(REVISION, 0)) + 1


def revision(context: KindredContext) -> int:
    return int((context.user_data or {}).get(REVISION, 0))


async def begin(update: Update, context: KindredContext) -> int:
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    tr = await translator_for(update, context)
    if not is_private(update):
        await reply(
            update, tr._("Please send /broadcast to me in a private chat, so your draft stays private.")
        )
        return ConversationHandler.END
    if context.args and context.args[0].lower() == "status":
        await show_status(update, context, tr, user.id)
        return ConversationHandler.END
    if not await usecase.eligible_groups(services(context), user.id):
        await reply(
            update,
            tr._(
                "Only facilitators (a group's Telegram admins) and coordinators can send "
                "announcements, and I don't see a group you facilitate."
            ),
        )
        return ConversationHandler.END
    keep(context, None)
    await reply(
        update,
        tr._(
            "Write the announcement: a text, or a photo or document with a caption. "
            "You will see a preview before anything is sent. /cancel stops."
        ),
    )
    return WRITING


def content_of(message: Message) -> tuple[str, int, str | None, str | None]:
    """Body HTML (the sender's formatting kept, everything else escaped), visible length, media."""
    photo = message.photo[-1].file_id if message.photo else None
    document = message.document.file_id if message.document else None
    if photo or document:
        return (message.caption_html or "", len(message.caption or ""), photo, document)
    return message.text_html or "", len(message.text or ""), None, None


async def got_content(update: Update, context: KindredContext) -> int:
    message, user = update.message, update.effective_user
    if message is None or user is None:
        return WRITING
    tr = await translator_for(update, context)
    body, length, photo, document = content_of(message)
    problem = length_problem(length, bool(photo or document))
    if problem is not None:
        await reply(update, tr._(problem[0]).format(limit=problem[1]))
        return WRITING
    fresh = await usecase.new_draft(services(context), user.id, body, photo, document)
    keep(context, fresh.draft)
    await reply(update, render_choices(tr), reply_markup=choices_keyboard(tr, fresh.draft, fresh.groups))
    return CHOOSING


async def wrong_content(update: Update, context: KindredContext) -> int:
    tr = await translator_for(update, context)
    await reply(
        update, tr._("I can send a text, a photo or a document. Please send the announcement, or /cancel.")
    )
    return WRITING


async def cancel(update: Update, context: KindredContext) -> int:
    keep(context, None)
    tr = await translator_for(update, context)
    await reply(update, tr._("Cancelled. Nothing was sent."))
    return ConversationHandler.END


async def chosen(update: Update, context: KindredContext) -> int | None:
    """Every button of the draft; each action returns the next state (None: stay)."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return None
    tr = await translator_for(update, context)
    choice, draft = Choose.unpack(query.data), draft_of(context)
    action = ACTIONS.get(choice.action) if choice is not None else None
    if choice is None or draft is None or action is None:
        await answer_stale(query, tr, STALE_DRAFT)
        return ConversationHandler.END if draft is None else None
    return await action(update, context, tr, draft, choice.value)


async def toggle_group(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, chat_id: int
) -> int | None:
    if await target_allowed(update, context, chat_id):
        await redraw(update, context, tr, draft.toggled(chat_id))
    return None


async def toggle_private(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, _: int
) -> int | None:
    await redraw(update, context, tr, replace(draft, private_copies=not draft.private_copies))
    return None


async def change(update: Update, context: KindredContext, tr: Translator, draft: Draft, _: int) -> int | None:
    assert update.effective_user is not None  # noqa: S101 - checked by chosen()
    await answer_query(update.callback_query)
    groups = await usecase.eligible_groups(services(context), update.effective_user.id)
    await reply(update, render_choices(tr), reply_markup=choices_keyboard(tr, draft, groups))
    return None


async def cancel_draft(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, _: int
) -> int | None:
    keep(context, None)
    query = update.callback_query
    assert query is not None  # noqa: S101 - checked by chosen()
    await answer_query(query)
    await query.edit_message_text(tr._("Cancelled. Nothing was sent."))
    return ConversationHandler.END


async def redraw(update: Update, context: KindredContext, tr: Translator, draft: Draft) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None  # noqa: S101 - only called for button presses
    keep(context, draft)
    await answer_query(query)
    groups = await usecase.choices(services(context), user.id, draft)
    await query.edit_message_reply_markup(choices_keyboard(tr, draft, groups))


async def send_one(context: KindredContext, chat_id: int, text: str, draft: Draft) -> None:
    if draft.photo:
        await context.bot.send_photo(chat_id, draft.photo, caption=text)
    elif draft.document:
        await context.bot.send_document(chat_id, draft.document, caption=text)
    else:
        await context.bot.send_message(chat_id, text)


async def preview(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, _: int
) -> int | None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None  # noqa: S101 - only called for button presses
    if not draft.targets:
        await answer_query(query, tr._("Choose at least one group first."), True)
        return None
    await answer_query(query)
    shown = await usecase.preview(services(context), user.id, draft)
    await send_one(context, user.id, render_announcement(tr, shown.sender_name, draft.body), draft)
    summary = render_summary(tr, shown.titles, shown.private_count)
    await reply(update, summary, reply_markup=summary_keyboard(tr, revision(context)))
    return None


async def confirm(
    update: Update, context: KindredContext, tr: Translator, draft: Draft, previewed: int
) -> int | None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None  # noqa: S101 - only called for button presses
    if previewed != revision(context):
        await answer_query(
            query, tr._("You changed the announcement after this preview. Please preview it again."), True
        )
        return None
    for chat_id in draft.targets:
        if not await target_allowed(update, context, chat_id):
            return None
    started = await usecase.send(services(context), user.id, draft, WORDING)
    keep(context, None)
    await answer_query(query)
    text = tr._("Sending now. I will write to you here when it has finished.")
    await query.edit_message_text(
        f"{text}\n\n{render_progress(tr, started)}",
        reply_markup=progress_keyboard(tr, started.broadcast.id, started.progress),
    )
    return ConversationHandler.END


DraftAction = Callable[[Update, KindredContext, Translator, Draft, int], Awaitable[int | None]]
ACTIONS: dict[str, DraftAction] = {
    "group": toggle_group,
    "private": toggle_private,
    "preview": preview,
    "change": change,
    "send": confirm,
    "cancel": cancel_draft,
}


# -- start-up --------------------------------------------------------------------------------------


async def on_startup(application: KindredApplication) -> None:
    """Listen for finished batches, and finish what a restart interrupted."""
    await usecase.resume(application.bot_data.services, WORDING)


# -- progress -------------------------------------------------------------------------------------


async def show_status(update: Update, context: KindredContext, tr: Translator, user_id: int) -> None:
    latest = await usecase.latest(services(context), user_id)
    if not latest:
        await reply(update, tr._("You have not sent any announcements yet."))
        return
    for status in latest:
        await reply(
            update,
            render_progress(tr, status),
            reply_markup=progress_keyboard(tr, status.broadcast.id, status.progress),
        )


async def progress_pressed(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    pressed = ShowProgress.unpack(query.data)
    svc = services(context)
    broadcast = await usecase.visible_broadcast(svc, pressed.broadcast_id, user.id) if pressed else None
    if pressed is None or broadcast is None:
        await answer_stale(query, tr, STALE_PROGRESS)
        return
    status = await usecase.status_of(svc, broadcast)
    if shown_counts(status.progress) == pressed.shown:
        await answer_query(query, tr._("No change yet."))
        return
    await answer_query(query)
    if query.message is None:
        return
    view = ProgressView(context, tr, broadcast, query.message.chat.id, query.message.message_id)
    svc.edits.submit(view.chat_id, view.message_id, Edit(view.render, view.show))


@dataclass(frozen=True)
class ProgressView:
    """A broadcast's delivery counts on one message, edited in place through the coalescer
    (bot/runtime/edit_coalescer.py): presses in a row, or on a button showing older counts, make one edit
    of the newest counts, never one that changes nothing."""

    context: KindredContext
    tr: Translator
    broadcast: Broadcast
    chat_id: int
    message_id: int

    async def render(self) -> tuple[str, InlineKeyboardMarkup | None]:
        status = await usecase.status_of(services(self.context), self.broadcast)
        return render_progress(self.tr, status), progress_keyboard(
            self.tr, self.broadcast.id, status.progress
        )

    async def show(self, content: tuple[str, InlineKeyboardMarkup | None]) -> bool:
        return await edit_in_place(
            self.context, (self.chat_id, self.message_id), content, what="a broadcast's progress"
        )


# -- personal data ---------------------------------------------------------------------------------


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    return await usecase.export_personal_data(services(context), user_id)


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    erased = await usecase.erase_personal_data(services(context), user_id)
    return [N_("the announcements you sent (copies already delivered stay in the chats)")] if erased else []


def handlers() -> Handlers:
    conversation = ConversationHandler(
        entry_points=[CommandHandler("broadcast", begin)],
        states={
            WRITING: [
                MessageHandler(
                    filters.ChatType.PRIVATE
                    & ((filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL),
                    got_content,
                ),
                MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, wrong_content),
            ],
            CHOOSING: [CallbackQueryHandler(chosen, pattern=Choose.pattern())],
        },
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("broadcast", begin)],
        conversation_timeout=30 * 60,
        name="broadcast",
    )
    return {
        FEATURES: [
            conversation,
            CallbackQueryHandler(progress_pressed, pattern=ShowProgress.pattern()),
            # A draft's button pressed after the conversation ended (sent, cancelled, timed out, restart).
            CallbackQueryHandler(stale_button(STALE_DRAFT), pattern=Choose.pattern()),
        ]
    }


async def purge_expired_text(application: KindredApplication, cutoff: datetime) -> int:
    """Retention: forget the wording of announcements sent before *cutoff* (the daily job is
    privacy's)."""
    return await usecase.purge_expired_texts(application.bot_data.services, cutoff)


FEATURE = Feature(
    name="broadcasts",
    handlers=handlers,
    commands=COMMANDS,
    settings=SETTINGS,
    on_startup=on_startup,
    export_personal_data=export_personal_data,
    erase_personal_data=erase_personal_data,
    purge_expired_text=purge_expired_text,
)
