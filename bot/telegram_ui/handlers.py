"""Telegram updates in, conversation events to the service, screens back out as messages."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.ordering.events import (
    AddMore,
    Back,
    Cancel,
    CancelTapped,
    CartCleared,
    CartOpened,
    ContactShared,
    Event,
    Help,
    LineRemoved,
    MessageEdited,
    NonText,
    PageChosen,
    QuantityChanged,
    QuantityChosen,
    Start,
    TextEntered,
    UnknownButton,
)
from bot.ordering.model import Customer
from bot.ordering.screens import Notice, NoticeKind, Screen
from bot.ordering.service import OrderingService, Show, new_draft_id
from bot.telegram_ui import form_render
from bot.telegram_ui import texts as ids
from bot.telegram_ui.callback_data import Action, Button, decode
from bot.telegram_ui.courier import TelegramCourier
from bot.telegram_ui.i18n import Catalogues
from bot.telegram_ui.render import language_menu, render
from bot.telegram_ui.sending import send_reply

log = logging.getLogger(__name__)

# Notices that answer a button tap as a short toast instead of a message.
_TOASTS = (NoticeKind.STALE_BUTTON, NoticeKind.ALREADY_SUBMITTED)

PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
PRIVATE_EDIT = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE


class TelegramHandlers:
    """Each update is answered in the chat's language: the one kept with its draft (chosen with
    /language, or Telegram's at the chat's first /start), else the user's Telegram language."""

    def __init__(
        self,
        service: OrderingService,
        courier: TelegramCourier,
        currency: str,
        catalogues: Catalogues,
    ) -> None:
        self._service = service
        self._courier = courier
        self._currency = currency
        self._catalogues = catalogues

    def handlers(self) -> list[BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]]:
        return [
            CommandHandler("start", self.on_start, filters=PRIVATE),
            CommandHandler("cancel", self.on_cancel, filters=PRIVATE),
            CommandHandler("back", self.on_back, filters=PRIVATE),
            CommandHandler("orders", self.on_orders, filters=PRIVATE),
            CommandHandler("help", self.on_help, filters=PRIVATE),
            CommandHandler("language", self.on_language, filters=PRIVATE),
            MessageHandler(PRIVATE & filters.CONTACT, self.on_contact),
            MessageHandler(PRIVATE & filters.COMMAND, self.on_help),
            MessageHandler(PRIVATE & filters.TEXT, self.on_text),
            MessageHandler(PRIVATE, self.on_non_text),
            MessageHandler(PRIVATE_EDIT, self.on_edit),
            CallbackQueryHandler(self.on_button),
            MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migration),
            ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        ]

    async def _language(self, update: Update) -> str | None:
        chat, user = update.effective_chat, update.effective_user
        kept = await self._service.language(chat.id) if chat is not None else None
        return kept or (user.language_code if user is not None else None)

    def _show(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, language: str | None
    ) -> Show:
        chat = update.effective_chat
        assert chat is not None
        texts = self._catalogues.texts(language)

        async def show(screen: Screen) -> None:
            await send_reply(context.bot, chat.id, render(screen, self._currency, texts))

        return show

    async def _handle(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, event: Event
    ) -> None:
        chat = update.effective_chat
        assert chat is not None
        show = self._show(update, context, await self._language(update))
        await self._service.handle(chat.id, event, show)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        language = await self._language(update)
        customer = Customer(user.id, user.first_name, user.username, language)
        payload = context.args[0] if context.args else None
        event = Start(chat.id, customer, new_draft_id(), payload)
        await self._service.start(chat.id, event, self._show(update, context, language))

    async def on_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/language: a button for each language the bot speaks."""
        chat = update.effective_chat
        assert chat is not None
        texts = self._catalogues.texts(await self._language(update))
        await send_reply(context.bot, chat.id, language_menu(self._catalogues, texts))

    async def on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._handle(update, context, Cancel())

    async def on_back(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._handle(update, context, Back())

    async def on_orders(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        language = await self._language(update)
        await self._service.show_orders(chat.id, self._show(update, context, language), language)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._handle(update, context, Help())

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await self._handle(update, context, TextEntered(update.message.text))

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.message, update.effective_user
        assert message is not None and message.contact is not None and user is not None
        contact = message.contact
        own = contact.user_id is not None and contact.user_id == user.id
        await self._handle(update, context, ContactShared(contact.phone_number, own))

    async def on_non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._handle(update, context, NonText())

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._handle(update, context, MessageEdited())

    async def on_migration(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup: if it is the admin group, notifications follow it."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id and message.chat.id == self._courier.admin_chat_id:
            await self._courier.admin_chat_moved(message.migrate_to_chat_id)
        elif message.migrate_from_chat_id == self._courier.admin_chat_id:
            await self._courier.admin_chat_moved(message.chat.id)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        member = status in ("member", "administrator", "creator", "restricted")
        await self._courier.chat_membership(change.chat.id, member, status)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None:
            return
        if chat is None or chat.type != chat.PRIVATE:
            await query.answer()
            return
        await _remove_keyboard(query)
        button = decode(query.data)
        answered = False
        language: str | None
        if button is not None and button.action is Action.LANGUAGE:
            language = self._catalogues.match(button.draft_id)
        else:
            language = await self._language(update)
        texts = self._catalogues.texts(language)

        async def show(screen: Screen) -> None:
            nonlocal answered
            if isinstance(screen, Notice) and screen.kind in _TOASTS and not answered:
                answered = True
                await query.answer(texts(ids.NOTICES[screen.kind]))
                return
            if not answered:
                answered = True
                await query.answer()
            await send_reply(context.bot, chat.id, render(screen, self._currency, texts))

        service, draft_id = self._service, button.draft_id if button else ""
        if button is None:
            await service.handle(chat.id, UnknownButton(), show)
        elif button.action is Action.LANGUAGE:
            user = query.from_user
            customer = Customer(user.id, user.first_name, user.username, language)
            await service.choose_language(chat.id, customer, show)
        elif button.action is Action.PRODUCT:
            await service.choose_product(chat.id, draft_id, button.number or 0, show, language)
        elif button.action is Action.CONFIRM:
            await service.confirm(chat.id, draft_id, show)
        elif button.action is Action.CHECKOUT:
            await service.checkout(chat.id, draft_id, show)
        elif button.action is Action.REUSE:
            await service.answer_saved_details(chat.id, draft_id, button.number == 1, show)
        else:
            await service.handle(chat.id, _button_event(button), show)
        if not answered:
            await query.answer()


def _button_event(button: Button) -> Event:
    draft_id, number = button.draft_id, button.number or 0
    events: dict[Action, Event] = {
        Action.QUANTITY: QuantityChosen(draft_id, number),
        Action.CANCEL: CancelTapped(draft_id),
        Action.MORE: AddMore(draft_id),
        Action.PAGE: PageChosen(draft_id, number),
        Action.CART: CartOpened(draft_id),
        Action.PLUS: QuantityChanged(draft_id, number, +1),
        Action.MINUS: QuantityChanged(draft_id, number, -1),
        Action.REMOVE: LineRemoved(draft_id, number),
        Action.CLEAR: CartCleared(draft_id),
    }
    return form_render.button_event(button) or events.get(button.action, UnknownButton())


async def _remove_keyboard(query: CallbackQuery) -> None:
    """Take the keyboard off the tapped message, so that it can't be tapped twice."""
    if query.message is None or not query.message.is_accessible:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:  # "message is not modified" or too old to edit: nothing to undo
        log.debug("keyboard not removed: %s", exc)
