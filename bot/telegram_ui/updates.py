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
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await self._once(update, coroutine)
            return
        # the lock is taken before anything awaits, so a chat's updates run in arrival order
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        self._users[chat.id] = self._users.get(chat.id, 0) + 1
        try:
            async with lock:
                await self._once(update, coroutine)
        finally:
            self._users[chat.id] -= 1
            if not self._users[chat.id]:  # forget idle chats so the dict does not grow forever
                del self._users[chat.id], self._locks[chat.id]

    async def _once(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handling, unless this update was handled before."""
        seen = (
            isinstance(update, Update)
            and self._first_time is not None
            and not await self._first_time(update.update_id)
        )
        if not seen:
            await coroutine
            return
        log.info("update %s was handled before; skipped", getattr(update, "update_id", "?"))
        if inspect.iscoroutine(coroutine):
            coroutine.close()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
