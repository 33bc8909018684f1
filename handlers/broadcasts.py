"""/broadcast: facilitators and coordinators write an announcement, choose groups, preview, send.

Sending is the outbox's job: a confirmed announcement becomes one durable delivery per recipient
(groups, then members who asked for announcements in private), paced at Telegram's limits and
resumed after a restart.  When the outbox reports the batch finished, the sender's delivery
report is itself queued in the outbox under a fixed key and the broadcast marked reported, so a
restart at any point sends the report exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.broadcasts import (
    BATCH_PREFIX,
    KIND,
    PRIVATE_ANNOUNCEMENTS,
    REPORT_KIND,
    Draft,
    Progress,
    Recipient,
    batch_of,
    broadcast_id_of,
    delivery_key,
    length_problem,
    progress,
    recipients,
    report_key,
)
from bot.domain.i18n import N_, Translator, resolve_language, translator
from bot.domain.roles import Action, Role
from bot.runtime.commands import PRIVATE_ONLY, Command
from bot.runtime.edit_coalescer import Edit
from bot.runtime.feature import Feature
from bot.runtime.outbox import Delivery
from bot.runtime.services import Services
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    edit_in_place,
    escape,
    is_private,
    reply,
    require,
    services,
    translator_for,
)
from storage.broadcasts import Broadcast, BroadcastRepository
from storage.groups import Group

log = logging.getLogger(__name__)

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


def broadcasts(context: KindredContext) -> BroadcastRepository:
    return services(context).repos.broadcasts


# -- rendering ----------------------------------------------------------------------------------


def render_announcement(tr: Translator, sender_name: str, body: str) -> str:
    heading = tr._("📣 <b>Announcement from {name}</b>").format(name=escape(sender_name))
    return f"{heading}\n\n{body}" if body.strip() else heading


def short_title(group: Group) -> str:
    title = group.title or str(group.chat_id)
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


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
        tr._("Groups: {titles}").format(titles=escape(", ".join(titles))),
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


def render_progress(tr: Translator, broadcast: Broadcast, titles: Sequence[str], p: Progress) -> str:
    lines = [
        tr._("<b>Announcement #{number}</b> to {titles}").format(
            number=broadcast.id, titles=escape(", ".join(titles))
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


def render_report(tr: Translator, broadcast: Broadcast, titles: Sequence[str], p: Progress) -> str:
    return "\n".join(
        [
            tr._("Your announcement has gone out. Here is the delivery report:"),
            render_progress(tr, broadcast, titles, p),
        ]
    )


def progress_keyboard(tr: Translator, broadcast_id: int, p: Progress) -> InlineKeyboardMarkup | None:
    if p.done:
        return None
    data = ShowProgress(broadcast_id, shown_counts(p)).pack()
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr._("Progress"), callback_data=data)]])


# -- who may send where -------------------------------------------------------------------------


async def eligible_groups(context: KindredContext, user_id: int) -> list[Group]:
    """Every active group for coordinators; for facilitators, the groups they administer."""
    svc = services(context)
    if svc.auth.is_coordinator(user_id):
        return await svc.groups.active()
    candidates = await svc.groups.groups_of(user_id)
    allowed = set(await svc.auth.groups_for(user_id, Action.BROADCAST, [g.chat_id for g in candidates]))
    return [g for g in candidates if g.chat_id in allowed]


async def target_allowed(update: Update, context: KindredContext, chat_id: int) -> bool:
    """The one check for a target, on every toggle and again on send: forged ids stop here."""
    group = await services(context).groups.get(chat_id)
    if group is None or not group.active:
        tr = await translator_for(update, context)
        await answer_query(update.callback_query, tr._("I am not in that group any more."), True)
        return False
    return await require(update, context, Action.BROADCAST, chat_id)


async def titles_of(svc: Services, chat_ids: Sequence[int]) -> list[str]:
    titles = []
    for chat_id in chat_ids:
        group = await svc.groups.get(chat_id)
        titles.append(short_title(group) if group else str(chat_id))
    return titles


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
    if not await eligible_groups(context, user.id):
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
    groups = await eligible_groups(context, user.id)
    targets = (groups[0].chat_id,) if len(groups) == 1 else ()
    draft = Draft(body, photo, document, targets)
    keep(context, draft)
    await reply(update, render_choices(tr), reply_markup=choices_keyboard(tr, draft, groups))
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
        await answer_query(query, tr._("That button no longer works. Please send /broadcast again."), True)
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
    groups = await eligible_groups(context, update.effective_user.id)
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
    groups = await eligible_groups(context, user.id)
    # A forged or no-longer-listed target stays chosen only if require() allowed it; show it too.
    listed = {g.chat_id for g in groups}
    for chat_id in draft.targets:
        group = await services(context).groups.get(chat_id)
        if chat_id not in listed and group is not None:
            groups.append(group)
    await query.edit_message_reply_markup(choices_keyboard(tr, draft, groups))


async def sender_name(svc: Services, user_id: int) -> str:
    person = await svc.people.get(user_id)
    return person.first_name if person else ""


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
    svc = services(context)
    name = await sender_name(svc, user.id)
    await send_one(context, user.id, render_announcement(tr, name, draft.body), draft)
    private = None
    if draft.private_copies:
        people = await broadcasts(context).private_recipients(draft.targets, PRIVATE_ANNOUNCEMENTS.key)
        private = len([p for p in people if p.user_id != user.id])
    summary = render_summary(tr, await titles_of(svc, draft.targets), private)
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
    svc = services(context)
    broadcast = await broadcasts(context).create(
        user.id,
        draft.body,
        photo=draft.photo,
        document=draft.document,
        targets=draft.targets,
        private_copies=draft.private_copies,
        now=svc.clock.now(),
    )
    count = await enqueue_deliveries(svc, broadcast)
    if count == 0:  # every target left meanwhile: no batch will finish, so report now
        await report(svc, broadcast.id, {})
    keep(context, None)
    log.info("Broadcast %d queued for %d chats", broadcast.id, count)
    await answer_query(query)
    started = progress({"pending": count})
    titles = await titles_of(svc, broadcast.targets)
    text = tr._("Sending now. I will write to you here when it has finished.")
    await query.edit_message_text(
        f"{text}\n\n{render_progress(tr, broadcast, titles, started)}",
        reply_markup=progress_keyboard(tr, broadcast.id, started),
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


# -- delivery and the report -----------------------------------------------------------------------


async def plan(svc: Services, broadcast: Broadcast) -> list[Delivery]:
    """One delivery per recipient, each in its reader's language."""
    repo = svc.repos.broadcasts
    languages = await repo.group_languages(broadcast.targets)
    groups = [Recipient(chat_id, languages[chat_id]) for chat_id in broadcast.targets if chat_id in languages]
    private: list[Recipient] = []
    if broadcast.private_copies:
        people = await repo.private_recipients(broadcast.targets, PRIVATE_ANNOUNCEMENTS.key)
        private = [Recipient(p.user_id, p.language or resolve_language(p.telegram_language)) for p in people]
    name = await sender_name(svc, broadcast.sender_id)
    texts: dict[str, str] = {}
    deliveries = []
    for recipient in recipients(groups, private, broadcast.sender_id):
        if recipient.language not in texts:
            texts[recipient.language] = render_announcement(
                translator(recipient.language), name, broadcast.text
            )
        deliveries.append(
            Delivery(
                delivery_key(broadcast.id, recipient.chat_id),
                recipient.chat_id,
                texts[recipient.language],
                KIND,
                batch=batch_of(broadcast.id),
                photo=broadcast.photo,
                document=broadcast.document,
            )
        )
    return deliveries


async def enqueue_deliveries(svc: Services, broadcast: Broadcast) -> int:
    """Queue every delivery (idempotent on key), then record how many: a crash in between is
    repaired at start-up by queueing again."""
    deliveries = await plan(svc, broadcast)
    await svc.outbox.enqueue(deliveries)
    await svc.repos.broadcasts.set_recipients(broadcast.id, len(deliveries))
    return len(deliveries)


async def language_of(svc: Services, user_id: int) -> str:
    person = await svc.people.get(user_id)
    if person is None:
        return resolve_language(None)
    return person.language or resolve_language(person.telegram_language)


async def report(svc: Services, broadcast_id: int, counts: dict[str, int]) -> None:
    """Queue the sender's delivery report once the batch is finished; at most once, durably."""
    repo = svc.repos.broadcasts
    broadcast = await repo.get(broadcast_id)
    done = progress(counts)
    if broadcast is None or broadcast.reported_at is not None or not done.done:
        return
    tr = translator(await language_of(svc, broadcast.sender_id))
    text = render_report(tr, broadcast, await titles_of(svc, broadcast.targets), done)
    await svc.outbox.enqueue([Delivery(report_key(broadcast.id), broadcast.sender_id, text, REPORT_KIND)])
    await repo.mark_reported(broadcast.id, svc.clock.now())
    log.info("Broadcast %d finished; report queued", broadcast.id)


async def on_batch_done(svc: Services, batch: str, counts: dict[str, int]) -> None:
    broadcast_id = broadcast_id_of(batch)
    if broadcast_id is not None:
        await report(svc, broadcast_id, counts)


async def on_startup(application: Application) -> None:  # type: ignore[type-arg]
    """Listen for finished batches, then finish what a restart interrupted: deliveries that were
    never queued, and reports that were never sent."""
    svc: Services = application.bot_data.services
    svc.outbox.on_batch_done(BATCH_PREFIX, partial(on_batch_done, svc))
    repo = svc.repos.broadcasts
    for broadcast in await repo.unreported():
        if broadcast.recipients == 0:
            await enqueue_deliveries(svc, broadcast)
        await report(svc, broadcast.id, await svc.outbox.counts(batch_of(broadcast.id)))


# -- progress -------------------------------------------------------------------------------------


async def show_status(update: Update, context: KindredContext, tr: Translator, user_id: int) -> None:
    svc = services(context)
    latest = await broadcasts(context).latest_by(user_id)
    if not latest:
        await reply(update, tr._("You have not sent any announcements yet."))
        return
    for broadcast in reversed(latest):
        p = progress(await svc.outbox.counts(batch_of(broadcast.id)))
        titles = await titles_of(svc, broadcast.targets)
        await reply(
            update,
            render_progress(tr, broadcast, titles, p),
            reply_markup=progress_keyboard(tr, broadcast.id, p),
        )


async def progress_pressed(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    pressed = ShowProgress.unpack(query.data)
    svc = services(context)
    broadcast = await broadcasts(context).get(pressed.broadcast_id) if pressed else None
    if (
        pressed is None
        or broadcast is None
        or (broadcast.sender_id != user.id and not svc.auth.is_coordinator(user.id))
    ):
        await answer_query(query, tr._("That button no longer works. Please send /broadcast status."), True)
        return
    p = progress(await svc.outbox.counts(batch_of(broadcast.id)))
    if shown_counts(p) == pressed.shown:
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
        svc = services(self.context)
        p = progress(await svc.outbox.counts(batch_of(self.broadcast.id)))
        titles = await titles_of(svc, self.broadcast.targets)
        text = render_progress(self.tr, self.broadcast, titles, p)
        return text, progress_keyboard(self.tr, self.broadcast.id, p)

    async def show(self, content: tuple[str, InlineKeyboardMarkup | None]) -> bool:
        return await edit_in_place(
            self.context, (self.chat_id, self.message_id), content, what="a broadcast's progress"
        )


# -- personal data ---------------------------------------------------------------------------------


async def export_personal_data(context: KindredContext, user_id: int) -> dict[str, Any]:
    sent = await broadcasts(context).all_by(user_id)
    return {
        "announcements_sent": [
            {
                "id": b.id,
                "text": b.text,
                "photo": b.photo is not None,
                "document": b.document is not None,
                "groups": list(b.targets),
                "also_in_private": b.private_copies,
                "recipients": b.recipients,
                "sent_at": b.created_at.isoformat(),
            }
            for b in sent
        ]
    }


async def erase_personal_data(context: KindredContext, user_id: int) -> list[str]:
    erased = await broadcasts(context).erase_sender(user_id)
    return [N_("the announcements you sent (copies already delivered stay in the chats)")] if erased else []


def handlers() -> dict[int, list[BaseHandler]]:  # type: ignore[type-arg]
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
            CallbackQueryHandler(stale_choice, pattern=Choose.pattern()),
        ]
    }


async def stale_choice(update: Update, context: KindredContext) -> None:
    """A draft's button pressed after the conversation ended (sent, cancelled, timed out, restart)."""
    tr = await translator_for(update, context)
    await answer_query(
        update.callback_query, tr._("That button no longer works. Please send /broadcast again."), True
    )


async def purge_expired_text(app: Any, cutoff: datetime) -> int:
    """Retention: forget the wording of announcements sent before *cutoff* (the daily job is in
    handlers/privacy.py)."""
    return await app.bot_data.services.repos.broadcasts.blank_texts_before(cutoff)


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
