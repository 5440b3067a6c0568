"""A customer orders product 15 from a Telegram chat, end to end over loopback HTTP."""

from __future__ import annotations

from sqlalchemy import text

from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from db.engine import create_engine
from tests.flows.conftest import (
    CUSTOMER_ID,
    BotRunner,
    Chat,
    answer_the_rest_of_the_form,
    fill_the_cart,
    reach_summary,
)


async def answer_up_to_phone(chat: Chat) -> None:
    await fill_the_cart(chat)
    await chat.tap("✅ Checkout", expect="Your name")
    await chat.say("Christina Thomas", expect="phone number")


async def answer_from_email_to_confirmation(chat: Chat, sandbox: Sandbox) -> None:
    await answer_the_rest_of_the_form(chat)
    await chat.tap("✅ Confirm", expect="placed")


def assert_the_reference_order_was_placed_once(sandbox: Sandbox, chat: Chat) -> None:
    (order,) = sandbox.oneentry.orders
    form_data = order["formData"]
    values = {f["marker"]: f["value"] for f in next(iter(form_data.values()))}
    assert values == {
        "guest_name": "Christina Thomas",
        "guest_phone": "+18005000500",
        "guest_email": "guest@yourmail.com",
        "delivery": [{"title": "Pickup", "value": "pickup"}],
    }
    assert [(p["productId"], p["quantity"]) for p in order["products"]] == [(15, 1)]
    sessions = [s for s in sandbox.oneentry.sessions if s["orderId"] == order["id"]]
    assert len(sessions) == 1
    last = chat.bot_messages()[-1].text
    assert f"#{order['id']}" in last
    assert "400 USD" in last
    assert "Upcoming" in last
    assert "awaiting payment" in last
    admin = [m for m in sandbox.telegram.messages(ADMIN_CHAT_ID) if m.from_bot]
    assert len(admin) == 1
    assert f"#{order['id']}" in admin[0].text
    assert "Christina Thomas" in admin[0].text and "+18005000500" in admin[0].text
    assert "guest@yourmail.com" in admin[0].text and "400 USD" in admin[0].text
    assert "Delivery: Pickup" in admin[0].text  # every answer to the form, not only contacts


async def test_a_customer_places_the_reference_order_typing_the_phone(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Typed phone: one order with the seed's form data, one session, customer and admins told."""
    async with bot_runner():
        await answer_up_to_phone(chat)
        await chat.say("+1 800 500 0500", expect="e-mail")
        await answer_from_email_to_confirmation(chat, sandbox)
    assert_the_reference_order_was_placed_once(sandbox, chat)


async def test_a_customer_places_the_reference_order_sharing_the_contact(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """The share-contact button gives the phone (Telegram may omit the +)."""
    async with bot_runner():
        await answer_up_to_phone(chat)
        await chat.share_contact("18005000500", expect="e-mail")
        await answer_from_email_to_confirmation(chat, sandbox)
    assert_the_reference_order_was_placed_once(sandbox, chat)


async def test_a_restart_between_two_answers_resumes_at_the_same_step(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: object
) -> None:
    """The draft is in the database before the bot replies, so a new process continues it."""
    async with bot_runner():
        await answer_up_to_phone(chat)
        await chat.say("+18005000500", expect="e-mail")
    async with bot_runner():
        await answer_from_email_to_confirmation(chat, sandbox)
    assert_the_reference_order_was_placed_once(sandbox, chat)


async def test_the_database_records_the_order_with_its_oneentry_ids(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: object
) -> None:
    """The placed order is kept with the OneEntry order id, session id and statuses."""
    async with bot_runner():
        await answer_up_to_phone(chat)
        await chat.say("+18005000500", expect="e-mail")
        await answer_from_email_to_confirmation(chat, sandbox)
    (order,) = sandbox.oneentry.orders
    (session,) = sandbox.oneentry.sessions
    engine = create_engine(settings.database_url)  # type: ignore[attr-defined]
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT oneentry_order_id, payment_session_id, payment_status FROM orders")
                )
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [(order["id"], session["id"], "waiting")]


async def test_bad_answers_get_clear_messages_and_the_conversation_goes_on(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Empty name, markup characters, bad phone, bad e-mail, a sticker, someone else's contact."""
    async with bot_runner():
        await fill_the_cart(chat)
        await chat.tap("✅ Checkout", expect="Your name")
        await chat.sticker(expect="only read text")
        await chat.say("!!", expect="at least one letter")
        await chat.say("<b>*_[Christina Thomas", expect="phone number")
        await chat.say("12345", expect="does not look like a phone number")
        await chat.share_contact("+18005000501", expect="someone else", own=False)
        await chat.say("+18005000500", expect="e-mail")
        await chat.say("guest@", expect="does not look like an e-mail")
        await chat.sticker(expect="only read text")
        await chat.say("guest@yourmail.com", expect="Delivery")
        await chat.say("teleport", expect="tap one of the options")
        await chat.say("courier", expect="Comment")
        await chat.say("x" * 501, expect="at most 500 characters")
        await chat.say("Ring twice 🔔", expect="Please check your order")
        await chat.tap("✅ Confirm", expect="placed")
    (order,) = sandbox.oneentry.orders
    values = {f["marker"]: f["value"] for f in next(iter(order["formData"].values()))}
    assert values["guest_name"] == "<b>*_[Christina Thomas"
    assert values["delivery"] == [{"title": "Courier", "value": "courier"}]
    assert values["guest_comment"] == "Ring twice 🔔"
    summary = [m for m in chat.bot_messages() if "Please check your order" in m.text][-1]
    assert "<b>*_[Christina Thomas" in summary.text  # shown literally: escaped, not parsed
    admin = [m for m in sandbox.telegram.messages(ADMIN_CHAT_ID) if m.from_bot]
    assert "<b>*_[Christina Thomas" in admin[0].text


async def test_a_double_tap_on_confirm_places_one_order(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Two taps on the same Confirm button: one order, one session, one notification."""
    async with bot_runner():
        summary = await reach_summary(chat)
        sandbox.telegram.tap(CUSTOMER_ID, label="✅ Confirm", message_id=summary.message_id)
        sandbox.telegram.tap(CUSTOMER_ID, label="✅ Confirm", message_id=summary.message_id)
        await chat.expect("placed")
        await sandbox.telegram.wait_for(
            lambda: len(sandbox.telegram.calls_for(CUSTOMER_ID, "answerCallbackQuery")) >= 4
        )
    assert len(sandbox.oneentry.orders) == 1
    assert len(sandbox.oneentry.sessions) == 1
    assert len([m for m in sandbox.telegram.messages(ADMIN_CHAT_ID) if m.from_bot]) == 1


async def test_the_shops_form_is_asked_in_its_order_with_a_skip_and_an_option_button(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Delivery by button, the comment skipped: formData holds each answer with its field's type."""
    async with bot_runner():
        await fill_the_cart(chat)
        name = await chat.tap("✅ Checkout", expect="Your name")
        assert "Skip" not in str(name.reply_markup)  # required
        await chat.say("Christina Thomas", expect="phone number")
        await chat.say("+18005000500", expect="E-mail")
        delivery = await chat.say("guest@yourmail.com", expect="Delivery")
        labels = [b["text"] for row in delivery.reply_markup["inline_keyboard"] for b in row]
        assert labels == ["Pickup", "Courier", "⏭ Skip"]
        await chat.tap("Courier", expect="Comment")
        summary = await chat.tap("⏭ Skip", expect="Please check your order")
        assert "Delivery: Courier" in summary.text and "Comment: —" in summary.text
        edits = [b["text"] for row in summary.reply_markup["inline_keyboard"] for b in row]
        assert {"✏️ Your name", "✏️ Phone", "✏️ E-mail", "✏️ Delivery", "✏️ Comment"} <= set(edits)
        await chat.tap("✏️ Comment", expect="Comment")
        summary = await chat.say("Leave it at the door", expect="Please check your order")
        assert "Comment: Leave it at the door" in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    (order,) = sandbox.oneentry.orders
    assert order["formData"] == {
        "en_US": [
            {"marker": "guest_name", "type": "string", "value": "Christina Thomas"},
            {"marker": "guest_phone", "type": "string", "value": "+18005000500"},
            {"marker": "guest_email", "type": "string", "value": "guest@yourmail.com"},
            {
                "marker": "delivery",
                "type": "list",
                "value": [{"title": "Courier", "value": "courier"}],
            },
            {"marker": "guest_comment", "type": "text", "value": "Leave it at the door"},
        ]
    }
    admin = [m for m in sandbox.telegram.messages(ADMIN_CHAT_ID) if m.from_bot]
    assert len(admin) == 1 and "Christina Thomas" in admin[0].text
