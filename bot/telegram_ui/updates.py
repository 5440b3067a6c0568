"""Updates run concurrently across chats and one at a time within a chat, each at most once."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

FirstTime = Callable[[int], Awaitable[bool]]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}  # updates holding or awaiting each chat's lock
        self._first_time: FirstTime | None = None

    def deduplicate(self, first_time: FirstTime) -> None:
        """Skip updates `first_time(update_id)` has seen (Telegram redelivers after a crash)."""
        self._first_time = first_time

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if await self._seen_before(update):
            log.info("update %s was handled before; skipped", getattr(update, "update_id", "?"))
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:  # forget idle chats so the dict does not grow forever
                del self._users[chat.id], self._locks[chat.id]

    async def _seen_before(self, update: object) -> bool:
        if not isinstance(update, Update) or self._first_time is None:
            return False
        return not await self._first_time(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
