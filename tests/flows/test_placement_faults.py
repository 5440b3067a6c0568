"""The fault matrix of order placement: OneEntry and Telegram fail, the order still lands once.

Every cell ends with the same check: exactly one order in the OneEntry sandbox for the
confirmed draft, one payment session for it, the customer told once that it is placed, the
admins told once. The README's table lists the cells and their outcomes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from tests.flows.conftest import CUSTOMER_ID, Chat, admin_messages, bot_with, reach_summary
from tests.flows.tcp_proxy import proxy_to

CONFIRM = "✅ Confirm"
SETTLE = 20.0  # seconds a cell may take to reach its end state


async def settled(sandbox: Sandbox, chat: Chat, admin_chat: int = ADMIN_CHAT_ID) -> dict[str, Any]:
    """Wait for the order, its session and both notices; the order."""
    telegram, oneentry = sandbox.telegram, sandbox.oneentry

    def done() -> bool:
        placed = any("placed" in m.text for m in chat.bot_messages())
        noticed = any("New order" in text for text in admin_messages(sandbox, admin_chat))
        return bool(oneentry.orders and oneentry.sessions and placed and noticed)

    await telegram.wait_for(done, SETTLE)
    return oneentry.orders[0]


def assert_placed_once(sandbox: Sandbox, chat: Chat, admin_chat: int = ADMIN_CHAT_ID) -> None:
    (order,) = sandbox.oneentry.orders
    assert [s["orderId"] for s in sandbox.oneentry.sessions] == [order["id"]]
    told = [m for m in chat.bot_messages() if f"Order #{order['id']} placed" in m.text]
    assert len(told) == 1
    noticed = [t for t in admin_messages(sandbox, admin_chat) if f"New order #{order['id']}" in t]
    assert len(noticed) == 1


async def confirm(chat: Chat) -> None:
    summary = await reach_summary(chat)
    chat.telegram.tap(CUSTOMER_ID, label=CONFIRM, message_id=summary.message_id)


async def test_a_server_error_before_the_order_is_stored_queues_it_and_places_it_later(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """OneEntry answers 500 three times: the customer hears it is queued, then that it is placed."""
    sandbox.oneentry.fail("create_order", status=500, count=3)
    async with bot_with(environment):
        await confirm(chat)
        await chat.expect("accepted")
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_a_server_error_after_the_order_is_stored_creates_no_second_order(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """A 500 after OneEntry stored the order: the next attempt finds it instead of resending."""
    sandbox.oneentry.fail("create_order", status=500, after_commit=True)
    async with bot_with(environment):
        await confirm(chat)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)
    routes = [r.route for r in sandbox.oneentry.requests]
    assert routes.count("create_order") == 1 and "orders" in routes


async def test_a_timeout_after_the_order_is_stored_creates_no_second_order(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """The answer to the create comes after the client's read timeout: looked up, not resent."""
    sandbox.oneentry.fail("create_order", status=0, delay=2.0, after_commit=True)
    async with bot_with(environment, oneentry_read_timeout_seconds="0.5"):
        await confirm(chat)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)
    assert [r.route for r in sandbox.oneentry.requests].count("create_order") == 1


async def test_a_connection_cut_after_the_order_is_stored_creates_no_second_order(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """The network drops the answer of the create: the order is looked up and found."""
    async with proxy_to(sandbox.oneentry_url) as proxy:
        proxy.cut_after.append(b"POST /api/content/orders-storage/")
        async with bot_with(environment, oneentry_project_url=proxy.url):
            await confirm(chat)
            await settled(sandbox, chat)
        assert proxy.cuts == 1
    assert_placed_once(sandbox, chat)


async def test_a_refused_connection_queues_the_order_until_oneentry_is_back(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """OneEntry's host is down at confirmation: queued; placed once it answers again."""
    async with (
        proxy_to(sandbox.oneentry_url) as proxy,
        bot_with(environment, oneentry_project_url=proxy.url),
    ):
        summary = await reach_summary(chat)
        await proxy.refuse()
        chat.telegram.tap(CUSTOMER_ID, label=CONFIRM, message_id=summary.message_id)
        await chat.expect("accepted")
        assert sandbox.oneentry.orders == []
        await proxy.open()
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_a_failed_payment_session_is_opened_again_for_the_same_order(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """create_session answers 503 twice: the order is kept and gets exactly one session."""
    sandbox.oneentry.fail("create_session", status=503, count=2)
    async with bot_with(environment):
        await confirm(chat)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_a_payment_session_stored_without_an_answer_is_found_not_opened_twice(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """A 500 after the session was stored: the next attempt reads the order's sessions first."""
    sandbox.oneentry.fail("create_session", status=500, after_commit=True)
    async with bot_with(environment):
        await confirm(chat)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)
    assert "sessions_by_order" in [r.route for r in sandbox.oneentry.requests]


async def test_a_flood_limit_on_the_confirmation_delays_it_but_delivers_it_once(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """Telegram answers 429 to the customer's confirmation: sent again after retry_after."""
    async with bot_with(environment):
        summary = await reach_summary(chat)
        sandbox.telegram.fail(
            "sendMessage", chat_id=CUSTOMER_ID, status=429, retry_after=1, count=2
        )
        chat.telegram.tap(CUSTOMER_ID, label=CONFIRM, message_id=summary.message_id)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_a_flood_limit_on_the_admin_group_delays_the_notice_but_delivers_it_once(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """Telegram answers 429 to the admins' notice (more often than the rate limiter retries)."""
    sandbox.telegram.fail("sendMessage", chat_id=ADMIN_CHAT_ID, status=429, retry_after=1, count=5)
    async with bot_with(environment):
        await confirm(chat)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_a_customer_who_blocked_the_bot_is_not_written_to_again(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """403 blocked: the order stands, the admins are told, the customer is not retried."""
    async with bot_with(environment):
        summary = await reach_summary(chat)
        sandbox.oneentry.fail("create_order", status=503)  # the confirmation comes from the worker
        chat.telegram.tap(CUSTOMER_ID, label=CONFIRM, message_id=summary.message_id)
        await chat.expect("accepted")
        sandbox.telegram.block(CUSTOMER_ID)
        blocked_at = len(sandbox.telegram.calls)
        await sandbox.telegram.wait_for(
            lambda: any("New order" in t for t in admin_messages(sandbox))
        )
        await asyncio.sleep(1.0)  # the worker runs ten times meanwhile
    assert len(sandbox.oneentry.orders) == 1
    after = [c for c in sandbox.telegram.calls[blocked_at:] if c.chat_id == CUSTOMER_ID]
    # at most the one refused attempt that taught the bot; nothing sent, nothing retried
    assert len(after) <= 1 and not any(c.ok for c in after)


BASIC_ADMIN_GROUP = -4100000001  # a basic group: it can be upgraded to a supergroup
SUPERGROUP = -1004100000001


async def test_an_admin_group_upgraded_to_a_supergroup_gets_the_notice_at_its_new_id(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """The upgrade's service message moves the notices; the new id is kept across restarts."""
    sandbox.telegram.add_group(BASIC_ADMIN_GROUP, "Shop admins")
    async with bot_with(environment, admin_chat_id=str(BASIC_ADMIN_GROUP)):
        sandbox.telegram.migrate_group(BASIC_ADMIN_GROUP, SUPERGROUP)
        await confirm(chat)
        await settled(sandbox, chat, SUPERGROUP)
    assert_placed_once(sandbox, chat, SUPERGROUP)
    assert admin_messages(sandbox, BASIC_ADMIN_GROUP) == []
    async with bot_with(environment, admin_chat_id=str(BASIC_ADMIN_GROUP)):
        await chat.say("/start", expect="What would you like to order?")
        sandbox.oneentry.orders.clear()
        sandbox.oneentry.sessions.clear()
        await confirm(chat)
        await sandbox.telegram.wait_for(lambda: len(admin_messages(sandbox, SUPERGROUP)) == 2)
    assert admin_messages(sandbox, BASIC_ADMIN_GROUP) == []


async def test_a_notice_refused_with_migrate_to_chat_id_is_sent_to_the_new_id(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """The bot missed the service message: Telegram's 400 names the new id, the notice follows."""
    telegram = sandbox.telegram
    telegram.add_group(BASIC_ADMIN_GROUP, "Shop admins")
    async with bot_with(environment, admin_chat_id=str(BASIC_ADMIN_GROUP)):
        telegram.add_group(SUPERGROUP, "Shop admins")
        telegram.world.migrated[BASIC_ADMIN_GROUP] = SUPERGROUP  # no update announces it
        await confirm(chat)
        await settled(sandbox, chat, SUPERGROUP)
    assert_placed_once(sandbox, chat, SUPERGROUP)
    refused = [c for c in telegram.calls_for(BASIC_ADMIN_GROUP, "sendMessage") if not c.ok]
    assert len(refused) == 1


async def test_notices_for_an_admin_group_that_removed_the_bot_wait_until_it_is_back(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """403 kicked: customers still order; the notice is delivered once the bot is re-added."""
    async with bot_with(environment):
        sandbox.telegram.block(ADMIN_CHAT_ID)
        await confirm(chat)
        await chat.expect("placed")
        await asyncio.sleep(0.5)
        assert admin_messages(sandbox) == []
        sandbox.telegram.unblock(ADMIN_CHAT_ID)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_an_order_not_placed_in_time_goes_back_to_the_customer_who_can_confirm_again(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """OneEntry keeps failing past the give-up time: told, cart kept, a second Confirm works."""
    sandbox.oneentry.fail("create_order", status=503, count=1000)
    async with bot_with(environment, placement_give_up_minutes="0.01"):
        await confirm(chat)
        await chat.expect("accepted")
        failed = await chat.expect("could not reach the shop", seconds=SETTLE)
        assert sandbox.oneentry.orders == []
        await sandbox.telegram.wait_for(
            lambda: any("could not be placed" in t for t in admin_messages(sandbox))
        )
        sandbox.oneentry.clear_faults()
        chat.telegram.tap(CUSTOMER_ID, label=CONFIRM, message_id=failed.message_id)
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)
