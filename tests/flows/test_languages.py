"""Languages end to end: a Russian customer, /language, and the bot's menu in both languages."""

from __future__ import annotations

import re

from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from bot.sandbox.telegram import ChatMessage
from tests.flows.conftest import CUSTOMER_ID, BotRunner, Chat, product_label, reach_summary

# Latin words a Russian message may hold: the currency, the commands, "E-mail" and the like
_ALLOWED_LATIN = re.compile(r"/\w+|\S+@\S+|\bUSD\b|\b[Ee]-mail\b|\bTelegram\b|\bOneEntry\b|<[^>]+>")


def latin_words(message: ChatMessage) -> list[str]:
    """English words left in a message's text and button labels (nothing should be left)."""
    labels = [
        str(button.get("text", ""))
        for row in (message.reply_markup or {}).get("inline_keyboard", [])
        for button in row
    ]
    text = _ALLOWED_LATIN.sub(" ", "\n".join([message.text, *labels]))
    return re.findall(r"[A-Za-z]{2,}", text)


async def test_a_russian_customer_orders_in_russian_with_russian_titles_from_oneentry(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """Telegram's language_code "ru": every message in Russian, ru_RU titles from OneEntry."""
    sandbox.telegram.user(CUSTOMER_ID, first_name="Кристина", language_code="ru")
    async with bot_runner():
        await chat.say("/start", expect="Что вы хотите заказать?")
        label = product_label(sandbox.telegram, CUSTOMER_ID, 15)
        assert label == "Капучино — 400 USD"
        card = await chat.tap(label, expect="Сколько штук?")
        assert "Капучино" in card.text
        cart = await chat.tap("1", expect="Ваша корзина")
        assert "Капучино × 1 — 400 USD" in cart.text
        await chat.tap("✅ Оформить заказ", expect="Ваше имя")  # the form's ru_RU title
        await chat.say("Кристина Томас", expect="Телефон")
        await chat.say("+18005000500", expect="Эл. почта")
        await chat.say("guest@yourmail.com", expect="Доставка")
        await chat.tap("⏭ Пропустить", expect="Комментарий")
        summary = await chat.tap("⏭ Пропустить", expect="Пожалуйста, проверьте заказ")
        assert "Итого: 400 USD" in summary.text
        placed = await chat.tap("✅ Подтвердить", expect="оформлен")
        assert "Статус заказа: Предстоящий" in placed.text
        assert "Оплата: ожидает оплаты" in placed.text
        history = await chat.say("/orders", expect="Ваши заказы")
        assert "Предстоящий" in history.text
        await sandbox.telegram.wait_for(lambda: bool(sandbox.telegram.messages(ADMIN_CHAT_ID)))
    # the sandbox form's delivery options have one title in every language: shop data
    messages = [m for m in chat.bot_messages() if "Доставка" not in m.text]
    assert len(messages) >= 10
    assert [latin_words(m) for m in messages if latin_words(m)] == []
    (admins,) = [m for m in sandbox.telegram.messages(ADMIN_CHAT_ID) if m.from_bot]
    assert "New order" in admins.text and "Капучино × 1" in admins.text  # the shop's language


async def test_language_switches_a_customer_between_english_and_russian_and_is_kept(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """/language offers both; the choice re-shows the screen, and outlives a restart."""
    sandbox.telegram.user(CUSTOMER_ID, first_name="Christina", language_code="en")
    async with bot_runner():
        await chat.say("/start", expect="What would you like to order?")
        menu = await chat.say("/language", expect="Choose your language")
        labels = [b["text"] for row in (menu.reply_markup or {})["inline_keyboard"] for b in row]
        assert labels == ["English", "Русский"]
        await chat.tap("Русский", expect="Теперь я говорю с вами по-русски")
        await chat.expect("Что вы хотите заказать?")
        assert product_label(sandbox.telegram, CUSTOMER_ID, 16) == "Латте — 450 USD"
    async with bot_runner():
        await chat.say("/start", expect="Продолжим")  # Telegram still says "en"
        await chat.say("/language", expect="Выберите язык")
        await chat.tap("English", expect="Now I speak English with you")
        await chat.expect("What would you like to order?")
        assert product_label(sandbox.telegram, CUSTOMER_ID, 16) == "Latte — 450 USD"


async def test_language_switched_at_the_summary_retitles_the_form_and_the_cart(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """The form and the products were read in English; after /language they are in Russian."""
    sandbox.telegram.user(CUSTOMER_ID, first_name="Christina", language_code="en")
    async with bot_runner():
        await reach_summary(chat)
        await chat.say("/language", expect="Choose your language")
        summary = await chat.tap("Русский", expect="Пожалуйста, проверьте заказ")
        assert "Капучино × 1 — 400 USD" in summary.text
        assert "Эл. почта: guest@yourmail.com" in summary.text
        assert "Доставка: Pickup" in summary.text  # the option keeps its one title
        assert "Christina Thomas" in summary.text  # the answers are kept
        assert latin_words(summary) == ["Christina", "Thomas", "Pickup"]
        placed = await chat.tap("✅ Подтвердить", expect="оформлен")
        assert "Капучино × 1 — 400 USD" in placed.text


async def test_a_language_chosen_before_the_first_order_is_kept_for_it(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """/language as the very first message: the next /start is in that language."""
    sandbox.telegram.user(CUSTOMER_ID, first_name="Christina", language_code="de")
    async with bot_runner():
        await chat.say("/language", expect="Choose your language")  # German: English texts
        await chat.tap("Русский", expect="по-русски")
        await chat.say("/start", expect="Здравствуйте")


async def test_the_menu_is_registered_in_english_and_in_russian(
    sandbox: Sandbox, bot_runner: BotRunner
) -> None:
    """setMyCommands for the default language and for language_code "ru", same commands."""
    async with bot_runner():
        pass
    english, russian = sandbox.telegram.commands(), sandbox.telegram.commands("ru")
    assert english == russian == ["start", "orders", "back", "cancel", "language", "help"]
    descriptions = {
        language: [c["description"] for c in sandbox.telegram.world.commands[("default", code)]]
        for language, code in (("en", ""), ("ru", "ru"))
    }
    assert descriptions["en"][0] == "Browse the shop and order"
    assert descriptions["ru"][0] == "Открыть магазин и сделать заказ"
