"""C01, C03: user-supplied names with markup characters never break or inject into messages."""

from __future__ import annotations

from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from bot.telegram_ui.sending import plain
from tests.cases.steps import (
    ProfiledChat,
    admin_messages,
    answer_up_to_the_summary,
    open_the_card,
    order_values,
    refused_calls,
)
from tests.flows.conftest import BotRunner, Chat

# (typed name, Telegram profile first_name) of one order each; the username is "mr_smith_"
MARKUP_NAMES = [
    # C01: unpaired Markdown star, underscore, backtick, bracket
    ("Anna *VIP ring bell_2 `x` [y", "John_Doe"),
    # C03: a fake start tag, entity-like ampersands
    ("<Ivan> Flat <3>, a<b & c>d; Tom&Jerry;", "<John_Doe & *Co*>"),
    # C03: values that would inject formatting or a link
    ("<b>Boss</b> <a href='https://evil.example'>x</a>", "<i>Jo</i>"),
]


async def test_c01_c03_typed_and_profile_names_with_markup_characters_are_shown_literally(
    sandbox: Sandbox, bot_runner: BotRunner
) -> None:
    """C01/C03: every message is accepted; summary and admin notification show names as given."""
    chat = ProfiledChat(sandbox.telegram, username="mr_smith_")
    async with bot_runner():
        for number, (name, first_name) in enumerate(MARKUP_NAMES, start=1):
            chat.first_name = first_name
            summary = await answer_up_to_the_summary(chat, sandbox, name=name)
            await chat.tap("✅ Confirm", expect="placed")
            await sandbox.telegram.wait_for(lambda n=number: len(admin_messages(sandbox)) == n)
            assert f"Your name: {name}" in summary.text
            assert order_values(sandbox)["guest_name"] == name
            admin = admin_messages(sandbox)[-1]
            assert f"Customer: {name}\n" in admin.text
            assert f"Telegram: {first_name} @mr_smith_" in admin.text
            # the only formatting is the bot's own: bold title and total, the link to the customer
            kinds = sorted(e["type"] for e in admin.entities)
            assert kinds == ["bold", "bold", "text_link"], name
            (link,) = [e for e in admin.entities if e["type"] == "text_link"]
            assert link["url"] == f"tg://user?id={chat.user_id}"
    assert refused_calls(sandbox) == []
    assert len(sandbox.oneentry.orders) == len(MARKUP_NAMES)


async def test_c01_a_refused_markup_is_resent_as_plain_text_and_the_order_stands(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C01: Telegram answers "can't parse entities" for the admin message: it arrives as text."""
    sandbox.telegram.fail(
        "sendMessage",
        chat_id=ADMIN_CHAT_ID,
        status=400,
        description=(
            "Bad Request: can't parse entities: Can't find end of the entity starting at byte "
            "offset 23"
        ),
    )
    async with bot_runner():
        await answer_up_to_the_summary(chat, sandbox, name="Anna *VIP <3>")
        await chat.tap("✅ Confirm", expect="placed")
        await sandbox.telegram.wait_for(lambda: len(admin_messages(sandbox)) == 1)
    (refused,) = refused_calls(sandbox)
    assert refused.chat_id == ADMIN_CHAT_ID and refused.params.get("parse_mode") == "HTML"
    resent = sandbox.telegram.calls_for(ADMIN_CHAT_ID, "sendMessage")[-1]
    assert resent.ok and "parse_mode" not in resent.params
    (admin,) = admin_messages(sandbox)
    assert admin.entities == []
    assert "Customer: Anna *VIP <3>\n" in admin.text and "<b>" not in admin.text
    assert f"#{sandbox.oneentry.orders[0]['id']}" in admin.text
    assert len(sandbox.oneentry.orders) == 1
    assert "placed" in chat.bot_messages()[-1].text  # the customer is not told of a failure


async def test_c01_a_refused_markup_in_a_customer_reply_is_resent_as_plain_text(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C01: the same fallback for the customer's own messages, keyboard included."""
    async with bot_runner():
        await open_the_card(chat, sandbox)
        sandbox.telegram.fail(
            "sendMessage",
            chat_id=chat.user_id,
            status=400,
            description=(
                'Bad Request: can\'t parse entities: Unsupported start tag "3" at byte offset 31'
            ),
        )
        cart = await chat.tap("1", expect="Your cart")
    (refused,) = refused_calls(sandbox)
    assert refused.params.get("parse_mode") == "HTML"
    assert cart.text == plain(str(refused.params["text"])) and cart.entities == []
    assert (cart.reply_markup or {}).get("inline_keyboard")
