"""Callback data, escaping and message splitting of the Telegram adapter, without a server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.ordering.model import CartLine, Customer, Draft, Money, PlacedOrder, Product, Step
from bot.ordering.screens import Ask, Summary
from bot.telegram_ui.callback_data import MAX_BYTES, Action, Button, decode, encode
from bot.telegram_ui.i18n import Catalogues
from bot.telegram_ui.render import admin_notification, render
from bot.telegram_ui.sending import plain, split

NASTY = "<b>*_[Anna *VIP</b> & `Tom&Jerry` <a href='x'>"
EN = Catalogues().texts("en")
LONG_CYRILLIC = "Пицца Четыре сыра большая на тонком тесте с двойным сыром 🍕🧀" * 2


def draft(**fields: object) -> Draft:
    base = Draft(42, "AbCdEfGhIjK", Customer(42, "John_Doe", "mr_smith_"), Step.CONFIRM)
    return Draft(**{**base.__dict__, **fields})  # type: ignore[arg-type]


def test_every_button_round_trips_within_64_bytes() -> None:
    """Whatever the ids, callback data decodes back to the same button and stays short."""
    for action in Action:
        for number in (None, 0, 15, 999_999_999_999):
            button = Button(action, "AbCdEfGhIjK-_", number)
            data = encode(button)
            assert len(data.encode()) <= MAX_BYTES
            assert decode(data) == button


@pytest.mark.parametrize("data", [None, "", "size:L", "z:abc", "c:", "c:a b", "p:d1:x", "c:d1:1:2"])
def test_callback_data_this_bot_did_not_make_decodes_to_nothing(data: str | None) -> None:
    """Foreign or malformed data is refused, not guessed."""
    assert decode(data) is None


def test_product_buttons_carry_ids_not_titles() -> None:
    """A 64-letter Cyrillic title with emoji still gives valid callback data."""
    product = Product(19, LONG_CYRILLIC, Decimal("1290"))
    reply = render(Ask(draft(step=Step.PRODUCT), Step.PRODUCT, products=(product,)), "USD", EN)
    markup = reply.markup
    assert markup is not None
    (row,) = markup.to_dict()["inline_keyboard"]
    assert len(row[0]["callback_data"].encode()) <= MAX_BYTES
    assert row[0]["text"].startswith(LONG_CYRILLIC)


def test_user_text_is_escaped_in_the_summary_and_the_admin_message() -> None:
    """Markup characters typed by people appear literally and can't inject tags."""
    d = draft(
        name=NASTY, email="a@b.co", phone="+18005000500", lines=(CartLine(1, NASTY, 1, Decimal(5)),)
    )
    summary = render(Summary(d), "USD", EN).text
    order = PlacedOrder(7, Money(Decimal(5), "USD"), "new", NASTY, None, None, None, d.lines)
    admin = admin_notification(d, order, EN)
    for text in (summary, admin):
        assert "<b>*_[Anna" not in text and "&lt;b&gt;*_[Anna *VIP&lt;/b&gt;" in text
        assert "<a href='x'>" not in text
        assert plain(text).count(NASTY) >= 1
    assert 'href="tg://user?id=42">John_Doe</a> @mr_smith_' in admin


def test_long_texts_are_split_between_lines_under_the_limit() -> None:
    """No chunk exceeds Telegram's limit and nothing is lost."""
    text = "\n".join(f"<b>line {i}</b> " + "x" * 90 for i in range(200))
    chunks = split(text, limit=4096)
    assert all(len(c) <= 4096 for c in chunks) and len(chunks) > 1
    assert "\n".join(chunks) == text
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)
