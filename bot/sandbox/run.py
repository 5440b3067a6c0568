"""Both emulators served together, and the settings that point the bot at them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.sandbox.oneentry import OneEntrySandbox
from bot.sandbox.serving import serve
from bot.sandbox.telegram import TelegramEmulator

ADMIN_CHAT_ID = -1001000000001
ADMIN_CHAT_TITLE = "Shop admins"


@dataclass(frozen=True)
class Sandbox:
    oneentry: OneEntrySandbox
    telegram: TelegramEmulator
    oneentry_url: str
    telegram_url: str

    def settings(self) -> dict[str, str]:
        """Environment settings for `order-bot run`, in the order the sandbox prints them."""
        return {
            "TELEGRAM_API_URL": self.telegram_url,
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "ADMIN_CHAT_ID": str(ADMIN_CHAT_ID),
            "ONEENTRY_PROJECT_URL": self.oneentry_url,
            "ONEENTRY_APP_TOKEN": self.oneentry.app_token,
            "ONEENTRY_GUEST_LOGIN": self.oneentry.guest_login,
            "ONEENTRY_GUEST_PASSWORD": self.oneentry.guest_password,
        }


@contextlib.asynccontextmanager
async def running_sandbox(
    oneentry: OneEntrySandbox | None = None,
    telegram: TelegramEmulator | None = None,
    *,
    oneentry_port: int = 0,
    telegram_port: int = 0,
) -> AsyncIterator[Sandbox]:
    """Serve a OneEntry sandbox and a Telegram emulator (with the admin group) on loopback."""
    oneentry = oneentry or OneEntrySandbox()
    telegram = telegram or TelegramEmulator()
    telegram.add_group(ADMIN_CHAT_ID, ADMIN_CHAT_TITLE)
    async with (
        serve(oneentry.app, port=oneentry_port) as oneentry_url,
        serve(telegram.app, port=telegram_port) as telegram_url,
    ):
        yield Sandbox(oneentry, telegram, oneentry_url, telegram_url)
