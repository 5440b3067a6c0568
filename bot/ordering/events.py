"""What can happen in a conversation: the customer's intents and the shop's answers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ordering.model import Contacts, Customer, PlacedOrder, Product, Question, Step
from bot.ordering.screens import Problem


@dataclass(frozen=True)
class Start:
    chat_id: int
    customer: Customer
    draft_id: str  # used only when a new draft begins
    payload: str | None = None  # a deep link's start parameter, e.g. "p15"
    product: Product | None = None  # the deep-linked product, looked up by the service


@dataclass(frozen=True)
class Cancel:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Back:
    """/back: one step back (from a question being edited: back to the summary)."""


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
    """From the cart: back to the catalogue to add another product."""

    draft_id: str


@dataclass(frozen=True)
class PageChosen:
    """A catalogue page (next/previous), or back to the catalogue from a product's card."""

    draft_id: str
    page: int


@dataclass(frozen=True)
class CartOpened:
    draft_id: str


@dataclass(frozen=True)
class QuantityChanged:
    """Plus or minus one on a cart line; a line going below 1 is removed."""

    draft_id: str
    product_id: int
    delta: int


@dataclass(frozen=True)
class LineRemoved:
    draft_id: str
    product_id: int


@dataclass(frozen=True)
class CartCleared:
    draft_id: str


@dataclass(frozen=True)
class Checkout:
    draft_id: str
    saved: Contacts | None = None  # the chat's previous order's details, found by the service
    questions: tuple[Question, ...] = ()  # the shop's order form; none: keep the draft's


@dataclass(frozen=True)
class SavedDetailsAnswered:
    """Yes / enter new, to "use the same details as last time?"."""

    draft_id: str
    use: bool
    saved: Contacts | None = None


@dataclass(frozen=True)
class EditAnswer:
    """From the summary: change one answer, then come back to the summary.

    `question` is the question's number in the draft's form (from 1), or a contact step.
    """

    draft_id: str
    question: Step | int


@dataclass(frozen=True)
class QuestionSkipped:
    """The Skip button of an optional question; `question` is its number in the form (from 1)."""

    draft_id: str
    question: int


@dataclass(frozen=True)
class OptionChosen:
    """An option's button of a choice question (numbers from 1 and from 0)."""

    draft_id: str
    question: int
    option: int


@dataclass(frozen=True)
class Confirm:
    draft_id: str
    # the cart's products as the shop has them now (re-read by the service); None: not re-read
    current: tuple[Product, ...] | None = None


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


# Taps on the bot's inline buttons: stale when the draft they were made for is gone.
Tap = (
    ProductChosen
    | QuantityChosen
    | AddMore
    | PageChosen
    | CartOpened
    | QuantityChanged
    | LineRemoved
    | CartCleared
    | Checkout
    | SavedDetailsAnswered
    | EditAnswer
    | QuestionSkipped
    | OptionChosen
    | Confirm
    | CancelTapped
    | UnknownButton
)

Event = (
    Start
    | Cancel
    | Help
    | TextEntered
    | ContactShared
    | NonText
    | MessageEdited
    | Back
    | Tap
    | OrderPlaced
    | PlacementFailed
)
