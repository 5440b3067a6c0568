"""C04: callback data carries only short ids, so long or non-Latin product titles still render."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.oneentry import OneEntrySandbox, load_seed
from bot.sandbox.run import Sandbox, running_sandbox
from tests.cases.steps import answer_the_questions, open_the_catalogue, order_values, refused_calls
from tests.flows.conftest import BotRunner, Chat

LONG_ID = 9_000_000_001
# 64 Cyrillic letters (128 bytes in UTF-8) and emoji: far over the 64-byte callback data limit
LONG_TITLE = "Пицца Четыре сыра большая на тонком тесте " + "б" * 29 + " 🍕🧀🔥"
assert sum(c.isalpha() for c in LONG_TITLE) == 64


def seed_with_a_long_title() -> dict[str, Any]:
    seed = load_seed()
    product = copy.deepcopy(next(p for p in seed["products"] if p["id"] == 15))
    product.update(
        id=LONG_ID,
        position=0,
        sku="pizza_quattro_formaggi_large_thin_crust_extra_cheese",
    )
    product["localizeInfos"] = {"en_US": {"title": LONG_TITLE}}
    seed["products"] = [product, *seed["products"]]
    return seed


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with running_sandbox(oneentry=OneEntrySandbox(seed=seed_with_a_long_title())) as box:
        yield box


async def test_c04_a_product_titled_in_64_cyrillic_letters_and_emoji_renders_and_can_be_ordered(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C04: the catalogue is accepted, every button's data is ≤ 64 bytes, the order is placed."""
    async with bot_runner():
        catalogue = await open_the_catalogue(chat)
        buttons = [b for row in (catalogue.reply_markup or {})["inline_keyboard"] for b in row]
        data = [str(b["callback_data"]) for b in buttons]
        assert all(len(d.encode()) <= 64 for d in data)
        assert not any("Пицца" in d or "pizza" in d for d in data)
        (long_button,) = [b for b in buttons if LONG_TITLE in b["text"]]
        card = await chat.tap(long_button["text"], expect="How many")
        assert LONG_TITLE in card.text
        cart = await chat.tap("2", expect="Your cart")
        for row in (cart.reply_markup or {})["inline_keyboard"]:
            assert all(len(str(b.get("callback_data", "")).encode()) <= 64 for b in row)
        summary = await answer_the_questions(chat)
        assert LONG_TITLE in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    assert refused_calls(sandbox) == []
    (order,) = sandbox.oneentry.orders
    assert [(p["productId"], p["quantity"]) for p in order["products"]] == [(LONG_ID, 2)]
    assert order_values(sandbox)["guest_name"] == "Christina Thomas"
    assert LONG_TITLE in chat.bot_messages()[-1].text
