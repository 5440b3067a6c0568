"""Delivers the outbox through the Bot API: each message once, whatever Telegram answers.

- Flood limits (429) postpone the message by Telegram's retry_after; network errors and
  timeouts by a growing delay.
- A customer who blocked the bot (403) is marked unreachable and the message dropped; an
  admin group the bot was removed from keeps its messages queued, with an error in the log,
  until the bot is added back.
- An admin group upgraded to a supergroup: the new id is learnt, kept, and used at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.ordering.ports import OutboxItem, OutboxStore
from bot.telegram_ui.i18n import SOURCE_LANGUAGE, Catalogues
from bot.telegram_ui.render import render_outgoing
from bot.telegram_ui.sending import send_html

log = logging.getLogger(__name__)

ADMIN_CHAT_SETTING = "admin_chat_id"
_RETRY_CAP = timedelta(minutes=10)
_CLAIM = timedelta(minutes=2)  # longer than sending one message can take


class TelegramCourier:
    """Implements `bot.ordering.ports.Courier`."""

    def __init__(
        self,
        bot: Bot,
        outbox: OutboxStore,
        admin_chat_id: int,
        currency: str,
        clock: Callable[[], datetime],
        catalogues: Catalogues,
        language_of: Callable[[int], Awaitable[str | None]],
        admin_language: str = SOURCE_LANGUAGE,
        batch: int = 50,
    ) -> None:
        """`language_of(chat_id)` is a customer's language (kept with the draft) when a
        message is sent; the admins read theirs in `admin_language`."""
        self._bot = bot
        self._outbox = outbox
        self.admin_chat_id = admin_chat_id
        self._currency = currency
        self._catalogues = catalogues
        self._language_of = language_of
        self._admin_texts = catalogues.texts(admin_language)
        self._clock = clock
        self._batch = batch

    async def start(self) -> None:
        """Use the admin group's id learnt in an earlier run (after a migration)."""
        learnt = await self._outbox.learnt(ADMIN_CHAT_SETTING)
        if learnt is not None:
            self.admin_chat_id = int(learnt)

    async def admin_chat_moved(self, new_chat_id: int) -> None:
        if new_chat_id != self.admin_chat_id:
            log.warning("the admin group moved to %s; notifications follow it", new_chat_id)
            self.admin_chat_id = new_chat_id
            await self._outbox.learn(ADMIN_CHAT_SETTING, str(new_chat_id))

    async def chat_membership(self, chat_id: int, member: bool, status: str) -> None:
        """The bot was blocked or unblocked by a customer, or removed from or added to a group."""
        if chat_id == self.admin_chat_id and not member:
            log.error(
                "the bot was removed from the admin group %s (%s): add it back; notifications "
                "are kept until then",
                chat_id,
                status,
            )
        elif chat_id > 0 and not member:
            await self._outbox.mark_unreachable(chat_id, f"bot {status}", self._clock())
        elif chat_id > 0:
            await self._outbox.mark_reachable(chat_id)

    async def deliver(self, draft_id: str | None = None) -> None:
        now = self._clock()
        for item in await self._outbox.due_messages(now, draft_id, self._batch):
            # a handler and the worker (or another process) never send one message twice;
            # a sender that dies holding the claim leaves the message due again after it
            if await self._outbox.claim(item.message.key, now, now + _CLAIM):
                await self._send(item)

    async def _send(self, item: OutboxItem, *, moved: bool = False) -> None:
        message = item.message
        to_admins = message.chat_id is None
        chat_id = self.admin_chat_id if message.chat_id is None else message.chat_id
        if not to_admins and await self._outbox.is_unreachable(chat_id):
            await self._outbox.drop(message.key, "the chat is unreachable")
            return
        language = None if to_admins else await self._language_of(chat_id)
        texts = self._catalogues.texts(language)
        reply = render_outgoing(message.screen, self._currency, texts, self._admin_texts)
        try:
            await send_html(self._bot, chat_id, reply.text, reply.markup)
        except ChatMigrated as exc:
            if to_admins:
                await self.admin_chat_moved(exc.new_chat_id)
            if not moved:
                await self._send(item, moved=True)
                return
            await self._postpone(item, str(exc))
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            await self._postpone(item, str(exc), timedelta(seconds=seconds))
        except Forbidden as exc:
            if to_admins:
                log.error(
                    "cannot write to the admin group %s (%s): add the bot back to the group; "
                    "its notifications are kept until then",
                    chat_id,
                    exc,
                )
                await self._postpone(item, str(exc))
            else:
                await self._outbox.mark_unreachable(chat_id, str(exc), self._clock())
                await self._outbox.drop(message.key, str(exc))
        except BadRequest as exc:
            if to_admins and "chat not found" in str(exc).lower():
                log.error(
                    "the admin group %s is unknown to Telegram (%s): check ADMIN_CHAT_ID",
                    chat_id,
                    exc,
                )
                await self._postpone(item, str(exc))
            else:  # Telegram will refuse this message whenever it is sent
                log.error("message %s refused by Telegram: %s", message.key, exc)
                await self._outbox.drop(message.key, str(exc))
        except TelegramError as exc:  # network errors and timeouts: try again later
            await self._postpone(item, str(exc))
        else:
            await self._outbox.delivered(message.key, self._clock())

    async def _postpone(self, item: OutboxItem, error: str, wait: timedelta | None = None) -> None:
        attempts = item.attempts + 1
        if wait is None:
            wait = min(timedelta(seconds=2**attempts), _RETRY_CAP)
        log.warning("message %s not delivered (attempt %d): %s", item.message.key, attempts, error)
        await self._outbox.postpone(
            item.message.key, attempts=attempts, at=self._clock() + wait, error=error
        )
