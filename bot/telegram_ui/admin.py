"""Admin notifications in the shop's Telegram group."""

from __future__ import annotations

from telegram import Bot

from bot.ordering.model import Draft, PlacedOrder
from bot.telegram_ui.render import admin_notification
from bot.telegram_ui.sending import send_html


class TelegramAdminNotifier:
    """Implements `bot.ordering.ports.AdminNotifier`."""

    def __init__(self, bot: Bot, admin_chat_id: int) -> None:
        self._bot = bot
        self._chat_id = admin_chat_id

    async def order_placed(self, draft: Draft, order: PlacedOrder) -> None:
        await send_html(self._bot, self._chat_id, admin_notification(draft, order))
