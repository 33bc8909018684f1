"""/resources: crisis lines first, then helplines, fellowships and each group's own entries.

Everyone sees the directory: in a group, that group's; in private, the group they choose (or
only the deployment-wide lines when they are in no group).  Facilitators manage their group's
entries from the private view ("Manage"): add and edit with a short "field: value" form,
remove with a confirmation.  Every management button goes through ``require`` on the entry's
own group, so forged button data for another group is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.domain.i18n import N_, Translator
from bot.domain.resources import (
    CATEGORIES,
    CRISIS,
    FIELD_LABELS,
    FORM_FIELDS,
    MAX_GROUP_ENTRIES,
    Problem,
    Resource,
    by_category,
    form_lines,
    parse_form,
)
from bot.domain.roles import Action
from bot.runtime.commands import Command
from bot.runtime.feature import Feature, Handlers
from bot.usecases import resources
from bot.usecases.resources import NATIONAL, Saved
from handlers.callback_data import CallbackData
from handlers.common import (
    FEATURES,
    KindredContext,
    answer_query,
    escape,
    is_private,
    reply,
    require,
    services,
    translator_for,
)
from handlers.crisis import crisis_resources
from storage.groups import Group
from storage.resources import StoredResource

COMMANDS = (
    Command(
        "resources",
        N_("Crisis lines, helplines and fellowships"),
        order=30,
        details=N_("Facilitators add, edit and remove their group's entries from /resources in private."),
    ),
)

PAGE_CHARACTERS = 3300  # of entries per message, leaving room for the heading and the markup
HOME = "home"
FORM = 0
EDITING = "resource_editing"


@dataclass(frozen=True)
class View(CallbackData, prefix="res"):
    chat_id: int  # the group whose directory is shown, or NATIONAL
    category: str  # HOME or a category key
    page: int = 0  # long categories are shown a message-sized page at a time


@dataclass(frozen=True)
class Manage(CallbackData, prefix="resm"):
    action: str  # list, add, edit, del, delok
    value: int  # a group's chat id (list, add) or a resource id (edit, del, delok)


@dataclass(frozen=True)
class Editing:
    """The form being filled in: for which group, and which entry (None: a new one)."""

    chat_id: int
    resource_id: int | None


def sos_lines(context: KindredContext, tr: Translator) -> list[Resource]:
    """The crisis lines /sos gives (CRISIS_RESOURCES_FILE), in the reader's language: one source,
    so /resources and /sos can never disagree about where to call."""
    lines = crisis_resources(context).for_language(tr.language)
    return [
        Resource(CRISIS, tr._(line.name), tr._(line.description), line.phone or "", line.url or "")
        for line in lines
    ]


async def directory(context: KindredContext, tr: Translator, chat_id: int) -> list[Resource]:
    return await resources.directory(services(context), sos_lines(context, tr), chat_id)


# -- rendering ----------------------------------------------------------------------------------


def render_resource(tr: Translator, resource: Resource) -> str:
    lines = [f"<b>{escape(resource.name)}</b>"]
    if resource.description:
        lines.append(escape(resource.description))
    reach = [f"📞 {escape(resource.phone)}"] if resource.phone else []
    if resource.hours:
        reach.append(f"🕒 {escape(resource.hours)}")
    if reach:
        lines.append(" · ".join(reach))
    if resource.link:
        lines.append(f"🔗 {escape(resource.link)}")
    return "\n".join(lines)


def pages(tr: Translator, items: Sequence[Resource]) -> list[list[str]]:
    """Rendered entries packed into pages that fit one message (Telegram allows 4096 characters)."""
    packed: list[list[str]] = [[]]
    used = 0
    for block in (render_resource(tr, r) for r in items):
        if packed[-1] and used + len(block) > PAGE_CHARACTERS:
            packed.append([])
            used = 0
        packed[-1].append(block)
        used += len(block) + 2
    return packed


def render_home(tr: Translator, group: Group | None, grouped: dict[str, list[Resource]]) -> str:
    if group is None:
        title = tr._("<b>Resources</b>")
    else:
        title = tr._("<b>Resources for {group}</b>").format(group=escape(group.title))
    parts = [title]
    crisis = grouped.get(CRISIS, [])
    if crisis:
        parts.append(tr._("If you are in danger or thinking about suicide, reach out now:"))
        parts += pages(tr, crisis)[0]
    if len(grouped) > 1 or len(pages(tr, crisis)) > 1:
        parts.append(tr._("More, by category:"))
    return "\n\n".join(parts)


def home_keyboard(
    tr: Translator, chat_id: int, grouped: dict[str, list[Resource]], can_manage: bool
) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                f"{tr._(CATEGORIES[key])} ({len(items)})", callback_data=View(chat_id, key).pack()
            )
        ]
        for key, items in grouped.items()
        if key != CRISIS or len(pages(tr, items)) > 1  # crisis lines are on the home page if they fit
    ]
    if can_manage:
        rows.append(
            [
                InlineKeyboardButton(
                    tr._("✏️ Manage this group's entries"), callback_data=Manage("list", chat_id).pack()
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def render_category(tr: Translator, key: str, page: Sequence[str]) -> str:
    heading = f"<b>{escape(tr._(CATEGORIES[key]))}</b>"
    if not page:
        return f"{heading}\n\n{tr._('Nothing here yet.')}"
    return "\n\n".join([heading, *page])


def category_keyboard(tr: Translator, view: View, page_count: int) -> InlineKeyboardMarkup:
    turn = []
    if view.page > 0:
        turn.append(
            InlineKeyboardButton("‹", callback_data=View(view.chat_id, view.category, view.page - 1).pack())
        )
    if view.page + 1 < page_count:
        turn.append(
            InlineKeyboardButton("›", callback_data=View(view.chat_id, view.category, view.page + 1).pack())
        )
    back = [InlineKeyboardButton(tr._("« Back"), callback_data=View(view.chat_id, HOME).pack())]
    return InlineKeyboardMarkup([turn, back] if turn else [back])


def render_manage(tr: Translator, group: Group, entries: Sequence[StoredResource]) -> str:
    lines = [tr._("<b>{group}: the group's own entries</b>").format(group=escape(group.title))]
    if not entries:
        lines.append(tr._("There are none yet. The national lines are always shown."))
    for number, entry in enumerate(entries, start=1):
        category = tr._(CATEGORIES.get(entry.resource.category, CATEGORIES["other"]))
        lines.append(f"{number}. {escape(entry.resource.name)} — {escape(category)}")
    return "\n".join(lines)


def manage_keyboard(tr: Translator, chat_id: int, entries: Sequence[StoredResource]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                tr._("✏️ {number}. {name}").format(number=number, name=entry.resource.name[:30]),
                callback_data=Manage("edit", entry.id).pack(),
            ),
            InlineKeyboardButton(tr._("🗑 Remove"), callback_data=Manage("del", entry.id).pack()),
        ]
        for number, entry in enumerate(entries, start=1)
    ]
    rows.append(
        [
            InlineKeyboardButton(tr._("➕ Add"), callback_data=Manage("add", chat_id).pack()),
            InlineKeyboardButton(tr._("« Back"), callback_data=View(chat_id, HOME).pack()),
        ]
    )
    return InlineKeyboardMarkup(rows)


def render_form_prompt(tr: Translator, resource: Resource | None) -> str:
    labels = [tr._(FIELD_LABELS[name]) for name in FORM_FIELDS]
    form = "\n".join(form_lines(resource, labels))
    intro = (
        tr._("Copy this form, fill it in and send it back to me:")
        if resource is None
        else tr._("Copy this form, change what you need and send it back to me:")
    )
    rules = tr._(
        "The category is one of: {choices}. Give a phone number or a link (https://). "
        "Description and hours are optional. /cancel stops."
    ).format(choices=", ".join(CATEGORIES))
    return f"{intro}\n\n<pre>{escape(form)}</pre>\n\n{rules}"


def render_problems(tr: Translator, problems: Sequence[Problem]) -> str:
    lines = [tr._("I could not save that yet:")]
    for problem in problems:
        values = dict(problem.values)
        if "field" in values:  # a form field's name, in the reader's language
            values["field"] = tr._(FIELD_LABELS.get(str(values["field"]), str(values["field"])))
        lines.append(f"• {escape(tr._(problem.message).format(**values))}")
    lines.append(tr._("Please correct it and send the whole form again, or /cancel."))
    return "\n".join(lines)


# -- viewing ------------------------------------------------------------------------------------


async def can_manage(context: KindredContext, user_id: int, chat_id: int) -> bool:
    if chat_id == NATIONAL:
        return False
    return bool(await services(context).auth.authorize(user_id, Action.MANAGE_RESOURCES, chat_id))


class Screen(TypedDict):
    """A screen of the directory: the keyword arguments of both a new reply and an edit in place,
    typed so that ``reply(update, **screen)`` and ``edit_message_text(**screen)`` are checked."""

    text: str
    reply_markup: InlineKeyboardMarkup


async def home(context: KindredContext, tr: Translator, chat_id: int, user_id: int, private: bool) -> Screen:
    group = await resources.group(services(context), chat_id)
    grouped = by_category(await directory(context, tr, chat_id))
    manage = private and await can_manage(context, user_id, chat_id)
    return Screen(
        text=render_home(tr, group, grouped), reply_markup=home_keyboard(tr, chat_id, grouped, manage)
    )


def picker(tr: Translator, groups: Sequence[Group]) -> Screen:
    rows = [
        [InlineKeyboardButton(g.title[:40] or str(g.chat_id), callback_data=View(g.chat_id, HOME).pack())]
        for g in groups
    ]
    rows.append(
        [InlineKeyboardButton(tr._("Only the national lines"), callback_data=View(NATIONAL, HOME).pack())]
    )
    return Screen(
        text=tr._("Which group's resources would you like to see?"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def resources_command(update: Update, context: KindredContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    tr = await translator_for(update, context)
    if not is_private(update):
        await reply(update, **await home(context, tr, chat.id, user.id, private=False))
        return
    groups = await resources.groups_to_choose(services(context), user.id)
    if len(groups) > 1:
        await reply(update, **picker(tr, groups))
        return
    chat_id = groups[0].chat_id if groups else NATIONAL
    await reply(update, **await home(context, tr, chat_id, user.id, private=True))


async def may_view(update: Update, context: KindredContext, chat_id: int) -> bool:
    """In a group, only that group's directory; in private, a group the person is in or runs."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if not is_private(update):
        return chat_id == chat.id
    if chat_id == NATIONAL or services(context).auth.is_coordinator(user.id):
        return True
    return await resources.is_member(services(context), user.id, chat_id) or await can_manage(
        context, user.id, chat_id
    )


async def view_pressed(update: Update, context: KindredContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    tr = await translator_for(update, context)
    view = View.unpack(query.data)
    if (
        view is None
        or (view.category != HOME and view.category not in CATEGORIES)
        or not await may_view(update, context, view.chat_id)
    ):
        await answer_query(query, tr._("That button no longer works. Please send /resources again."), True)
        return
    await answer_query(query)
    if view.category == HOME:
        await query.edit_message_text(**await home(context, tr, view.chat_id, user.id, is_private(update)))
        return
    packed = pages(tr, by_category(await directory(context, tr, view.chat_id)).get(view.category, []))
    view = View(view.chat_id, view.category, min(max(view.page, 0), len(packed) - 1))
    await query.edit_message_text(
        render_category(tr, view.category, packed[view.page]),
        reply_markup=category_keyboard(tr, view, len(packed)),
    )


# -- managing -----------------------------------------------------------------------------------


async def authorised(update: Update, context: KindredContext, tr: Translator) -> tuple[Manage, int] | None:
    query = update.callback_query
    manage = Manage.unpack(query.data if query else None)
    chat_id = await resources.entry_group(services(context), manage.action, manage.value) if manage else None
    if manage is None or chat_id is None or not is_private(update):
        await answer_query(query, tr._("That button no longer works. Please send /resources again."), True)
        return None
    if not await require(update, context, Action.MANAGE_RESOURCES, chat_id):
        return None
    return manage, chat_id


async def show_manage(
    update: Update, context: KindredContext, tr: Translator, chat_id: int, new: bool = False
) -> None:
    group = await resources.group(services(context), chat_id)
    if group is None:
        return
    entries = await resources.entries(services(context), chat_id)
    screen = Screen(
        text=render_manage(tr, group, entries), reply_markup=manage_keyboard(tr, chat_id, entries)
    )
    query = update.callback_query
    if new or query is None:
        await reply(update, **screen)
    else:
        await query.edit_message_text(**screen)


async def manage_pressed(update: Update, context: KindredContext) -> None:
    """list, del and delok; add and edit start the form conversation (see ``start_form``)."""
    tr = await translator_for(update, context)
    checked = await authorised(update, context, tr)
    if checked is None:
        return
    manage, chat_id = checked
    query = update.callback_query
    assert query is not None  # noqa: S101 - a button press
    if manage.action == "del":
        stored = await resources.entry(services(context), manage.value)
        assert stored is not None  # noqa: S101 - entry_group found it
        await answer_query(query)
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        tr._("Yes, remove it"), callback_data=Manage("delok", stored.id).pack()
                    ),
                    InlineKeyboardButton(tr._("No, keep it"), callback_data=Manage("list", chat_id).pack()),
                ]
            ]
        )
        text = tr._("Remove “{name}” from the group's resources?").format(name=escape(stored.resource.name))
        await query.edit_message_text(text, reply_markup=keyboard)
        return
    if manage.action == "delok":
        await resources.remove(services(context), manage.value)
        await answer_query(query, tr._("Removed."))
    elif manage.action == "list":
        await answer_query(query)
    else:
        await answer_query(query, tr._("That button no longer works. Please send /resources again."), True)
        return
    await show_manage(update, context, tr, chat_id)


async def group_is_full(update: Update, context: KindredContext, tr: Translator, chat_id: int) -> bool:
    if not await resources.is_full(services(context), chat_id):
        return False
    await tell_full(update, tr)
    return True


async def tell_full(update: Update, tr: Translator) -> None:
    text = tr._("This group already has {limit} entries, the most I keep. Please remove one first.").format(
        limit=MAX_GROUP_ENTRIES
    )
    if update.callback_query is not None:
        await answer_query(update.callback_query, text, True)
    else:
        await reply(update, text)


async def start_form(update: Update, context: KindredContext) -> int | None:
    tr = await translator_for(update, context)
    checked = await authorised(update, context, tr)
    if checked is None:
        return None
    manage, chat_id = checked
    if manage.action == "add" and await group_is_full(update, context, tr, chat_id):
        return ConversationHandler.END
    stored = await resources.entry(services(context), manage.value) if manage.action == "edit" else None
    if context.user_data is not None:
        context.user_data[EDITING] = Editing(chat_id, stored.id if stored else None)
    await answer_query(update.callback_query)
    await reply(update, render_form_prompt(tr, stored.resource if stored else None))
    return FORM


async def got_form(update: Update, context: KindredContext) -> int:
    message = update.message
    editing = (context.user_data or {}).get(EDITING)
    if message is None or not isinstance(editing, Editing):
        return ConversationHandler.END
    tr = await translator_for(update, context)
    result = parse_form(message.text or "")
    if result.resource is None:
        await reply(update, render_problems(tr, result.problems))
        return FORM
    # Re-check: the person may have lost their admin rights while filling the form in.
    if not await require(update, context, Action.MANAGE_RESOURCES, editing.chat_id):
        return ConversationHandler.END
    saved = await resources.save(services(context), editing.chat_id, editing.resource_id, result.resource)
    if saved is Saved.FULL:
        await tell_full(update, tr)
        return ConversationHandler.END
    if saved is Saved.GONE:
        await reply(update, tr._("That entry was removed in the meantime. Nothing was saved."))
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data.pop(EDITING, None)
    await reply(update, tr._("Saved “{name}”.").format(name=escape(result.resource.name)))
    await show_manage(update, context, tr, editing.chat_id, new=True)
    return ConversationHandler.END


async def cancel_form(update: Update, context: KindredContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(EDITING, None)
    tr = await translator_for(update, context)
    await reply(update, tr._("Cancelled. Nothing was changed."))
    return ConversationHandler.END


def handlers() -> Handlers:
    form = ConversationHandler(
        entry_points=[CallbackQueryHandler(start_form, pattern=r"^resm:(add|edit):")],
        states={FORM: [MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, got_form)]},
        fallbacks=[CommandHandler("cancel", cancel_form)],
        conversation_timeout=30 * 60,
        name="resource_form",
        allow_reentry=True,  # "Add" or "Edit" pressed again while a form is open starts afresh
    )
    return {
        FEATURES: [
            form,
            CommandHandler("resources", resources_command),
            CallbackQueryHandler(view_pressed, pattern=View.pattern()),
            CallbackQueryHandler(manage_pressed, pattern=Manage.pattern()),
        ]
    }


FEATURE = Feature(
    name="resources",
    handlers=handlers,
    commands=COMMANDS,
)
