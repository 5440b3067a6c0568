"""Domain values of a guest order: products, the cart, the customer's draft, the placed order."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        text = f"{self.amount.quantize(Decimal('0.01')):f}".removesuffix(".00")
        return f"{text} {self.currency}".strip()


@dataclass(frozen=True)
class Product:
    id: int
    title: str
    price: Decimal | None
    image_url: str | None = None


@dataclass(frozen=True)
class CartLine:
    product_id: int
    title: str
    quantity: int
    unit_price: Decimal | None


class Step(enum.StrEnum):
    """Where a customer's draft stands; stored as its value, so values never change."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    PRODUCT = "product"  # browsing the catalogue
    QUANTITY = "quantity"  # a product's card, waiting for how many
    CART = "cart"
    REUSE = "reuse"  # offered the contact details of the chat's previous order
    CONFIRM = "confirm"
    PLACING = "placing"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Contacts:
    """The answers an order needs about the customer."""

    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class Customer:
    """Who is chatting: Telegram identity, used for the admin's link to the user."""

    user_id: int
    first_name: str
    username: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Draft:
    """One customer's order in progress; saved after every answer."""

    chat_id: int
    draft_id: str
    customer: Customer
    step: Step
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    lines: tuple[CartLine, ...] = ()
    pending: Product | None = None  # chosen product awaiting its quantity

    @property
    def is_open(self) -> bool:
        return self.step not in (Step.DONE, Step.CANCELLED)


@dataclass(frozen=True)
class OrderRequest:
    draft_id: str
    name: str
    phone: str
    email: str
    lines: tuple[CartLine, ...]


@dataclass(frozen=True)
class PlacedOrder:
    order_id: int
    total: Money
    status_id: str
    status_title: str
    payment_session_id: int | None
    payment_status: str | None
    payment_url: str | None
    lines: tuple[CartLine, ...] = field(default=())


class PlacementState(enum.StrEnum):
    """How far placing a confirmed draft has come; stored as its value."""

    QUEUED = "queued"  # the confirmation is recorded; OneEntry may not have the order yet
    CREATED = "created"  # OneEntry has the order; its payment session may still be missing
    PLACED = "placed"  # order and session recorded, the customer and admins notified
    FAILED = "failed"  # refused by the shop, or given up; the draft is back at its summary

    @property
    def in_flight(self) -> bool:
        return self in (PlacementState.QUEUED, PlacementState.CREATED)


@dataclass(frozen=True)
class Placement:
    """A confirmed draft on its way to OneEntry; survives restarts until PLACED or FAILED.

    `uncertain` is True while a request may have reached OneEntry without its answer reaching
    us (a timeout, a 5xx, a crash in between): the next attempt looks the order (or session)
    up before it sends anything again.
    """

    draft: Draft
    state: PlacementState
    created_at: datetime
    attempts: int = 0
    uncertain: bool = False
    order: PlacedOrder | None = None
    last_error: str = ""

    @property
    def draft_id(self) -> str:
        return self.draft.draft_id

    @property
    def chat_id(self) -> int:
        return self.draft.chat_id
