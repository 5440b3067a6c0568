"""What a restart keeps: the OneEntry guest session, and which updates were handled."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.run import Sandbox
from tests.flows.conftest import CUSTOMER_ID, BotRunner, Chat, bot_with, reach_summary

CONFIRM = "✅ Confirm"


async def order_once(chat: Chat) -> None:
    summary = await reach_summary(chat)
    await chat.tap(CONFIRM, expect="placed", message_id=summary.message_id)


async def test_a_restarted_bot_uses_the_kept_guest_session_instead_of_signing_in(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """One sign-in for two runs; an expired kept token is refreshed, not replaced by a sign-in."""
    async with bot_runner():
        await order_once(chat)
    sandbox.oneentry.expire_access_tokens()
    async with bot_runner():
        await order_once(chat)
    routes = [r.route for r in sandbox.oneentry.requests]
    assert routes.count("auth") == 1
    assert routes.count("refresh") == 1
    assert len(sandbox.oneentry.orders) == 2


async def test_an_update_delivered_again_after_a_restart_is_handled_once(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Telegram may resend updates whose handling it did not see confirmed: one answer."""
    telegram = sandbox.telegram
    async with bot_runner():
        update_id = telegram.send_text(CUSTOMER_ID, "/start", first_name="Christina")
        await chat.expect("What would you like to order?")
    start = next(m for m in telegram.messages(CUSTOMER_ID) if m.text == "/start")
    answered = len(chat.bot_messages())
    async with bot_runner():
        telegram.inject({"update_id": update_id, "message": start.raw})
        await chat.say("Christina Thomas", expect="use the buttons")
    assert len(chat.bot_messages()) == answered + 1


async def test_stopping_the_bot_while_its_worker_runs_logs_no_error(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The worker runs every few milliseconds; ten stops in a row leave no ERROR record."""
    caplog.set_level(logging.WARNING)
    for _ in range(10):
        async with bot_with(environment, worker_interval_seconds="0.005"):
            await chat.say("/help", expect="/cancel")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
