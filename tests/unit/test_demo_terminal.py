"""The demo terminal's reading of a typed line as a button."""

from __future__ import annotations

import io
from typing import cast

from bot.demo import DemoButton, Terminal
from bot.sandbox.telegram import TelegramEmulator


def cart_terminal() -> Terminal:
    terminal = Terminal(cast(TelegramEmulator, None), io.StringIO())
    labels = ["➖ Cappuccino", "➕ Cappuccino", "🗑 Cappuccino", "🛍 Add more products"]
    terminal.buttons = [DemoButton(label, 7, f"b{i}") for i, label in enumerate(labels)]
    return terminal


def test_a_typed_label_taps_the_button_with_exactly_that_label() -> None:
    terminal = cart_terminal()
    assert terminal.find_button("➕ Cappuccino") == terminal.buttons[1]
    assert terminal.find_button("🗑 Cappuccino") == terminal.buttons[2]
    assert terminal.find_button("2") == terminal.buttons[1]


def test_words_that_several_labels_share_tap_nothing() -> None:
    terminal = cart_terminal()
    assert terminal.find_button("Cappuccino") is None
    assert terminal.find_button("add more") == terminal.buttons[3]
