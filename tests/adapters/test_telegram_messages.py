"""Sending, editing and answering in the Telegram emulator: Telegram's checks and error texts."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton
from telegram import InlineKeyboardMarkup as Inline
from telegram.error import BadRequest

from bot.sandbox.telegram import TelegramEmulator

TOKEN = "7000000001:AAHtest-token_0123456789abcdefghijk"
CUSTOMER = 777000111
GROUP = -4123456789
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
KEYBOARD = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:15"}]]}


async def call(api: httpx.AsyncClient, method: str, **params: Any) -> httpx.Response:
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.post(f"/bot{TOKEN}/{method}", data=form)


async def refusal(api: httpx.AsyncClient, method: str, **params: Any) -> str:
    """The description of a call that must be refused with 400."""
    response = await call(api, method, **params)
    assert response.status_code == 400, response.json()
    description: str = response.json()["description"]
    return description


async def sent(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await call(api, "sendMessage", chat_id=CUSTOMER, **params)
    assert response.status_code == 200, response.json()
    result: dict[str, Any] = response.json()["result"]
    return result


@pytest.fixture(autouse=True)
def customer_started(telegram: TelegramEmulator) -> None:
    """The customer has pressed Start, so the bot may write to them."""
    telegram.send_text(CUSTOMER, "/start", first_name="Ann")


# --- sendMessage --------------------------------------------------------------------------------


async def test_the_text_limit_is_4096_utf16_units_after_parsing(api: httpx.AsyncClient) -> None:
    """2048 emoji (4096 units) fit, with markup around them; one more is "message is too long"."""
    assert await sent(api, text="<b>" + "👋" * 2048 + "</b>", parse_mode="HTML")
    too_long = await refusal(api, "sendMessage", chat_id=CUSTOMER, text="👋" * 2048 + "a")
    assert too_long == "Bad Request: message is too long"


@pytest.mark.parametrize("text", ["", "  \n ", "<b> </b>"])
async def test_an_empty_text_is_refused(api: httpx.AsyncClient, text: str) -> None:
    """Nothing left after parsing and trimming is "message text is empty"."""
    description = await refusal(api, "sendMessage", chat_id=CUSTOMER, text=text, parse_mode="HTML")
    assert description == "Bad Request: message text is empty"


@pytest.mark.parametrize(
    ("text", "mode", "detail"),
    [
        ("<b>Total", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("line<br>next", "HTML", 'Unsupported start tag "br" at byte offset 4'),
        ("Total: 4.00", "MarkdownV2", "Character '.' is reserved and must be escaped"),
        ("snake_case", "Markdown", "Can't find end of the entity starting at byte offset 5"),
    ],
)
async def test_bad_markup_cannot_be_parsed(
    api: httpx.AsyncClient, text: str, mode: str, detail: str
) -> None:
    """Malformed markup is "can't parse entities: <Telegram's detail>"."""
    description = await refusal(api, "sendMessage", chat_id=CUSTOMER, text=text, parse_mode=mode)
    assert description.startswith(f"Bad Request: can't parse entities: {detail}")


async def test_a_sent_message_is_stored_without_markup_with_utf16_entities(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """The result and the chat hold plain text; entities count the emoji as two units."""
    result = await sent(api, text="👋 <b>Cup</b> — <i>4 USD</i>", parse_mode="HTML")
    expected = [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "italic", "offset": 9, "length": 5},
    ]
    assert (result["text"], result["entities"]) == ("👋 Cup — 4 USD", expected)
    shown = telegram.messages(CUSTOMER)[-1]
    assert (shown.from_bot, shown.text, shown.entities) == (True, "👋 Cup — 4 USD", expected)


async def test_callback_data_is_limited_to_64_bytes_not_characters(
    api: httpx.AsyncClient,
) -> None:
    """32 Cyrillic letters (64 bytes) fit; 40 (80 bytes) are BUTTON_DATA_INVALID."""
    fits = {"inline_keyboard": [[{"text": "Да", "callback_data": "д" * 32}]]}
    assert await sent(api, text="ok", reply_markup=fits)
    too_big = {"inline_keyboard": [[{"text": "Да", "callback_data": "д" * 40}]]}
    description = await refusal(
        api, "sendMessage", chat_id=CUSTOMER, text="no", reply_markup=too_big
    )
    assert description == "Bad Request: BUTTON_DATA_INVALID"


async def test_a_contact_request_keyboard_is_refused_in_a_group(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """request_contact buttons work in private chats only."""
    telegram.add_group(GROUP, "Shop admins")
    keyboard = {"keyboard": [[{"text": "Share", "request_contact": True}]]}
    description = await refusal(api, "sendMessage", chat_id=GROUP, text="x", reply_markup=keyboard)
    assert description == "Bad Request: phone number can be requested in private chats only"
    assert (
        await call(api, "sendMessage", chat_id=CUSTOMER, text="x", reply_markup=keyboard)
    ).is_success


async def test_a_chat_the_bot_never_saw_is_not_found(api: httpx.AsyncClient) -> None:
    """A user who never wrote to the bot is "chat not found"."""
    assert await refusal(api, "sendMessage", chat_id=555, text="x") == "Bad Request: chat not found"


async def test_a_user_who_blocked_the_bot_is_forbidden(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """After block(), every message to the user is 403 "bot was blocked by the user"."""
    telegram.block(CUSTOMER)
    response = await call(api, "sendMessage", chat_id=CUSTOMER, text="x")
    assert response.status_code == 403
    assert response.json() == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }


async def test_a_migrated_group_answers_with_its_new_id(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """The old group id is 400 with parameters.migrate_to_chat_id; the new id works."""
    telegram.add_group(GROUP, "Shop admins")
    telegram.migrate_group(GROUP, -1001987654321)
    response = await call(api, "sendMessage", chat_id=GROUP, text="x")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -1001987654321},
    }
    assert (await call(api, "sendMessage", chat_id=-1001987654321, text="x")).is_success


# --- editing ------------------------------------------------------------------------------------


async def test_an_identical_edit_is_not_modified(api: httpx.AsyncClient) -> None:
    """The same text and keyboard again is Telegram's "message is not modified" text."""
    message = await sent(api, text="Cup", reply_markup=KEYBOARD)
    same = {"chat_id": CUSTOMER, "message_id": message["message_id"], "reply_markup": KEYBOARD}
    assert await refusal(api, "editMessageText", text="Cup", **same) == NOT_MODIFIED
    assert await refusal(api, "editMessageReplyMarkup", **same) == NOT_MODIFIED


async def test_ptb_edit_of_an_unchanged_message_raises_bad_request(bot: Bot) -> None:
    """python-telegram-bot sees the not-modified answer as BadRequest."""
    message = await bot.send_message(CUSTOMER, "Cup")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Cup", chat_id=CUSTOMER, message_id=message.message_id)


async def test_editing_a_missing_message_is_message_to_edit_not_found(
    api: httpx.AsyncClient,
) -> None:
    """An id no message in the chat has is "message to edit not found"."""
    description = await refusal(api, "editMessageText", chat_id=CUSTOMER, message_id=999, text="x")
    assert description == "Bad Request: message to edit not found"


async def test_an_edit_without_reply_markup_removes_the_keyboard(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """editMessageText without reply_markup leaves the message with no buttons."""
    message = await sent(api, text="Cup", reply_markup=KEYBOARD)
    response = await call(
        api, "editMessageText", chat_id=CUSTOMER, message_id=message["message_id"], text="Cup!"
    )
    edited = response.json()["result"]
    assert "reply_markup" not in edited
    assert edited["edit_date"] >= edited["date"]
    assert telegram.messages(CUSTOMER)[-1].reply_markup is None


async def test_edit_reply_markup_without_markup_removes_the_keyboard_once(
    api: httpx.AsyncClient,
) -> None:
    """The first removal edits the message; a second one changes nothing and is not modified."""
    message = await sent(api, text="Cup", reply_markup=KEYBOARD)
    target = {"chat_id": CUSTOMER, "message_id": message["message_id"]}
    assert (
        "reply_markup" not in (await call(api, "editMessageReplyMarkup", **target)).json()["result"]
    )
    assert await refusal(api, "editMessageReplyMarkup", **target) == NOT_MODIFIED


async def test_an_empty_inline_keyboard_counts_as_no_keyboard(api: httpx.AsyncClient) -> None:
    """Removing buttons with {"inline_keyboard": []} leaves no reply_markup in the result."""
    message = await sent(api, text="Cup", reply_markup=KEYBOARD)
    response = await call(
        api,
        "editMessageReplyMarkup",
        chat_id=CUSTOMER,
        message_id=message["message_id"],
        reply_markup={"inline_keyboard": []},
    )
    assert "reply_markup" not in response.json()["result"]


async def test_the_bot_cannot_edit_a_users_message(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """The user's own /start is "message can't be edited"."""
    users = [m for m in telegram.messages(CUSTOMER) if not m.from_bot]
    description = await refusal(
        api, "editMessageText", chat_id=CUSTOMER, message_id=users[0].message_id, text="x"
    )
    assert description == "Bad Request: message can't be edited"


# --- callback queries ---------------------------------------------------------------------------


async def test_a_callback_query_can_be_answered_once(
    telegram: TelegramEmulator, bot: Bot, api: httpx.AsyncClient
) -> None:
    """The first answer is recorded; a second one is "query is too old ..."."""
    await bot.send_message(
        CUSTOMER, "Cup", reply_markup=Inline([[InlineKeyboardButton("Buy", callback_data="buy")]])
    )
    telegram.tap(CUSTOMER, label="Buy")
    query = telegram.world.updates[-1]["callback_query"]
    assert await bot.answer_callback_query(query["id"], text="Added") is True
    assert telegram.callback_answer(query["id"]) == {
        "text": "Added",
        "show_alert": False,
        "url": None,
    }
    again = await refusal(api, "answerCallbackQuery", callback_query_id=query["id"])
    assert again == QUERY_TOO_OLD


async def test_an_unknown_callback_query_id_is_too_old(api: httpx.AsyncClient) -> None:
    """An id Telegram never issued gets the same "too old or invalid" answer."""
    assert await refusal(api, "answerCallbackQuery", callback_query_id="12345") == QUERY_TOO_OLD


# --- commands -----------------------------------------------------------------------------------


async def test_commands_are_kept_per_language_and_scope(
    telegram: TelegramEmulator, bot: Bot
) -> None:
    """Default, Russian and one chat's commands are three separate lists."""
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("cancel", "Cancel")])
    await bot.set_my_commands([BotCommand("start", "Начать")], language_code="ru")
    await bot.set_my_commands([BotCommand("orders", "Orders")], scope=BotCommandScopeChat(CUSTOMER))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "cancel"]
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Начать"]
    in_chat = await bot.get_my_commands(scope=BotCommandScopeChat(CUSTOMER))
    assert [c.command for c in in_chat] == ["orders"]
    assert await bot.get_my_commands(language_code="de") == ()
    assert telegram.commands() == ["start", "cancel"]
    assert telegram.commands("ru") == ["start"]


@pytest.mark.parametrize("name", ["Start", "/start", "new-order", "x" * 33, ""])
async def test_an_invalid_command_name_is_refused(api: httpx.AsyncClient, name: str) -> None:
    """Names are 1-32 lowercase letters, digits and underscores."""
    commands = [{"command": name, "description": "Something"}]
    assert await refusal(api, "setMyCommands", commands=commands) == (
        "Bad Request: BOT_COMMAND_INVALID"
    )


async def test_an_unknown_command_scope_is_refused(api: httpx.AsyncClient) -> None:
    """A scope type Telegram does not have cannot be parsed."""
    description = await refusal(api, "getMyCommands", scope={"type": "everyone"})
    assert description == "Bad Request: can't parse BotCommandScope JSON object"
