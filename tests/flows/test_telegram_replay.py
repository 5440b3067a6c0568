"""Real Telegram Update JSON, as Telegram sends it, replayed into the running bot.

Each sample in telegram_updates/ is injected through the Telegram emulator after the steps that
bring the customer's chat where the sample makes sense. The bot must react as a customer or
admin expects (or, for updates that are none of its business, say nothing), and no update may
end in the error handler.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.run import Sandbox
from tests.flows.conftest import CUSTOMER_ID, BotRunner, Chat

SAMPLES = Path(__file__).with_name("telegram_updates")
SENTINEL_USER = 777000999  # a second customer whose /help marks the end of a replay
STARTED = (("/start", "What would you like to order?"),)
AT_CARD = (("/start p15", "How many"),)  # a product's card, which waits for a typed quantity
# lines starting with "tap " tap the button of that label
AT_PHONE = (
    *AT_CARD,
    ("1", "Your cart"),
    ("tap ✅ Checkout", "Your name"),
    ("Christina Thomas", "phone number"),
)


def sample(name: str) -> dict[str, Any]:
    update: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text("utf-8"))
    return update


@dataclass(frozen=True)
class Case:
    sample: str
    setup: tuple[tuple[str, str], ...] = ()  # customer messages sent first, and their answers
    reply: str | None = None  # a fragment of the bot's message to the customer
    toast: str | None = None  # a fragment of the answer to a callback query
    silent_in: int | None = None  # a chat the bot must not write to


CASES = [
    Case("command_start", reply="What would you like to order?"),
    Case("command_start_deep_link", reply="Cappuccino"),
    Case("command_help_addressed", reply="/cancel — cancel the current order"),
    Case("text", reply="Send /start to place an order."),
    Case("contact_own", setup=AT_PHONE, reply="e-mail"),
    Case("contact_someone_else", setup=AT_PHONE, reply="someone else's"),
    Case("callback_query_stale", setup=STARTED, toast="out of date"),
    Case("callback_query_foreign_data", setup=STARTED, toast="out of date"),
    Case("edited_message", setup=STARTED, reply="Edited messages don't change your order"),
    Case("sticker", setup=AT_CARD, reply="I can only read text here."),
    Case("photo", setup=AT_CARD, reply="I can only read text here."),
    Case("group_message", silent_in=-4123456789),
    Case("channel_post", silent_in=-1001555555555),
    Case("my_chat_member_blocked", silent_in=CUSTOMER_ID),
    Case("group_migrated_to_supergroup", silent_in=-4123456789),
    Case("supergroup_migrated_from_group", silent_in=-1001987654321),
    Case("anonymous_group_admin", silent_in=-1001987654321),
]


def test_every_sample_has_a_case() -> None:
    """No sample in the folder goes unreplayed."""
    assert sorted(p.stem for p in SAMPLES.glob("*.json")) == sorted(c.sample for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.sample)
async def test_a_real_update_gets_the_right_reaction(
    case: Case,
    sandbox: Sandbox,
    chat: Chat,
    bot_runner: BotRunner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The sample is handled as a customer expects and nothing reaches the error handler."""
    caplog.set_level(logging.WARNING)
    telegram = sandbox.telegram
    update = sample(case.sample)
    async with bot_runner():
        for line, answer in case.setup:
            if line.startswith("tap "):
                await chat.tap(line.removeprefix("tap "), expect=answer)
            else:
                await chat.say(line, expect=answer)
        before = len(telegram.calls)
        mark = max((m.message_id for m in telegram.messages(CUSTOMER_ID)), default=0)
        telegram.inject(update)
        if case.reply is not None:
            await chat.expect(case.reply)
        if case.toast is not None:
            query_id = update["callback_query"]["id"]
            await telegram.wait_for(lambda: telegram.callback_answer(query_id) is not None)
            answer = telegram.callback_answer(query_id)
            assert answer is not None and case.toast in answer["text"]
        # a second customer's /help, answered after the sample, marks the end of the replay
        telegram.send_text(SENTINEL_USER, "/help", first_name="Sentinel")
        await telegram.wait_for(lambda: bool(telegram.calls_for(SENTINEL_USER, "sendMessage")))
    if case.silent_in is not None:
        sent = [c for c in telegram.calls[before:] if c.chat_id == case.silent_in]
        assert [c.method for c in sent if c.method != "getUpdates"] == []
    if case.reply is not None:
        replies = [m for m in chat.bot_messages() if m.message_id > mark]
        assert any(case.reply in m.text for m in replies)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    # a poll cut short at shutdown ends in a Conflict nobody waits for; a stale message may have
    # no keyboard left to remove
    tolerated = ("getUpdates", "editMessageReplyMarkup")
    assert [c for c in telegram.calls if not c.ok and c.method not in tolerated] == []
