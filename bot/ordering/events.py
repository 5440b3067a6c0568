"""What can happen in a conversation: the customer's intents and the shop's answers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ordering.model import Customer, PlacedOrder, Product
from bot.ordering.screens import Problem


@dataclass(frozen=True)
class Start:
    chat_id: int
    customer: Customer
    draft_id: str  # used only when a new draft begins
    payload: str | None = None


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class TextEntered:
    text: str


@dataclass(frozen=True)
class ContactShared:
    phone: str
    own: bool  # the contact is the sender's own, not someone else's


@dataclass(frozen=True)
class NonText:
    """A sticker, photo or other message where text was expected."""


@dataclass(frozen=True)
class MessageEdited:
    """The customer edited a message they had sent; an edit never answers a question."""


@dataclass(frozen=True)
class ProductChosen:
    draft_id: str
    product: Product | None  # None: the product no longer exists


@dataclass(frozen=True)
class QuantityChosen:
    draft_id: str
    quantity: int


@dataclass(frozen=True)
class AddMore:
    draft_id: str


@dataclass(frozen=True)
class Confirm:
    draft_id: str


@dataclass(frozen=True)
class CancelTapped:
    draft_id: str


@dataclass(frozen=True)
class UnknownButton:
    """A tap on a button this bot did not make, or made long ago in another format."""


@dataclass(frozen=True)
class OrderPlaced:
    order: PlacedOrder


@dataclass(frozen=True)
class PlacementFailed:
    problem: Problem  # ORDER_REJECTED, or PLACEMENT_GAVE_UP when the shop stayed unreachable
    detail: str = ""


Event = (
    Start
    | Cancel
    | Help
    | TextEntered
    | ContactShared
    | NonText
    | MessageEdited
    | ProductChosen
    | QuantityChosen
    | AddMore
    | Confirm
    | CancelTapped
    | UnknownButton
    | OrderPlaced
    | PlacementFailed
)
