"""C09, C10: taps on out-of-date buttons change nothing; a double-tapped Confirm orders once."""

from __future__ import annotations

from typing import Any

from bot.ordering.model import Draft, Step
from bot.sandbox.run import Sandbox
from bot.sandbox.telegram import TelegramEmulator
from db.engine import create_engine
from db.store import SqlStore
from tests.cases.steps import (
    admin_messages,
    answer_up_to_the_summary,
    open_the_catalogue,
    product_label,
)
from tests.flows.conftest import BotRunner, Chat

STALE = "This menu is out of date."


async def load_draft(settings: Any, chat_id: int) -> Draft | None:
    store = SqlStore(create_engine(settings.database_url))
    try:
        return await store.load(chat_id)
    finally:
        await store.close()


def button_data(telegram: TelegramEmulator, chat_id: int, message_id: int, label: str) -> str:
    """The callback data a button had when the bot sent the message (a client may still show it)."""
    for call in telegram.calls_for(chat_id, "sendMessage"):
        if call.ok and call.result and call.result["message_id"] == message_id:
            for row in (call.result.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return str(button["callback_data"])
    raise AssertionError(f"message {message_id} had no button {label!r}")


def answers(telegram: TelegramEmulator) -> list[str]:
    """The texts of every answered callback query, in the order the queries were made."""
    records = telegram.world.callback_queries.values()
    return [str(r.answer.get("text", "")) for r in records if r.answer is not None]


async def test_c09_a_tap_on_an_older_message_is_answered_out_of_date_and_changes_nothing(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: Any
) -> None:
    """C09: a product tapped on the old catalogue while a card is open: toast, the card again."""
    telegram = sandbox.telegram
    async with bot_runner():
        catalogue = await open_the_catalogue(chat)
        latte = button_data(
            telegram, chat.user_id, catalogue.message_id, product_label(sandbox, 16)
        )
        await chat.tap(product_label(sandbox, 15), expect="How many")
        chat._set_mark()
        telegram.tap(chat.user_id, data=latte, message_id=catalogue.message_id)
        again = await chat.expect("How many")
        assert answers(telegram)[-1] == STALE
        assert "Cappuccino" in again.text and "Latte" not in again.text
        cart = await chat.tap("1", expect="Your cart")
    assert "Cappuccino × 1" in cart.text and "Latte" not in cart.text
    draft = await load_draft(settings, chat.user_id)
    assert draft is not None and [(line.product_id, line.quantity) for line in draft.lines] == [
        (15, 1)
    ]


async def test_c09_after_a_restart_the_old_confirm_button_places_the_complete_draft(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C09: the bot restarts between the summary and the tap; the persisted draft is placed."""
    async with bot_runner():
        summary = await answer_up_to_the_summary(chat, sandbox)
    async with bot_runner():
        await chat.tap("✅ Confirm", expect="placed", message_id=summary.message_id)
    assert len(sandbox.oneentry.orders) == 1
    assert len(admin_messages(sandbox)) == 1


async def test_c09_after_a_restart_a_confirm_of_a_replaced_draft_places_nothing(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: Any
) -> None:
    """C09: the old summary's Confirm after /cancel, /start and a restart: out of date, no order."""
    telegram = sandbox.telegram
    async with bot_runner():
        summary = await answer_up_to_the_summary(chat, sandbox)
        confirm = button_data(telegram, chat.user_id, summary.message_id, "✅ Confirm")
        await chat.say("/cancel", expect="cancelled")
        await chat.say("/start", expect="What would you like to order?")
    async with bot_runner():
        chat._set_mark()
        telegram.tap(chat.user_id, data=confirm, message_id=summary.message_id)
        await chat.expect("What would you like to order?")
        await telegram.wait_for(lambda: STALE in answers(telegram))
    assert sandbox.oneentry.orders == []
    draft = await load_draft(settings, chat.user_id)
    assert draft is not None and draft.step is Step.PRODUCT and draft.lines == ()


async def test_c10_two_taps_on_confirm_at_once_order_once_and_the_second_is_already_submitted(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C10: two callback updates for one Confirm: one create-order POST, one of each message."""
    telegram = sandbox.telegram
    async with bot_runner():
        summary = await answer_up_to_the_summary(chat, sandbox)
        telegram.tap(chat.user_id, label="✅ Confirm", message_id=summary.message_id)
        telegram.tap(chat.user_id, label="✅ Confirm", message_id=summary.message_id)
        await chat.expect("placed")
        await telegram.wait_for(
            lambda: all(r.answer is not None for r in telegram.world.callback_queries.values())
        )
    creates = [r for r in sandbox.oneentry.requests if r.route == "create_order"]
    assert len(creates) == 1 and len(sandbox.oneentry.orders) == 1
    assert len(admin_messages(sandbox)) == 1
    assert len([m for m in chat.bot_messages() if "placed" in m.text]) == 1
    assert answers(telegram)[-1] == "Your order has already been submitted."
    assert not [m for m in chat.bot_messages() if "Send /start to place an order" in m.text]
