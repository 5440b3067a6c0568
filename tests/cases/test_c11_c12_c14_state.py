"""C11, C12, C14: the conversation's state survives restarts, never traps a chat, stays ordered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.ordering.model import Draft, Step
from bot.sandbox.run import Sandbox
from db.engine import create_engine
from db.store import SqlStore
from tests.cases.steps import (
    PHONE,
    answer_up_to_the_summary,
    fill_the_cart,
    open_the_card,
    order_values,
    product_label,
)
from tests.flows.conftest import BotRunner, Chat, answer_the_rest_of_the_form


async def load_draft(settings: Any, chat_id: int) -> Draft | None:
    store = SqlStore(create_engine(settings.database_url))
    try:
        return await store.load(chat_id)
    finally:
        await store.close()


async def set_stored_step(settings: Any, chat_id: int, step: str) -> None:
    """Write a step straight into the draft row, as an older or newer release might have."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE drafts SET step = :step WHERE chat_id = :chat"),
                {"step": step, "chat": chat_id},
            )
    finally:
        await engine.dispose()


async def test_c11_an_answer_after_a_restart_continues_the_persisted_step(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: Any
) -> None:
    """C11: name given, bot restarted on the same SQLite file, the phone answer is accepted."""
    async with bot_runner():
        await fill_the_cart(chat, sandbox)
        await chat.tap("✅ Checkout", expect="Your name")
        await chat.say("Anna", expect="phone number")
    async with bot_runner():
        await chat.say(PHONE, expect="E-mail")
    draft = await load_draft(settings, chat.user_id)
    assert draft is not None
    assert (draft.step, draft.name, draft.phone) == (Step.EMAIL, "Anna", PHONE)


async def test_c11_free_text_without_a_draft_gets_a_helpful_reply(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C11: a first message that is no command is answered with how to start, never silence."""
    async with bot_runner():
        await chat.say("10 Downing St", expect="Send /start to place an order.")


async def test_c12_start_cancel_and_help_work_at_the_confirm_step(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C12: a chat persisted at CONFIRM (buttons only) still answers every command."""
    async with bot_runner():
        await answer_up_to_the_summary(chat, sandbox)
    async with bot_runner():
        await chat.say("/help", expect="/cancel — cancel the current order")
        await chat.expect("Please check your order")
        await chat.say("/start", expect="Welcome back")
        await chat.say("/cancel", expect="has been cancelled")
        await chat.say("/start", expect="What would you like to order?")


async def test_c12_drafts_with_unknown_stored_steps_let_start_begin_anew(
    sandbox: Sandbox, bot_runner: BotRunner, settings: Any
) -> None:
    """C12: steps unknown to this release ("payment", "CONFIRM") close the draft; /start works."""
    stored = {777000201: "payment", 777000202: "CONFIRM"}
    chats = {user: Chat(sandbox.telegram, user) for user in stored}
    async with bot_runner():
        for chat in chats.values():
            await answer_up_to_the_summary(chat, sandbox)
    for user, step in stored.items():
        await set_stored_step(settings, user, step)
    async with bot_runner():
        for chat in chats.values():
            await chat.say("Hello?", expect="Send /start to place an order.")
            await chat.say("/start", expect="What would you like to order?")
            await chat.tap(product_label(sandbox, 15, chat.user_id), expect="How many")
    for user in stored:
        draft = await load_draft(settings, user)
        assert draft is not None and draft.step is Step.QUANTITY and draft.lines == ()


async def test_c14_two_quantities_sent_back_to_back_are_applied_in_order(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: Any
) -> None:
    """C14: "2" and "3" at the quantity step: the first answers it, the second meets the cart."""
    telegram = sandbox.telegram
    async with bot_runner():
        await open_the_card(chat, sandbox)
        telegram.send_text(chat.user_id, "2")
        telegram.send_text(chat.user_id, "3")
        await chat.expect("Please use the buttons below.")
    texts = [m.text for m in chat.bot_messages()]
    cart = next(i for i, t in enumerate(texts) if "Your cart" in t)
    assert "Cappuccino × 2" in texts[cart]
    assert "Please use the buttons below." in texts[cart + 1]
    draft = await load_draft(settings, chat.user_id)
    assert draft is not None and draft.step is Step.CART
    assert [(line.product_id, line.quantity) for line in draft.lines] == [(15, 2)]


async def test_c14_a_cart_change_and_a_checkout_tap_back_to_back_are_processed_in_order(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C14: "plus one" and "Checkout" within milliseconds: in order, one order of two cups."""
    telegram = sandbox.telegram
    async with bot_runner():
        cart = await fill_the_cart(chat, sandbox)
        telegram.tap(chat.user_id, label="➕ Cappuccino", message_id=cart.message_id)
        telegram.tap(chat.user_id, label="✅ Checkout", message_id=cart.message_id)
        await chat.expect("Your name")
        await chat.say("Christina Thomas", expect="phone number")
        await chat.say(PHONE, expect="E-mail")
        summary = await answer_the_rest_of_the_form(chat)
        assert "Cappuccino × 2" in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    (order,) = sandbox.oneentry.orders
    assert [(p["productId"], p["quantity"]) for p in order["products"]] == [(15, 2)]
    assert order_values(sandbox)["guest_name"] == "Christina Thomas"
