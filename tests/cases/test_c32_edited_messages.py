"""C32: an edited message never answers a question; the customer is told how to correct."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.ordering.model import Step
from bot.sandbox.run import Sandbox
from db.engine import create_engine
from db.store import SqlStore
from tests.cases.steps import fill_the_cart
from tests.flows.conftest import BotRunner, Chat

EDIT_NOTICE = "Edited messages don't change your order"


async def test_c32_editing_an_answered_message_changes_nothing_and_explains_what_to_do(
    sandbox: Sandbox,
    chat: Chat,
    bot_runner: BotRunner,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """C32: the name message is edited at the phone step: notice, same step, same name."""
    caplog.set_level(logging.WARNING)
    telegram = sandbox.telegram
    async with bot_runner():
        await fill_the_cart(chat, sandbox)
        await chat.tap("✅ Checkout", expect="Your name")
        await chat.say("Anna Baker", expect="phone number")
        (sent,) = [m for m in telegram.messages(chat.user_id) if m.text == "Anna Baker"]
        chat._set_mark()
        telegram.edit_text(chat.user_id, sent.message_id, "+18005000500")
        await chat.expect(EDIT_NOTICE)
        await chat.say("+18005000500", expect="E-mail")  # the real answer still works
    store = SqlStore(create_engine(settings.database_url))
    try:
        draft = await store.load(chat.user_id)
    finally:
        await store.close()
    assert draft is not None
    assert (draft.step, draft.name, draft.phone) == (Step.EMAIL, "Anna Baker", "+18005000500")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in chat.bot_messages() if "something went wrong" in m.text]


async def test_c32_an_edit_in_a_chat_without_an_open_draft_is_ignored_silently(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C32: after cancelling, an edit gets no reply and raises nothing."""
    telegram = sandbox.telegram
    async with bot_runner():
        await fill_the_cart(chat, sandbox)
        await chat.tap("✅ Checkout", expect="Your name")
        await chat.say("Anna Baker", expect="phone number")
        await chat.say("/cancel", expect="has been cancelled")
        (sent,) = [m for m in telegram.messages(chat.user_id) if m.text == "Anna Baker"]
        before = len(chat.bot_messages())
        telegram.edit_text(chat.user_id, sent.message_id, "221B Baker Street")
        await telegram.wait_for(lambda: telegram.pending_updates == 0)
        await chat.say("/help", expect="/cancel")  # processed after the edit, in order
    replies = chat.bot_messages()[before:]
    assert not [m for m in replies if EDIT_NOTICE in m.text or "went wrong" in m.text]
