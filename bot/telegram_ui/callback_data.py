"""Callback data of inline buttons: a one-letter action, the draft id and an optional number.

Only short ids travel to Telegram (never titles), so the data stays far below the 64-byte limit
whatever the catalogue holds; anything this module did not make decodes to None.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_BYTES = 64
_PATTERN = re.compile(r"(?P<action>[a-z]):(?P<draft>[A-Za-z0-9_-]{1,22})(?::(?P<number>\d{1,12}))?")


class Action(enum.StrEnum):
    PRODUCT = "p"  # number: the product id
    QUANTITY = "q"  # number: how many
    CONFIRM = "c"
    CANCEL = "x"
    MORE = "m"  # from the cart back to the catalogue
    PAGE = "g"  # number: the catalogue page (from 0)
    CART = "v"
    PLUS = "i"  # number: the product id of the cart line
    MINUS = "d"  # number: the product id of the cart line
    REMOVE = "r"  # number: the product id of the cart line
    CLEAR = "k"
    CHECKOUT = "o"
    REUSE = "u"  # number: 1 to use the previous details, 0 to enter new ones
    EDIT = "e"  # number: which question of the draft's form (from 1)
    SKIP = "s"  # number: the optional question skipped (from 1)
    OPTION = "a"  # number: question * 1000 + option (questions from 1, options from 0)
    LANGUAGE = "l"  # the draft's place holds a language ("l:ru"): a choice valid in any draft


@dataclass(frozen=True)
class Button:
    action: Action
    draft_id: str
    number: int | None = None


def encode(button: Button) -> str:
    data = f"{button.action.value}:{button.draft_id}"
    if button.number is not None:
        data += f":{button.number}"
    if _PATTERN.fullmatch(data) is None or len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button cannot be encoded: {button!r}")
    return data


def decode(data: str | None) -> Button | None:
    match = _PATTERN.fullmatch(data or "")
    if match is None:
        return None
    try:
        action = Action(match["action"])
    except ValueError:
        return None
    number = match["number"]
    return Button(action, match["draft"], int(number) if number is not None else None)
