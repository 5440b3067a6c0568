"""The shop end to end: catalogue pages, cart, summary edits, repricing, links, history."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.sandbox.oneentry import load_seed
from bot.sandbox.run import Sandbox
from tests.flows.conftest import (
    CUSTOMER_ID,
    BotRunner,
    Chat,
    answer_the_questions,
    button_data,
    fill_the_cart,
    product_label,
    reach_summary,
)

CAKE_ID = 22  # titled with 64 Cyrillic letters and emoji


def order_lines(sandbox: Sandbox) -> list[tuple[int, int]]:
    (order,) = sandbox.oneentry.orders
    return [(p["productId"], p["quantity"]) for p in order["products"]]


def form_values(order: dict[str, object]) -> dict[str, str]:
    form_data = order["formData"]
    assert isinstance(form_data, dict)
    return {f["marker"]: f["value"] for f in next(iter(form_data.values()))}


async def test_a_customer_browses_two_pages_fills_a_cart_and_orders_two_products(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Next and previous pages, two products, plus, minus, a removed line: one order of two."""
    async with bot_runner():
        first = await chat.say("/start", expect="Page 1 of 2")
        assert "Macarons" not in str(first.reply_markup)  # out of stock
        assert "Seasonal pie" not in str(first.reply_markup)  # hidden
        second = await chat.tap("Next ▶️", expect="Page 2 of 2")
        cake = product_label(sandbox.telegram, CUSTOMER_ID, CAKE_ID)
        assert cake.startswith("Торт Наполеон") and "🍰🍓" in cake
        assert all(
            len(str(b["callback_data"]).encode()) <= 64
            for r in (second.reply_markup or {})["inline_keyboard"]
            for b in r
        )
        await chat.tap("◀️ Previous", expect="Page 1 of 2")
        await chat.tap(product_label(sandbox.telegram, CUSTOMER_ID, 16), expect="How many")
        await chat.tap("2", expect="Your cart")
        await chat.tap("🛍 Add more products", expect="Page 1 of 2")
        await chat.tap(product_label(sandbox.telegram, CUSTOMER_ID, 15), expect="How many")
        cart = await chat.say("3", expect="Your cart")
        assert "Latte × 2 — 900 USD" in cart.text and "Cappuccino × 3 — 1200 USD" in cart.text
        assert "Total: 2100 USD" in cart.text
        cart = await chat.tap("➕ Latte", expect="Latte × 3")
        cart = await chat.tap("➖ Cappuccino", expect="Cappuccino × 2")
        assert "Total: 2150 USD" in cart.text
        await chat.tap("🛍 Add more products", expect="Page 1")
        await chat.tap(product_label(sandbox.telegram, CUSTOMER_ID, 17), expect="How many")
        cart = await chat.tap("1", expect="Croissant × 1")
        cart = await chat.tap("🗑 Croissant", expect="Your cart")
        assert "Croissant" not in cart.text and "Subtotal: 2150 USD" in cart.text
        summary = await answer_the_questions(chat)
        assert "Latte × 3 — 1350 USD" in summary.text and "Cappuccino × 2 — 800 USD" in summary.text
        assert "Total: 2150 USD" in summary.text and "guest@yourmail.com" in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    assert order_lines(sandbox) == [(16, 3), (15, 2)]
    assert "2150 USD" in chat.bot_messages()[-1].text


async def test_a_product_card_is_a_photo_with_its_title_and_price(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """A product with a picture is sent with sendPhoto, captioned with its title and price."""
    async with bot_runner():
        await chat.say("/start", expect="What would you like to order?")
        await chat.tap(product_label(sandbox.telegram, CUSTOMER_ID, 15), expect="How many")
    (photo,) = sandbox.telegram.calls_for(CUSTOMER_ID, "sendPhoto")
    assert photo.params["photo"] == "https://images.example.com/shop/cappuccino.jpg"
    assert "Cappuccino" in photo.params["caption"] and "400 USD" in photo.params["caption"]


async def test_the_product_with_a_long_cyrillic_title_can_be_ordered(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """64 Cyrillic letters and emoji: shown whole in the card, ordered like any other."""
    async with bot_runner():
        await chat.say(f"/start p{CAKE_ID}", expect="How many")
        cart = await chat.tap("1", expect="Your cart")
        title = next(
            p["localizeInfos"]["en_US"]["title"]
            for p in load_seed()["products"]
            if p["id"] == CAKE_ID
        )
        assert len(re.findall("[А-Яа-яЁё]", title)) == 64 and title in cart.text
        await answer_the_questions(chat)
        await chat.tap("✅ Confirm", expect="placed")
    assert order_lines(sandbox) == [(CAKE_ID, 1)]


async def test_a_deep_link_opens_product_15(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """t.me/<bot>?start=p15 shows product 15's card; an unknown product shows the catalogue."""
    async with bot_runner():
        card = await chat.say("/start p15", expect="How many")
        assert "Cappuccino" in card.text and "400 USD" in card.text
        await chat.say("/cancel", expect="cancelled")
        await chat.say("/start p999", expect="no longer available")
        await chat.expect("What would you like to order?")


async def test_an_answer_is_changed_from_the_summary_without_starting_over(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """✏️ E-mail, a new address, and the summary again; the order has the new address."""
    async with bot_runner():
        await reach_summary(chat)
        question = await chat.tap("✏️ E-mail", expect="E-mail")
        assert "/back" in question.text
        summary = await chat.say("chris@yourmail.com", expect="Please check your order")
        assert "chris@yourmail.com" in summary.text and "Christina Thomas" in summary.text
        await chat.tap("✏️ Your name", expect="Your name")
        summary = await chat.say("/back", expect="Please check your order")
        assert "Christina Thomas" in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    (order,) = sandbox.oneentry.orders
    assert form_values(order)["guest_email"] == "chris@yourmail.com"


async def test_a_price_changed_before_confirmation_is_shown_and_confirmed_again(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """OneEntry's new price: a fresh summary with the new total, no order until Confirm again."""
    async with bot_runner():
        await reach_summary(chat)
        sandbox.oneentry.set_product_price(15, Decimal(420))
        summary = await chat.tap("✅ Confirm", expect="Prices have changed")
        assert "Total: 420 USD" in summary.text
        assert sandbox.oneentry.orders == []
        await chat.tap("✅ Confirm", expect="placed", message_id=summary.message_id)
    (order,) = sandbox.oneentry.orders
    assert order["products"][0]["productId"] == 15
    assert "420 USD" in chat.bot_messages()[-1].text


async def test_a_returning_customer_reuses_the_details_of_the_previous_order(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """The second order offers the first one's details; Yes goes on to the form's other ones."""
    async with bot_runner():
        summary = await reach_summary(chat)
        await chat.tap("✅ Confirm", expect="placed", message_id=summary.message_id)
        await fill_the_cart(chat, product_id=16)
        offer = await chat.tap("✅ Checkout", expect="same details")
        assert "Christina Thomas" in offer.text and "+18005000500" in offer.text
        await chat.tap("✅ Yes, use them", expect="Delivery")
        await chat.tap("Courier", expect="Comment")
        summary = await chat.tap("⏭ Skip", expect="Please check your order")
        assert "guest@yourmail.com" in summary.text and "Latte" in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    second = sandbox.oneentry.orders[-1]
    assert form_values(second) == {
        "guest_name": "Christina Thomas",
        "guest_phone": "+18005000500",
        "guest_email": "guest@yourmail.com",
        "delivery": [{"title": "Courier", "value": "courier"}],
    }


async def test_a_button_of_an_older_message_changes_nothing(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """A cart button tapped at the summary, and a previous draft's button: a toast, no change."""
    async with bot_runner():
        cart = await fill_the_cart(chat)
        plus = button_data(cart, "➕ Cappuccino")
        summary = await answer_the_questions(chat)

        def toasts() -> list[object]:
            calls = sandbox.telegram.calls_for(CUSTOMER_ID, "answerCallbackQuery")
            return [c.params.get("text") for c in calls]

        chat.telegram.tap(CUSTOMER_ID, data=plus, message_id=cart.message_id)
        await sandbox.telegram.wait_for(lambda: "This menu is out of date." in toasts())
        await chat.say("/cancel", expect="cancelled")
        await chat.say("/start", expect="What would you like to order?")
        chat.telegram.tap(CUSTOMER_ID, data=plus, message_id=cart.message_id)
        await sandbox.telegram.wait_for(lambda: toasts().count("This menu is out of date.") == 2)
        await chat.expect("What would you like to order?")
    assert "Cappuccino × 1" in summary.text
    again = [m for m in chat.bot_messages() if "Please check your order" in m.text]
    assert all("Cappuccino × 1" in m.text for m in again)
    assert sandbox.oneentry.orders == []


async def test_order_history_lists_orders_with_their_current_status(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """/orders reads the status from OneEntry; with OneEntry down, the stored one is shown."""
    async with bot_runner():
        await chat.say("/orders", expect="no orders yet")
        summary = await reach_summary(chat)
        await chat.tap("✅ Confirm", expect="placed", message_id=summary.message_id)
        (order,) = sandbox.oneentry.orders
        sandbox.oneentry.set_order_status(order["id"], "guest_confirmed")
        history = await chat.say("/orders", expect="Your orders")
        assert f"#{order['id']}" in history.text and "Upcoming" not in history.text
        assert "awaiting payment" in history.text
        sandbox.oneentry.fail("order", status=503, count=5)
        history = await chat.say("/orders", expect="Your orders")
        assert "Upcoming" in history.text and "may be out of date" in history.text
    assert "orders" in sandbox.telegram.commands()
