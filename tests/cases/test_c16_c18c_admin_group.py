"""C16: flood control (429) on admin notices; C18 (c): the admin group removed the bot."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.customers import confirm_tap, confirmed_draft
from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from db.engine import create_engine
from db.migrate import upgrade_async
from db.store import SqlStore
from tests.cases.steps import admin_messages, answer_up_to_the_summary
from tests.flows.conftest import Chat, bot_with

ORDERS = 25
FLOODED = 10  # admin sends answered 429 "retry after 1"


async def test_c16_a_burst_of_orders_under_flood_control_notifies_the_admins_once_each(
    sandbox: Sandbox, environment: dict[str, str]
) -> None:
    """C16: 25 orders at once, the admin group answers 429: 25 notices once each, no blind retry."""
    url = environment["DATABASE_URL"]
    await upgrade_async(url)
    drafts = [confirmed_draft(n) for n in range(ORDERS)]
    store = SqlStore(create_engine(url))
    try:
        for draft in drafts:
            await store.save(draft)
    finally:
        await store.close()
    telegram = sandbox.telegram
    telegram.fail("sendMessage", chat_id=ADMIN_CHAT_ID, status=429, retry_after=1, count=FLOODED)
    # Telegram's own limit is what is tested here, not the rate limiter's pacing
    async with bot_with(environment, telegram_group_messages_per_minute="1000"):
        for draft in drafts:
            telegram.inject(confirm_tap(draft))
        await telegram.wait_for(lambda: len(admin_messages(sandbox)) >= ORDERS, 60)
    notices = [m.text for m in admin_messages(sandbox)]
    assert len(notices) == len(set(notices)) == ORDERS
    admin_sends = telegram.calls_for(ADMIN_CHAT_ID, "sendMessage")
    assert len(admin_sends) == ORDERS + FLOODED  # every retry answered a 429
    for draft in drafts:
        told = [m for m in telegram.messages(draft.chat_id) if m.from_bot and "placed" in m.text]
        assert len(told) == 1


async def test_c18_an_admin_group_that_removed_the_bot_gets_its_notices_once_it_is_back(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """C18c: kicked from the admin group: an operator alert, orders go on, notices wait."""
    caplog.set_level(logging.WARNING)
    async with bot_with(environment):
        sandbox.telegram.block(ADMIN_CHAT_ID)  # my_chat_member "kicked", then 403 on every send
        summary = await answer_up_to_the_summary(chat, sandbox)
        await chat.tap("✅ Confirm", expect="placed", message_id=summary.message_id)
        await sandbox.telegram.wait_for(
            lambda: any(not c.ok for c in sandbox.telegram.calls_for(ADMIN_CHAT_ID))
        )
        assert admin_messages(sandbox) == []
        sandbox.telegram.unblock(ADMIN_CHAT_ID)
        await sandbox.telegram.wait_for(lambda: len(admin_messages(sandbox)) == 1)
    alerts = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("admin group" in a and "add" in a for a in alerts), alerts
    assert len(sandbox.oneentry.orders) == 1
    assert f"#{sandbox.oneentry.orders[0]['id']}" in admin_messages(sandbox)[0].text
