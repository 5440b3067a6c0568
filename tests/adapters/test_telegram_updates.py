"""getUpdates and webhooks in the Telegram emulator behave as Telegram's do for a poller."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import Conflict

from bot.sandbox.telegram import TelegramEmulator

TOKEN = "7000000001:AAHtest-token_0123456789abcdefghijk"
CUSTOMER = 777000111
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


async def call(api: httpx.AsyncClient, method: str, **params: Any) -> httpx.Response:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.post(f"/bot{TOKEN}/{method}", data=form)


async def updates(api: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await call(api, "getUpdates", **params)
    assert response.status_code == 200, response.json()
    result: list[dict[str, Any]] = response.json()["result"]
    return result


def texts(batch: list[dict[str, Any]]) -> list[str]:
    return [u["message"]["text"] for u in batch if "message" in u]


async def test_updates_stay_until_an_offset_confirms_them(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """Without offset the same updates come again; offset = last id + 1 forgets them."""
    first = telegram.send_text(CUSTOMER, "one")
    telegram.send_text(CUSTOMER, "two")
    assert texts(await updates(api)) == ["one", "two"]
    assert texts(await updates(api)) == ["one", "two"]
    assert texts(await updates(api, offset=first + 1)) == ["two"]
    assert texts(await updates(api)) == ["two"]


async def test_update_ids_grow_by_one(telegram: TelegramEmulator, api: httpx.AsyncClient) -> None:
    """Each new update's id is the previous one plus one."""
    for text in ("a", "b", "c"):
        telegram.send_text(CUSTOMER, text)
    ids = [u["update_id"] for u in await updates(api)]
    assert ids == list(range(ids[0], ids[0] + 3))


async def test_a_negative_offset_keeps_only_the_last_updates(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """offset=-1 returns the newest update and forgets the earlier ones."""
    for text in ("a", "b", "c"):
        telegram.send_text(CUSTOMER, text)
    assert texts(await updates(api, offset=-1)) == ["c"]
    assert texts(await updates(api)) == ["c"]


async def test_limit_caps_a_batch(telegram: TelegramEmulator, api: httpx.AsyncClient) -> None:
    """limit=2 returns the two oldest of three pending updates."""
    for text in ("a", "b", "c"):
        telegram.send_text(CUSTOMER, text)
    assert texts(await updates(api, limit=2)) == ["a", "b"]


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """A poll with timeout=5 answers shortly after the user writes, not after 5 s."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    poll = asyncio.create_task(updates(api, timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    telegram.send_text(CUSTOMER, "hello")
    batch = await asyncio.wait_for(poll, timeout=3)
    assert texts(batch) == ["hello"]
    assert loop.time() - began < 3


async def test_a_long_poll_returns_an_empty_list_after_its_timeout(
    api: httpx.AsyncClient,
) -> None:
    """With nothing to deliver, timeout=1 answers [] after about a second."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await updates(api, timeout=1) == []
    assert 0.9 <= loop.time() - began < 3


async def test_allowed_updates_filters_later_updates_and_is_kept_when_omitted(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """After allowed_updates=["callback_query"], messages are dropped until the filter changes."""
    assert await updates(api, allowed_updates=["callback_query"]) == []
    telegram.send_text(CUSTOMER, "dropped")
    assert await updates(api) == []  # omitted: the filter stays
    assert await updates(api, allowed_updates=[]) == []  # []: back to the default set
    telegram.send_text(CUSTOMER, "kept")
    assert texts(await updates(api)) == ["kept"]


async def test_a_second_poller_terminates_the_first_with_409(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """The waiting poll is answered 409 Conflict when another getUpdates starts."""
    first = asyncio.create_task(call(api, "getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(call(api, "getUpdates", timeout=1))
    response = await asyncio.wait_for(first, timeout=3)
    assert response.status_code == 409
    assert response.json()["description"] == CONFLICT_POLL
    assert (await second).status_code == 200


async def test_ptb_sees_the_poll_conflict_as_conflict(bot: Bot, telegram_url: str) -> None:
    """python-telegram-bot raises Conflict for the terminated poll."""
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(TOKEN, base_url=f"{telegram_url}/bot") as other:
        await other.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=3)


async def test_get_updates_is_refused_while_a_webhook_is_set(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """With a webhook, getUpdates is 409; deleteWebhook makes polling work again."""
    telegram.send_text(CUSTOMER, "waiting")
    assert (await call(api, "setWebhook", url="https://shop.example/hook")).json()["result"]
    info = (await call(api, "getWebhookInfo")).json()["result"]
    assert info == {
        "url": "https://shop.example/hook",
        "has_custom_certificate": False,
        "pending_update_count": 1,
    }
    refused = await call(api, "getUpdates")
    assert (refused.status_code, refused.json()["description"]) == (409, CONFLICT_WEBHOOK)
    assert (await call(api, "deleteWebhook")).json() == {"ok": True, "result": True}
    assert (await call(api, "getWebhookInfo")).json()["result"]["url"] == ""
    assert texts(await updates(api)) == ["waiting"]


async def test_delete_webhook_can_drop_pending_updates(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """deleteWebhook(drop_pending_updates=true) forgets what was waiting."""
    telegram.send_text(CUSTOMER, "old")
    await call(api, "deleteWebhook", drop_pending_updates=True)
    assert await updates(api) == []


async def test_a_webhook_url_must_be_https(api: httpx.AsyncClient) -> None:
    """setWebhook refuses a plain-HTTP URL, as Telegram does."""
    response = await call(api, "setWebhook", url="http://shop.example/hook")
    assert response.status_code == 400
    assert "HTTPS URL must be provided" in response.json()["description"]
