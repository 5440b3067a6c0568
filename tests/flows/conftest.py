"""The real bot (PTB Application, SQL store, OneEntry client) against both emulators."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from bot.app import BotApp, build_application, running
from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox, running_sandbox
from bot.sandbox.telegram import ChatMessage, TelegramEmulator
from bot.settings import Settings, load_settings

CUSTOMER_ID = 777000111
# The worker runs often and retries soon, so that fault tests finish in seconds.
QUICK_RETRIES = {
    "worker_interval_seconds": "0.1",
    "retry_base_seconds": "0.1",
    "retry_max_seconds": "0.4",
}


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with running_sandbox() as box:
        yield box


@pytest.fixture
def environment(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    """The bot's settings as environment variables: the sandbox, a SQLite file, quick retries."""
    return {
        **sandbox.settings(),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        **{key.upper(): value for key, value in QUICK_RETRIES.items()},
    }


@pytest.fixture
def settings(environment: dict[str, str]) -> Settings:
    return load_settings(_env_file=None, **{k.lower(): v for k, v in environment.items()})


BotRunner = Callable[[], AbstractAsyncContextManager[BotApp]]


@pytest.fixture
def bot_runner(settings: Settings) -> BotRunner:
    """Starts the bot; call it again after the block ends to restart it on the same database."""

    @contextlib.asynccontextmanager
    async def start() -> AsyncIterator[BotApp]:
        async with running(build_application(settings), poll_timeout=1) as app:
            yield app

    return start


class Chat:
    """A customer's side of the private chat, driven through the Telegram emulator."""

    def __init__(self, telegram: TelegramEmulator, user_id: int = CUSTOMER_ID) -> None:
        self.telegram = telegram
        self.user_id = user_id
        self._mark = 0

    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.telegram.messages(self.user_id) if m.from_bot]

    def _since_mark(self) -> list[ChatMessage]:
        return [m for m in self.bot_messages() if m.message_id > self._mark]

    def _set_mark(self) -> None:
        messages = self.telegram.messages(self.user_id)
        self._mark = max((m.message_id for m in messages), default=0)

    async def expect(self, fragment: str, seconds: float = 10.0) -> ChatMessage:
        """The first bot message after the customer's last action that contains `fragment`."""

        def found() -> bool:
            return any(fragment in m.text for m in self._since_mark())

        await self.telegram.wait_for(found, seconds)
        return next(m for m in self._since_mark() if fragment in m.text)

    async def say(self, text: str, expect: str) -> ChatMessage:
        self._set_mark()
        self.telegram.send_text(self.user_id, text, first_name="Christina", username="chris")
        return await self.expect(expect)

    async def share_contact(self, phone: str, expect: str, *, own: bool = True) -> ChatMessage:
        self._set_mark()
        contact_user = self.user_id if own else self.user_id + 1
        self.telegram.share_contact(
            self.user_id, phone, contact_user_id=contact_user, first_name="Christina"
        )
        return await self.expect(expect)

    async def sticker(self, expect: str) -> ChatMessage:
        self._set_mark()
        self.telegram.send_sticker(self.user_id)
        return await self.expect(expect)

    async def tap(self, label: str, expect: str, message_id: int | None = None) -> ChatMessage:
        self._set_mark()
        self.telegram.tap(self.user_id, label=label, message_id=message_id)
        return await self.expect(expect)


@pytest.fixture
def chat(sandbox: Sandbox) -> Chat:
    return Chat(sandbox.telegram)


def product_label(telegram: TelegramEmulator, chat_id: int, product_id: int) -> str:
    """The label of the product's button in the newest catalogue message of the chat."""
    for message in reversed(telegram.messages(chat_id)):
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith("p:") and data.endswith(f":{product_id}"):
                    return str(button["text"])
    raise AssertionError(f"no button for product {product_id}")


def button_data(message: ChatMessage, label_start: str) -> str:
    """The callback data of the message's first button whose label starts so."""
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            if str(button["text"]).startswith(label_start):
                return str(button["callback_data"])
    raise AssertionError(f"no button {label_start!r} in message {message.message_id}")


async def fill_the_cart(chat: Chat, product_id: int = 15, quantity: str = "1") -> ChatMessage:
    """/start, the product's card, a quantity: the cart."""
    await chat.say("/start", expect="What would you like to order?")
    await chat.tap(product_label(chat.telegram, chat.user_id, product_id), expect="How many")
    return await chat.tap(quantity, expect="Your cart")


async def answer_the_questions(chat: Chat) -> ChatMessage:
    """Checkout, then the reference customer's answers to the seed's form: the summary.

    A returning customer, offered the previous order's details, chooses to enter them anew.
    """
    question = await chat.tap("✅ Checkout", expect="")
    if "same details" in question.text:
        await chat.tap("✏️ Enter new details", expect="Your name")
    await chat.say("Christina Thomas", expect="phone number")
    await chat.say("+18005000500", expect="E-mail")
    return await answer_the_rest_of_the_form(chat)


async def answer_the_rest_of_the_form(chat: Chat) -> ChatMessage:
    """The e-mail, then the seed form's optional questions: delivery by button, no comment."""
    await chat.say("guest@yourmail.com", expect="Delivery")
    await chat.tap("Pickup", expect="Comment")
    return await chat.tap("⏭ Skip", expect="Please check your order")


async def reach_summary(chat: Chat) -> ChatMessage:
    """The reference customer puts product 15 x 1 in the cart and answers every question."""
    await fill_the_cart(chat)
    return await answer_the_questions(chat)


@contextlib.asynccontextmanager
async def bot_with(environment: dict[str, str], **overrides: str) -> AsyncIterator[BotApp]:
    env = {**environment, **{k.upper(): v for k, v in overrides.items()}}
    settings = load_settings(_env_file=None, **{k.lower(): v for k, v in env.items()})
    async with running(build_application(settings), poll_timeout=1) as app:
        yield app


def admin_messages(sandbox: Sandbox, chat_id: int = ADMIN_CHAT_ID) -> list[str]:
    return [m.text for m in sandbox.telegram.messages(chat_id) if m.from_bot]
