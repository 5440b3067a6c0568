"""What the conversation shows the customer, and the effects it asks the service to run."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.ordering.model import Contacts, Draft, OrderRequest, PlacedOrder, Product, Step


class Problem(enum.Enum):
    """Why the same question is asked again."""

    BAD_NAME = "bad_name"
    BAD_PHONE = "bad_phone"
    NOT_OWN_CONTACT = "not_own_contact"
    BAD_EMAIL = "bad_email"
    BAD_QUANTITY = "bad_quantity"
    QUANTITY_LIMIT = "quantity_limit"
    CART_EMPTY = "cart_empty"
    PRICES_CHANGED = "prices_changed"
    PRODUCTS_GONE = "products_gone"
    NOTHING_TO_GO_BACK_TO = "nothing_to_go_back_to"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    USE_BUTTONS = "use_buttons"
    TEXT_EXPECTED = "text_expected"
    SHOP_UNAVAILABLE = "shop_unavailable"
    PLACEMENT_GAVE_UP = "placement_gave_up"
    ORDER_REJECTED = "order_rejected"
    # answers to the questions of the shop's order form
    ANSWER_REQUIRED = "answer_required"
    BAD_FORMAT = "bad_format"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    WRONG_LENGTH = "wrong_length"
    BAD_INTEGER = "bad_integer"
    BAD_NUMBER = "bad_number"
    BAD_DATE = "bad_date"
    BAD_CHOICE = "bad_choice"


class NoticeKind(enum.Enum):
    WELCOME = "welcome"
    RESUMED = "resumed"
    HELP = "help"
    CANCELLED = "cancelled"
    NO_DRAFT = "no_draft"
    STALE_BUTTON = "stale_button"
    PLACING = "placing"
    ALREADY_SUBMITTED = "already_submitted"
    EDIT_IGNORED = "edit_ignored"
    QUEUED = "queued"
    EXPIRED = "expired"
    DETAILS_REUSED = "details_reused"
    LANGUAGE_CHOSEN = "language_chosen"


@dataclass(frozen=True)
class Ask:
    """What the current step waits for.

    The service fills in what the conversation cannot know: the catalogue for PRODUCT (shown
    at `page`), the previous order's details for REUSE.
    """

    draft: Draft
    question: Step
    problem: Problem | None = None
    products: tuple[Product, ...] = ()
    page: int = 0
    saved: Contacts | None = None


@dataclass(frozen=True)
class Summary:
    draft: Draft
    problem: Problem | None = None
    detail: str = ""


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind


@dataclass(frozen=True)
class OrderConfirmed:
    order: PlacedOrder


@dataclass(frozen=True)
class OrderHistory:
    """The chat's orders, newest first, with their statuses as the shop has them now."""

    orders: tuple[PlacedOrder, ...]
    stale: bool = False  # the shop was not reachable: the statuses are the stored ones


Screen = Ask | Summary | Notice | OrderConfirmed | OrderHistory


@dataclass(frozen=True)
class AdminOrderPlaced:
    """The admins' notice of a new order."""

    draft: Draft
    order: PlacedOrder


@dataclass(frozen=True)
class AdminOrderFailed:
    """The admins' notice of an order the shop refused, or that could not be placed in time."""

    draft: Draft
    problem: Problem
    detail: str = ""


AdminScreen = AdminOrderPlaced | AdminOrderFailed


@dataclass(frozen=True)
class Outgoing:
    """A message that must reach its chat once, even across restarts (kept in the outbox).

    `key` names it uniquely, so recording the same message twice keeps one; `chat_id` None
    means the shop's admin group, whatever its id is when the message is sent.
    """

    key: str
    chat_id: int | None
    screen: Screen | AdminScreen


@dataclass(frozen=True)
class PlaceOrder:
    request: OrderRequest


Effect = PlaceOrder
