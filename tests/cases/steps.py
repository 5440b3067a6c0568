"""Steps of a customer's conversation and looks at what the emulators recorded, for the cases."""

from __future__ import annotations

from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from bot.sandbox.telegram import BotCall, ChatMessage, TelegramEmulator
from tests.flows.conftest import CUSTOMER_ID, Chat, answer_the_rest_of_the_form

PHONE = "+18005000500"
EMAIL = "guest@yourmail.com"


class ProfiledChat(Chat):
    """A customer chat whose Telegram profile (first_name, username) is chosen by the test."""

    def __init__(
        self,
        telegram: TelegramEmulator,
        user_id: int = CUSTOMER_ID,
        *,
        first_name: str = "Christina",
        username: str | None = "chris",
    ) -> None:
        super().__init__(telegram, user_id)
        self.first_name = first_name
        self.username = username

    async def say(self, text: str, expect: str) -> ChatMessage:
        self._set_mark()
        self.telegram.send_text(
            self.user_id, text, first_name=self.first_name, username=self.username
        )
        return await self.expect(expect)


def product_label(sandbox: Sandbox, product_id: int, chat_id: int = CUSTOMER_ID) -> str:
    """The label of the product's button in the newest catalogue message."""
    for message in reversed(sandbox.telegram.messages(chat_id)):
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                data = str(button.get("callback_data", ""))
                if data.startswith("p:") and data.endswith(f":{product_id}"):
                    return str(button["text"])
    raise AssertionError(f"no button for product {product_id}")


async def open_the_catalogue(chat: Chat) -> ChatMessage:
    return await chat.say("/start", expect="What would you like to order?")


async def open_the_card(chat: Chat, sandbox: Sandbox, product_id: int = 15) -> ChatMessage:
    """/start, then the product's card with its quantity buttons."""
    await open_the_catalogue(chat)
    return await chat.tap(product_label(sandbox, product_id, chat.user_id), expect="How many")


async def fill_the_cart(
    chat: Chat, sandbox: Sandbox, product_id: int = 15, quantity: str = "1"
) -> ChatMessage:
    """/start, the product's card, a quantity: the cart."""
    await open_the_card(chat, sandbox, product_id)
    return await chat.tap(quantity, expect="Your cart")


async def answer_the_questions(
    chat: Chat, name: str = "Christina Thomas", phone: str = PHONE
) -> ChatMessage:
    """Checkout, then name, phone and the rest of the form (never reusing earlier details)."""
    question = await chat.tap("✅ Checkout", expect="")
    if "same details" in question.text:
        await chat.tap("✏️ Enter new details", expect="Your name")
    await chat.say(name, expect="phone number")
    await chat.say(phone, expect="E-mail")
    return await answer_the_rest_of_the_form(chat)


async def answer_up_to_the_summary(
    chat: Chat, sandbox: Sandbox, name: str = "Christina Thomas", product_id: int = 15
) -> ChatMessage:
    """/start to the order summary; returns the summary message (with the Confirm button)."""
    await fill_the_cart(chat, sandbox, product_id)
    return await answer_the_questions(chat, name)


def admin_messages(sandbox: Sandbox) -> list[ChatMessage]:
    return [m for m in sandbox.telegram.messages(ADMIN_CHAT_ID) if m.from_bot]


def refused_calls(sandbox: Sandbox) -> list[BotCall]:
    """Bot API calls the emulator answered with an error (none, in a healthy conversation)."""
    return [c for c in sandbox.telegram.calls if not c.ok and c.method != "getUpdates"]


def order_values(sandbox: Sandbox, index: int = -1) -> dict[str, str]:
    """The guest form values of a OneEntry order, by marker."""
    form_data = sandbox.oneentry.orders[index]["formData"]
    return {f["marker"]: f["value"] for f in next(iter(form_data.values()))}
