"""The fault matrix of order placement: OneEntry and Telegram fail, the order still lands once.

Every cell ends with the same check: exactly one order in the OneEntry sandbox for the
confirmed draft, one payment session for it, the customer told once that it is placed, the
admins told once. The README's table lists the cells and their outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bot.app import BotApp, build_application, running
from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from bot.settings import load_settings
from tests.flows.conftest import CUSTOMER_ID, Chat, reach_summary
from tests.flows.tcp_proxy import proxy_to

CONFIRM = "✅ Confirm"
SETTLE = 20.0  # seconds a cell may take to reach its end state


@contextlib.asynccontextmanager
async def bot_with(environment: dict[str, str], **overrides: str) -> AsyncIterator[BotApp]:
    env = {**environment, **{k.upper(): v for k, v in overrides.items()}}
    settings = load_settings(_env_file=None, **{k.lower(): v for k, v in env.items()})
    async with running(build_application(settings), poll_timeout=1) as app:
        yield app


def admin_messages(sandbox: Sandbox, chat_id: int = ADMIN_CHAT_ID) -> list[str]:
    return [m.text for m in sandbox.telegram.messages(chat_id) if m.from_bot]


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
    async with proxy_to(sandbox.oneentry_url) as proxy:
        async with bot_with(environment, oneentry_project_url=proxy.url):
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
