"""The users' side of the Telegram emulator: what its controls make Telegram deliver to the bot."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from bot.sandbox.telegram import TelegramEmulator

TOKEN = "7000000001:AAHtest-token_0123456789abcdefghijk"
BOT_ID = 7000000001
CUSTOMER = 777000111
GROUP = -4123456789
KEYBOARD = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:15"}]]}


async def call(api: httpx.AsyncClient, method: str, **params: Any) -> httpx.Response:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.post(f"/bot{TOKEN}/{method}", data=form)


def pending(telegram: TelegramEmulator) -> list[dict[str, Any]]:
    return list(telegram.world.updates)


def last_update(telegram: TelegramEmulator) -> dict[str, Any]:
    return telegram.world.updates[-1]


# --- messages -----------------------------------------------------------------------------------


def test_a_deep_link_start_has_a_bot_command_entity_at_offset_0(
    telegram: TelegramEmulator,
) -> None:
    """`/start promo15` carries bot_command 0..6, which CommandHandler needs."""
    telegram.send_text(CUSTOMER, "/start promo15", first_name="Ann")
    message = last_update(telegram)["message"]
    assert message["text"] == "/start promo15"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": CUSTOMER, "type": "private", "first_name": "Ann"}


def test_a_plain_text_has_no_entities(telegram: TelegramEmulator) -> None:
    """Telegram omits `entities` when there are none."""
    telegram.send_text(CUSTOMER, "Christina Thomas")
    assert "entities" not in last_update(telegram)["message"]


def test_an_empty_message_cannot_be_sent(telegram: TelegramEmulator) -> None:
    """Telegram's clients send no empty texts, so neither does the emulator."""
    with pytest.raises(ValueError, match="empty"):
        telegram.send_text(CUSTOMER, "  ")


async def test_privacy_mode_hides_plain_group_messages_from_the_bot(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """In a group, a plain text is not delivered; a command to the bot and a reply to it are."""
    telegram.add_group(GROUP, "Shop admins")
    sent = await call(api, "sendMessage", chat_id=GROUP, text="New order")
    bot_message_id = sent.json()["result"]["message_id"]
    assert telegram.send_text(1, "hello all", chat_id=GROUP) == 0
    assert telegram.send_text(1, "/status@other_bot", chat_id=GROUP) == 0
    assert telegram.send_text(1, "/status@sandbox_shop_bot", chat_id=GROUP) > 0
    assert telegram.send_text(1, "/status", chat_id=GROUP) > 0
    assert telegram.send_text(1, "on it", chat_id=GROUP, reply_to=bot_message_id) > 0
    delivered = [u["message"]["text"] for u in pending(telegram)]
    assert delivered == ["/status@sandbox_shop_bot", "/status", "on it"]
    assert "hello all" in [m.text for m in telegram.messages(GROUP)]  # the members still see it


def test_a_group_without_privacy_mode_gets_everything(telegram: TelegramEmulator) -> None:
    """With privacy off the bot receives every group message."""
    telegram.add_group(GROUP, "Shop admins", privacy=False)
    assert telegram.send_text(1, "hello all", chat_id=GROUP) > 0


def test_a_shared_own_contact_carries_the_senders_user_id(telegram: TelegramEmulator) -> None:
    """The "Share my phone" contact has user_id == from.id; another person's does not."""
    telegram.share_contact(CUSTOMER, "15550100", first_name="Ann")
    own = last_update(telegram)["message"]
    assert own["contact"] == {"phone_number": "15550100", "first_name": "Ann", "user_id": CUSTOMER}
    assert own["from"]["id"] == CUSTOMER
    telegram.share_contact(CUSTOMER, "+15550111", contact_user_id=None)
    assert "user_id" not in last_update(telegram)["message"]["contact"]


def test_a_user_edit_is_an_edited_message_update(telegram: TelegramEmulator) -> None:
    """edit_text() delivers edited_message with the new text and an edit_date."""
    telegram.send_text(CUSTOMER, "Christina")
    message_id = last_update(telegram)["message"]["message_id"]
    telegram.edit_text(CUSTOMER, message_id, "Kristina")
    edited = last_update(telegram)["edited_message"]
    assert (edited["message_id"], edited["text"]) == (message_id, "Kristina")
    assert edited["edit_date"] >= edited["date"]


# --- buttons ------------------------------------------------------------------------------------


async def test_a_tap_is_a_callback_query_with_the_message_and_chat_instance(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """The query has the tapped message (with its keyboard), the data and a chat_instance."""
    telegram.send_text(CUSTOMER, "/start")
    sent = await call(api, "sendMessage", chat_id=CUSTOMER, text="Cup", reply_markup=KEYBOARD)
    telegram.tap(CUSTOMER, label="Buy")
    query = last_update(telegram)["callback_query"]
    assert query["data"] == "buy:15"
    assert query["from"]["id"] == CUSTOMER
    assert query["message"] == sent.json()["result"]
    assert isinstance(query["chat_instance"], str) and query["chat_instance"]
    telegram.tap(CUSTOMER, data="buy:15")
    again = last_update(telegram)["callback_query"]
    assert again["chat_instance"] == query["chat_instance"]  # stable for the chat
    assert again["id"] != query["id"]


async def test_a_tap_in_a_group_is_answered_there(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """An admin's tap in the group carries the group's message and its own chat_instance."""
    telegram.add_group(GROUP, "Shop admins")
    telegram.send_text(CUSTOMER, "/start")
    await call(api, "sendMessage", chat_id=CUSTOMER, text="Cup", reply_markup=KEYBOARD)
    await call(api, "sendMessage", chat_id=GROUP, text="Order", reply_markup=KEYBOARD)
    telegram.tap(CUSTOMER, label="Buy")
    private = last_update(telegram)["callback_query"]
    telegram.tap(555, label="Buy", chat_id=GROUP)
    group = last_update(telegram)["callback_query"]
    assert group["message"]["chat"]["id"] == GROUP
    assert group["chat_instance"] != private["chat_instance"]
    await call(api, "answerCallbackQuery", callback_query_id=group["id"])
    assert [c.ok for c in telegram.calls_for(GROUP, "answerCallbackQuery")] == [True]


def test_tapping_a_button_that_is_not_there_is_an_error(telegram: TelegramEmulator) -> None:
    """tap() refuses a label no message shows, instead of inventing a query."""
    telegram.send_text(CUSTOMER, "/start")
    with pytest.raises(LookupError):
        telegram.tap(CUSTOMER, label="Nothing")


async def test_a_one_time_keyboard_hides_once_its_button_is_pressed(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """Typing something else keeps the keyboard; pressing one of its buttons hides it."""
    telegram.send_text(CUSTOMER, "/start")
    keyboard = {"keyboard": [["1", "2"]], "one_time_keyboard": True}
    await call(api, "sendMessage", chat_id=CUSTOMER, text="How many?", reply_markup=keyboard)
    assert telegram.reply_keyboard(CUSTOMER) == keyboard
    telegram.send_text(CUSTOMER, "three, please")
    assert telegram.reply_keyboard(CUSTOMER) == keyboard
    telegram.tap(CUSTOMER, label="2")
    assert last_update(telegram)["message"]["text"] == "2"
    assert telegram.reply_keyboard(CUSTOMER) is None


async def test_a_persistent_keyboard_stays_until_removed(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """A keyboard that is not one-time stays after use; ReplyKeyboardRemove removes it."""
    telegram.send_text(CUSTOMER, "/start")
    keyboard = {"keyboard": [[{"text": "Menu"}]]}
    await call(api, "sendMessage", chat_id=CUSTOMER, text="Hi", reply_markup=keyboard)
    telegram.tap(CUSTOMER, label="Menu")
    assert telegram.reply_keyboard(CUSTOMER) == keyboard
    remove = {"remove_keyboard": True}
    await call(api, "sendMessage", chat_id=CUSTOMER, text="Bye", reply_markup=remove)
    assert telegram.reply_keyboard(CUSTOMER) is None


# --- chat events --------------------------------------------------------------------------------


def test_blocking_delivers_my_chat_member_kicked(telegram: TelegramEmulator) -> None:
    """block() is a my_chat_member update from the user: member -> kicked."""
    telegram.send_text(CUSTOMER, "/start", first_name="Ann")
    telegram.block(CUSTOMER)
    change = last_update(telegram)["my_chat_member"]
    assert change["from"]["id"] == CUSTOMER
    assert change["old_chat_member"]["status"] == "member"
    assert change["new_chat_member"] == {
        "status": "kicked",
        "user": telegram.world.bot_user,
        "until_date": 0,
    }


def test_a_migration_posts_service_messages_in_both_chats(telegram: TelegramEmulator) -> None:
    """The old group says migrate_to_chat_id, the new supergroup migrate_from_chat_id."""
    telegram.add_group(GROUP, "Shop admins")
    telegram.migrate_group(GROUP, -1001987654321)
    old, new = (u["message"] for u in pending(telegram)[-2:])
    assert (old["chat"]["id"], old["migrate_to_chat_id"]) == (GROUP, -1001987654321)
    assert (new["chat"]["type"], new["migrate_from_chat_id"]) == ("supergroup", GROUP)


def test_an_injected_update_must_look_like_one(telegram: TelegramEmulator) -> None:
    """inject() refuses objects that are no Update, rather than confusing the bot."""
    for bad in ({}, {"update_id": 5}, {"message": "text"}, {"telepathy": {}}):
        with pytest.raises(ValueError):
            telegram.inject(bad)


# --- control routes over loopback ---------------------------------------------------------------


@pytest.fixture
async def control(telegram_url: str) -> Any:
    async with httpx.AsyncClient(base_url=telegram_url) as client:
        yield client


async def test_a_raw_update_posted_is_delivered_as_sent(control: httpx.AsyncClient) -> None:
    """POST /_sandbox/updates queues the Update JSON unchanged, update_id filled in."""
    raw = {
        "message": {
            "message_id": 10,
            "date": 1735689600,
            "from": {"id": CUSTOMER, "is_bot": False, "first_name": "Ann"},
            "chat": {"id": CUSTOMER, "type": "private", "first_name": "Ann"},
            "text": "hi",
        }
    }
    update_id = (await control.post("/_sandbox/updates", json=raw)).json()["update_id"]
    delivered = (await control.post(f"/bot{TOKEN}/getUpdates")).json()["result"]
    assert delivered == [{**raw, "update_id": update_id}]


async def test_messages_contacts_and_taps_can_be_posted(
    telegram: TelegramEmulator, control: httpx.AsyncClient
) -> None:
    """The three user actions are routes too, each answering the update_id it made."""
    started = await control.post("/_sandbox/messages", json={"user_id": CUSTOMER, "text": "/start"})
    assert started.status_code == 200
    await control.post(
        f"/bot{TOKEN}/sendMessage",
        json={"chat_id": CUSTOMER, "text": "Cup", "reply_markup": KEYBOARD},
    )
    contact = await control.post(
        "/_sandbox/contacts", json={"user_id": CUSTOMER, "phone_number": "+15550100"}
    )
    tap = await control.post("/_sandbox/taps", json={"user_id": CUSTOMER, "label": "Buy"})
    ids = [r.json()["update_id"] for r in (started, contact, tap)]
    kinds = {u["update_id"]: next(k for k in u if k != "update_id") for u in pending(telegram)}
    assert [kinds[i] for i in ids] == ["message", "message", "callback_query"]


async def test_a_fault_can_be_posted(
    telegram: TelegramEmulator, control: httpx.AsyncClient
) -> None:
    """POST /_sandbox/faults prepares the same fault as fail()."""
    telegram.send_text(CUSTOMER, "/start")
    fault = {"method": "sendMessage", "status": 429, "retry_after": 3}
    assert (await control.post("/_sandbox/faults", json=fault)).json() == {"ok": True}
    response = await control.post(
        f"/bot{TOKEN}/sendMessage", json={"chat_id": CUSTOMER, "text": "x"}
    )
    assert (response.status_code, response.json()["parameters"]) == (429, {"retry_after": 3})


async def test_calls_can_be_read_by_chat_and_method(
    telegram: TelegramEmulator, control: httpx.AsyncClient
) -> None:
    """GET /_sandbox/calls filters by chat_id and method (case-insensitively)."""
    telegram.send_text(CUSTOMER, "/start")
    await control.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": CUSTOMER, "text": "x"})
    await control.post(
        f"/bot{TOKEN}/sendChatAction", json={"chat_id": CUSTOMER, "action": "typing"}
    )
    await control.post(f"/bot{TOKEN}/getMe")
    calls = (await control.get("/_sandbox/calls", params={"chat_id": CUSTOMER})).json()
    assert [c["method"] for c in calls] == ["sendMessage", "sendChatAction"]
    only = await control.get(
        "/_sandbox/calls", params={"chat_id": CUSTOMER, "method": "sendmessage"}
    )
    assert [c["params"]["text"] for c in only.json()] == ["x"]
    assert len((await control.get("/_sandbox/calls")).json()) == 3


async def test_a_groups_messages_can_be_read_by_its_negative_id(
    telegram: TelegramEmulator, control: httpx.AsyncClient
) -> None:
    """GET /_sandbox/chats/-4123456789/messages shows the group as its members see it."""
    telegram.add_group(GROUP, "Shop admins")
    await control.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": GROUP, "text": "New order"})
    response = await control.get(f"/_sandbox/chats/{GROUP}/messages")
    assert response.status_code == 200
    assert [(m["from_bot"], m["text"]) for m in response.json()] == [(True, "New order")]


async def test_reset_forgets_calls_and_chats(
    telegram: TelegramEmulator, control: httpx.AsyncClient
) -> None:
    """POST /_sandbox/reset leaves no calls, chats or pending updates."""
    telegram.send_text(CUSTOMER, "/start")
    await control.post(f"/bot{TOKEN}/getMe")
    assert (await control.post("/_sandbox/reset")).json() == {"ok": True}
    assert (telegram.calls, telegram.pending_updates, telegram.world.chats) == ([], 0, {})


@pytest.mark.parametrize(
    ("path", "body", "description"),
    [
        ("/_sandbox/messages", b"not json", "the body must be a JSON object"),
        ("/_sandbox/messages", b"[1, 2]", "the body must be a JSON object"),
        ("/_sandbox/messages", b'{"text": "hi"}', "missing field 'user_id'"),
        (
            "/_sandbox/messages",
            b'{"user_id": "ann", "text": "hi"}',
            "field 'user_id' must be an integer",
        ),
        ("/_sandbox/messages", b'{"user_id": 1, "text": 5}', "field 'text' must be a string"),
        ("/_sandbox/updates", b'{"telepathy": {}}', "'telepathy' is not a type of update"),
        ("/_sandbox/taps", b'{"user_id": 1, "label": "Buy"}', "no button 'Buy'"),
        (
            "/_sandbox/faults",
            b'{"method": "sendMesage"}',
            "the emulator has no method 'sendMesage'",
        ),
        ("/_sandbox/faults", b'{"method": "sendMessage", "count": 0}', "count must be at least 1"),
    ],
)
async def test_bad_control_input_is_a_400_with_a_description(
    control: httpx.AsyncClient, path: str, body: bytes, description: str
) -> None:
    """A control request the emulator cannot act on says why, with status 400."""
    response = await control.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert description in response.json()["description"]


@pytest.mark.parametrize(
    ("path", "description"),
    [
        ("/_sandbox/calls?chat_id=ann", "field 'chat_id' must be an integer"),
        ("/_sandbox/chats/12345/messages", "chat 12345 is unknown"),
        ("/_sandbox/chats/ann/messages", "field 'chat_id' must be an integer"),
    ],
)
async def test_bad_control_queries_are_a_400_with_a_description(
    control: httpx.AsyncClient, path: str, description: str
) -> None:
    """Reading routes refuse malformed ids and unknown chats with 400."""
    response = await control.get(path)
    assert response.status_code == 400
    assert description in response.json()["description"]
