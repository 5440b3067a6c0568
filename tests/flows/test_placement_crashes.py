"""The bot's process is killed (SIGKILL) at each step of placing an order, then started again.

The first run is a real `order-bot run` process; it is killed while OneEntry holds the answer
of the step under test. The second run, on the same database, must finish the placement:
one order, one payment session, the customer and the admins told once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable

import pytest

from bot.sandbox.run import Sandbox
from tests.flows.conftest import CUSTOMER_ID, Chat, bot_with, reach_summary
from tests.flows.test_placement_faults import CONFIRM, assert_placed_once, settled

HOLD = 6.0  # seconds OneEntry holds the answer the process dies waiting for


@contextlib.asynccontextmanager
async def bot_process(environment: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """`order-bot run` in its own process; killed with SIGKILL when the block ends."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env={**os.environ, **environment, "LOG_LEVEL": "WARNING"},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)


async def killed_at(
    sandbox: Sandbox,
    chat: Chat,
    environment: dict[str, str],
    reached: Callable[[], bool],
    prepare: Callable[[], None] = lambda: None,
) -> None:
    """Confirm the reference order in a bot process and kill it once `reached()` holds."""
    async with bot_process(environment) as process:
        summary = await reach_summary(chat)
        prepare()
        chat.telegram.tap(CUSTOMER_ID, label=CONFIRM, message_id=summary.message_id)
        await sandbox.telegram.wait_for(reached, 15)
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
        assert process.returncode == -signal.SIGKILL


def saw(sandbox: Sandbox, route: str) -> Callable[[], bool]:
    return lambda: route in [r.route for r in sandbox.oneentry.requests]


@pytest.mark.parametrize(
    ("route", "after_commit"),
    [
        ("auth", False),  # the placement is recorded, no order yet
        ("create_order", True),  # OneEntry stored the order, its answer never arrived
        ("create_session", False),  # the order is recorded, its session not yet created
        ("create_session", True),  # OneEntry stored the session, its answer never arrived
    ],
    ids=["signing-in", "order-sent", "order-recorded", "session-sent"],
)
async def test_a_placement_cut_short_by_a_killed_process_is_finished_by_the_next_one(
    route: str,
    after_commit: bool,
    sandbox: Sandbox,
    chat: Chat,
    environment: dict[str, str],
) -> None:
    """Whatever step the process died at, the next process places the order exactly once."""
    sandbox.oneentry.fail(route, status=0, delay=HOLD, after_commit=after_commit)
    await killed_at(sandbox, chat, environment, saw(sandbox, route))
    async with bot_with(environment):
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)


async def test_a_confirmation_left_in_the_outbox_by_a_killed_process_is_sent_once(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """Killed while the customer's confirmation waited out a flood limit: sent once, later."""
    telegram = sandbox.telegram

    def flood_limited() -> bool:
        return any(
            c.error and c.error["error_code"] == 429
            for c in telegram.calls_for(CUSTOMER_ID, "sendMessage")
        )

    def flood() -> None:
        telegram.fail("sendMessage", chat_id=CUSTOMER_ID, status=429, retry_after=2, count=8)

    await killed_at(sandbox, chat, environment, flood_limited, prepare=flood)
    assert not any("placed" in m.text for m in chat.bot_messages())
    async with bot_with(environment):
        await settled(sandbox, chat)
    assert_placed_once(sandbox, chat)
