"""python-telegram-bot parses every object the emulator returns without losing a field.

Each test drives the real `Bot` against the emulator over loopback and hands what the emulator
answered (the `result` of the envelope, as recorded for the call) to `lossless`, which asserts
that PTB's `de_json` knows every field (empty `api_kwargs` throughout) and that `to_dict()`
writes the same JSON back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatFullInfo,
    File,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
    User,
    WebhookInfo,
)

from bot.sandbox.telegram import TelegramEmulator

CUSTOMER = 777000111
GROUP = -4123456789
SUPERGROUP = -1001987654321
BUY = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Buy", callback_data="buy:15")],
        [InlineKeyboardButton("Site", url="https://example.com/shop")],
    ]
)
Lossless = Callable[..., Any]


def answered(telegram: TelegramEmulator, method: str) -> Any:
    """The result the emulator sent for the last `method` call, as it went over the wire."""
    call = next(c for c in reversed(telegram.calls) if c.method == method)
    assert call.ok, call.error
    return json.loads(json.dumps(call.result))


@pytest.fixture(autouse=True)
def customer_started(telegram: TelegramEmulator) -> None:
    telegram.send_text(CUSTOMER, "/start", first_name="Ann", username="ann", language_code="en")
    telegram.add_group(GROUP, "Shop admins")


async def test_get_me_is_a_user(telegram: TelegramEmulator, bot: Bot, lossless: Lossless) -> None:
    """getMe's User, with the getMe-only capability fields, parses without loss."""
    me = lossless(User, answered(telegram, "getMe"), bot)
    assert (me.username, bot.username) == ("sandbox_shop_bot", "sandbox_shop_bot")


@pytest.mark.parametrize(
    "options",
    [
        {"text": "<b>Cup</b> 👋 <a href='https://example.com'>site</a>", "parse_mode": "HTML"},
        {"text": "*Cup* _x_ ||s|| `c`", "parse_mode": "MarkdownV2", "reply_markup": BUY},
        {"text": "Share?", "reply_markup": ReplyKeyboardMarkup([[KeyboardButton("📱", True)]])},
        {"text": "Name?", "reply_markup": ForceReply(input_field_placeholder="Name")},
        {"text": "https://example.com", "link_preview_options": LinkPreviewOptions(True)},
    ],
    ids=["html", "markdown_v2_keyboard", "reply_keyboard", "force_reply", "link_preview"],
)
async def test_a_sent_message_is_a_message(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless, options: dict[str, Any]
) -> None:
    """sendMessage results parse without loss, whatever markup and options they had."""
    returned = await bot.send_message(CUSTOMER, **options)
    lossless(Message, answered(telegram, "sendMessage"), bot)
    assert returned.api_kwargs == {}


async def test_a_reply_in_a_group_is_a_message_with_reply_to_message(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """A reply (reply_parameters, as PTB sends in groups) carries the replied message."""
    first = await bot.send_message(GROUP, "New order #1")
    await bot.send_message(GROUP, "Paid", reply_parameters=ReplyParameters(first.message_id))
    message = lossless(Message, answered(telegram, "sendMessage"), bot)
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == first.message_id


async def test_photos_sent_three_ways_are_messages(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """An upload, a URL and a file_id sent back all give Messages with PhotoSizes."""
    uploaded = await bot.send_photo(
        CUSTOMER, b"\xff\xd8fake jpeg", caption="<b>Cup</b>", parse_mode="HTML"
    )
    lossless(Message, answered(telegram, "sendPhoto"), bot)
    await bot.send_photo(CUSTOMER, "https://example.com/cup.jpg", reply_markup=BUY)
    lossless(Message, answered(telegram, "sendPhoto"), bot)
    again = await bot.send_photo(CUSTOMER, uploaded.photo[-1].file_id)
    lossless(Message, answered(telegram, "sendPhoto"), bot)
    assert again.photo == uploaded.photo


async def test_get_file_is_a_file_and_downloads(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """getFile's File parses without loss and PTB downloads the photo's bytes through it."""
    picture = b"\xff\xd8another fake jpeg"
    photo = (await bot.send_photo(CUSTOMER, picture)).photo[0]
    file = await bot.get_file(photo.file_id)
    lossless(File, answered(telegram, "getFile"), bot)
    assert bytes(await file.download_as_bytearray()) == picture


async def test_edited_messages_are_messages(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """editMessageText, editMessageCaption and editMessageReplyMarkup results parse."""
    text = await bot.send_message(CUSTOMER, "Cup", reply_markup=BUY)
    await bot.edit_message_text(
        "<i>Cup</i>", CUSTOMER, text.message_id, parse_mode="HTML", reply_markup=BUY
    )
    lossless(Message, answered(telegram, "editMessageText"), bot)
    await bot.edit_message_reply_markup(CUSTOMER, text.message_id)
    lossless(Message, answered(telegram, "editMessageReplyMarkup"), bot)
    photo = await bot.send_photo(CUSTOMER, b"jpeg", caption="old")
    await bot.edit_message_caption(CUSTOMER, photo.message_id, caption="new")
    edited = lossless(Message, answered(telegram, "editMessageCaption"), bot)
    assert edited.caption == "new" and edited.edit_date is not None


async def test_every_kind_of_update_the_emulator_makes_is_an_update(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """Texts, commands, contacts, stickers, photos, edits, taps, blocks and migrations parse."""
    await bot.send_message(CUSTOMER, "Cup", reply_markup=BUY)
    telegram.send_text(CUSTOMER, "/start promo15")
    telegram.send_text(CUSTOMER, "Christina Thomas")
    telegram.share_contact(CUSTOMER, "+18005000500", last_name="Thomas")
    telegram.send_sticker(CUSTOMER)
    telegram.send_photo(CUSTOMER, caption="this one")
    telegram.edit_text(CUSTOMER, 1, "/start again")
    telegram.tap(CUSTOMER, label="Buy")
    telegram.block(CUSTOMER)
    telegram.unblock(CUSTOMER)
    telegram.send_text(555, "/status@sandbox_shop_bot", chat_id=GROUP, first_name="Admin")
    telegram.migrate_group(GROUP, SUPERGROUP)
    parsed = await bot.get_updates(timeout=0)
    raw = answered(telegram, "getUpdates")
    kinds = [next(k for k in u if k != "update_id") for u in raw]
    assert (
        kinds.count("message") == 9
    )  # /start x2, text, contact, sticker, photo, group, 2 migrations
    assert {"edited_message", "callback_query", "my_chat_member"} <= set(kinds)
    for update in raw:
        lossless(Update, update, bot)
    assert [u.update_id for u in parsed] == [u["update_id"] for u in raw]


async def test_an_injected_real_update_stays_lossless(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """A raw Update JSON as Telegram sends it comes out of getUpdates unchanged."""
    raw = {
        "update_id": 500000001,
        "message": {
            "message_id": 10,
            "date": 1735689600,
            "from": {"id": CUSTOMER, "is_bot": False, "first_name": "Ann", "language_code": "en"},
            "chat": {"id": CUSTOMER, "type": "private", "first_name": "Ann"},
            "text": "/start promo15",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    telegram.inject(raw)
    await bot.get_updates(timeout=0)
    delivered = answered(telegram, "getUpdates")[-1]
    assert delivered == raw
    lossless(Update, delivered, bot)


@pytest.mark.parametrize("chat_id", [CUSTOMER, GROUP])
async def test_get_chat_is_a_full_chat_info(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless, chat_id: int
) -> None:
    """getChat's ChatFullInfo (with Telegram's required fields) parses without loss."""
    info = await bot.get_chat(chat_id)
    lossless(ChatFullInfo, answered(telegram, "getChat"), bot)
    assert info.id == chat_id and info.accepted_gift_types is not None


async def test_webhook_info_is_a_webhook_info(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """getWebhookInfo parses without loss, with and without a webhook."""
    await bot.get_webhook_info()
    lossless(WebhookInfo, answered(telegram, "getWebhookInfo"), bot)
    await bot.set_webhook("https://shop.example/hook")
    info = await bot.get_webhook_info()
    lossless(WebhookInfo, answered(telegram, "getWebhookInfo"), bot)
    assert info.url == "https://shop.example/hook"


async def test_my_commands_are_bot_commands(
    telegram: TelegramEmulator, bot: Bot, lossless: Lossless
) -> None:
    """getMyCommands' BotCommands parse without loss."""
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("cancel", "Cancel")])
    await bot.get_my_commands()
    commands = [lossless(BotCommand, c, bot) for c in answered(telegram, "getMyCommands")]
    assert [c.command for c in commands] == ["start", "cancel"]


async def test_the_lossless_check_catches_a_field_ptb_does_not_know(lossless: Lossless) -> None:
    """The helper itself fails on an unknown field, so the checks above mean something."""
    user = {"id": 1, "is_bot": False, "first_name": "Ann", "favourite_colour": "green"}
    with pytest.raises(AssertionError):
        lossless(User, user)
    with pytest.raises(AssertionError):  # and on an empty list PTB would drop
        lossless(
            Message,
            {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "entities": []},
        )
