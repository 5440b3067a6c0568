"""Domain values of a guest order: products, the cart, the customer's draft, the placed order."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
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
    PRODUCT = "product"
    QUANTITY = "quantity"
    CONFIRM = "confirm"
    PLACING = "placing"
    DONE = "done"
    CANCELLED = "cancelled"


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
