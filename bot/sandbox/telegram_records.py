"""What the Telegram emulator records and raises: calls, chat messages, Bot API errors, wake-ups."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BotCall:
    """One Bot API request as the emulator saw and answered it."""

    method: str
    params: dict[str, Any]
    chat_id: int | None
    ok: bool = True
    result: Any = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChatMessage:
    """A message as the chat shows it now (after edits); `text` is the caption for media."""

    message_id: int
    from_bot: bool
    text: str
    entities: list[dict[str, Any]]
    reply_markup: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False)


class ApiError(Exception):
    """A Bot API failure: answered as `{"ok": false, ...}` with HTTP status `code`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}", parameters)


class Signal:
    """Wakes every waiter when something changed; usable from any event loop it is awaited in."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.get_loop().call_soon_threadsafe(_resolve, waiter)
        self._waiters.clear()

    async def wait(self, seconds: float) -> None:
        """Return when notified or after `seconds`, whichever comes first."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait({waiter}, timeout=max(seconds, 0))
        finally:
            self._waiters.discard(waiter)
            if not waiter.done():
                waiter.cancel()


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
