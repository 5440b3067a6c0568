"""C05: "message is not modified" on a repeated edit is a no-op, not a failure."""

from __future__ import annotations

import logging

import pytest

from bot.sandbox.run import Sandbox
from db.engine import create_engine
from db.store import SqlStore
from tests.cases.steps import open_the_card
from tests.flows.conftest import BotRunner, Chat


async def test_c05_a_double_tap_on_one_button_answers_both_queries_and_logs_no_error(
    sandbox: Sandbox,
    chat: Chat,
    bot_runner: BotRunner,
    settings: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """C05: the second keyboard removal is "not modified": both taps answered, nothing at ERROR."""
    caplog.set_level(logging.DEBUG)
    telegram = sandbox.telegram
    async with bot_runner():
        question = await open_the_card(chat, sandbox)
        first = telegram.tap(chat.user_id, label="1", message_id=question.message_id)
        second = telegram.tap(chat.user_id, label="1", message_id=question.message_id)
        assert second > first
        await telegram.wait_for(
            lambda: all(r.answer is not None for r in telegram.world.callback_queries.values())
        )
        await chat.expect("Your cart")
    edits = telegram.calls_for(chat.user_id, "editMessageReplyMarkup")[-2:]
    assert [e.ok for e in edits] == [True, False]
    assert "message is not modified" in str((edits[1].error or {}).get("description"))
    assert len(telegram.world.callback_queries) >= 2
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in chat.bot_messages() if "something went wrong" in m.text]

    store = SqlStore(create_engine(settings.database_url))  # type: ignore[attr-defined]
    try:
        draft = await store.load(chat.user_id)
    finally:
        await store.close()
    assert draft is not None and [(line.product_id, line.quantity) for line in draft.lines] == [
        (15, 1)
    ]
