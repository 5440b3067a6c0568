"""C18 (a, b): a customer who blocked the bot or was deactivated breaks nothing else.

C18 (c), the admin group refusing the bot, is in test_c16_c18c_admin_group.py.
"""

from __future__ import annotations

import pytest

from bot.sandbox.run import Sandbox
from db.engine import create_engine
from db.outbox import SqlOutbox
from db.store import SqlStore
from tests.cases.steps import admin_messages, answer_up_to_the_summary
from tests.flows.conftest import BotRunner, Chat

OTHER_CUSTOMER = 777000222


async def tap_confirm_while_the_order_is_being_created(
    sandbox: Sandbox, chat: Chat, summary_id: int
) -> None:
    """Tap Confirm with OneEntry slow, and return once the create-order request is in."""
    sandbox.oneentry.fail("create_order", status=0, delay=0.5)
    chat.telegram.tap(chat.user_id, label="✅ Confirm", message_id=summary_id)
    await chat.expect("Placing your order")
    await chat.telegram.wait_for(
        lambda: any(r.route == "create_order" for r in sandbox.oneentry.requests)
    )


async def test_c18_a_customer_who_blocked_the_bot_does_not_stop_other_customers(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C18a: after one customer blocks the bot, another customer orders as usual."""
    other = Chat(sandbox.telegram, OTHER_CUSTOMER)
    async with bot_runner():
        await chat.say("/start", expect="What would you like to order?")
        sandbox.telegram.block(chat.user_id)
        await answer_up_to_the_summary(other, sandbox)
        await other.tap("✅ Confirm", expect="placed")
        await sandbox.telegram.wait_for(lambda: len(admin_messages(sandbox)) == 1)
    assert len(sandbox.oneentry.orders) == 1


@pytest.mark.parametrize(
    "description", ["Forbidden: bot was blocked by the user", "Forbidden: user is deactivated"]
)
async def test_c18_ab_a_customer_unreachable_after_confirming_still_gets_the_order_to_the_admins(
    description: str, sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: object
) -> None:
    """C18a/b: the receipt to the customer answers 403: order kept, admins told, customer marked."""
    async with bot_runner():
        summary = await answer_up_to_the_summary(chat, sandbox)
        await tap_confirm_while_the_order_is_being_created(sandbox, chat, summary.message_id)
        sandbox.telegram.fail(
            "sendMessage", chat_id=chat.user_id, status=403, description=description
        )
        await sandbox.telegram.wait_for(
            lambda: any(not c.ok for c in sandbox.telegram.calls_for(chat.user_id, "sendMessage"))
        )
        await sandbox.telegram.wait_for(lambda: len(admin_messages(sandbox)) == 1, seconds=3)
    (order,) = sandbox.oneentry.orders
    engine = create_engine(settings.database_url)  # type: ignore[attr-defined]
    try:
        kept = await SqlStore(engine).orders_for_chat(chat.user_id)
        unreachable = await SqlOutbox(engine).is_unreachable(chat.user_id)
    finally:
        await engine.dispose()
    assert [o.order_id for o in kept] == [order["id"]]
    assert unreachable
    customer_sends = sandbox.telegram.calls_for(chat.user_id, "sendMessage")
    assert len([c for c in customer_sends if not c.ok]) == 1  # refused once, never retried
