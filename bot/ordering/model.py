"""Domain values of a guest order: products, the cart, the customer's draft, the placed order."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
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
    QUESTION = "question"  # any other question of the order form (see Draft.asking)
    PRODUCT = "product"  # browsing the catalogue
    QUANTITY = "quantity"  # a product's card, waiting for how many
    CART = "cart"
    REUSE = "reuse"  # offered the contact details of the chat's previous order
    CONFIRM = "confirm"
    PLACING = "placing"
    DONE = "done"
    CANCELLED = "cancelled"


class FieldKind(enum.StrEnum):
    """How a question is asked and its answer checked; stored as its value."""

    NAME = "name"  # the customer's name: text with at least one letter
    PHONE = "phone"  # typed or shared with the contact button, kept in E.164
    EMAIL = "email"
    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"  # kept as YYYY-MM-DD
    CHOICE = "choice"  # one of `options`, by button (or typed), kept as the option's value


CONTACT_KINDS = (FieldKind.NAME, FieldKind.PHONE, FieldKind.EMAIL)


@dataclass(frozen=True)
class Option:
    value: str
    title: str


@dataclass(frozen=True)
class Question:
    """One question of checkout, as the shop's order form defines it.

    An empty title means the bot's own wording for its kind. Lengths count UTF-16 code units,
    as the shop does; 0 or None means no limit.
    """

    marker: str
    title: str = ""
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    options: tuple[Option, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    exact_length: int | None = None
    pattern: str | None = None

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options if option.value == value), None)


# The questions when the shop's form cannot be read: the guest order's three fields.
GUEST_QUESTIONS = (
    Question("guest_name", kind=FieldKind.NAME, min_length=2, max_length=64),
    Question("guest_phone", kind=FieldKind.PHONE),
    Question("guest_email", kind=FieldKind.EMAIL),
)


@dataclass(frozen=True)
class Answer:
    question: Question
    value: str


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
    # The checkout questions (set when checkout begins; none yet: the guest questions). The
    # first question of each contact kind is answered in name/phone/email, every other one in
    # `answers` (marker -> value, "" when an optional question was skipped).
    questions: tuple[Question, ...] = ()
    answers: Mapping[str, str] = field(default_factory=dict)
    asking: str | None = None  # the marker of the question at Step.QUESTION

    @property
    def is_open(self) -> bool:
        return self.step not in (Step.DONE, Step.CANCELLED)

    @property
    def form(self) -> tuple[Question, ...]:
        return self.questions or GUEST_QUESTIONS

    def contact_question(self, kind: FieldKind) -> Question | None:
        """The question whose answer is the draft's name, phone or e-mail."""
        return next((q for q in self.form if q.kind is kind), None)

    def is_contact(self, question: Question) -> bool:
        return question.kind in CONTACT_KINDS and self.contact_question(question.kind) == question

    def answer(self, question: Question) -> str | None:
        """The answer given ("" when skipped), or None when it was not asked yet."""
        if not self.is_contact(question):
            return self.answers.get(question.marker)
        if question.kind is FieldKind.NAME:
            return self.name
        return self.phone if question.kind is FieldKind.PHONE else self.email

    def with_answer(self, question: Question, value: str) -> Draft:
        if not self.is_contact(question):
            return dataclasses.replace(self, answers={**self.answers, question.marker: value})
        if question.kind is FieldKind.NAME:
            return dataclasses.replace(self, name=value)
        if question.kind is FieldKind.PHONE:
            return dataclasses.replace(self, phone=value)
        return dataclasses.replace(self, email=value)


@dataclass(frozen=True)
class OrderRequest:
    draft_id: str
    name: str
    phone: str
    email: str
    lines: tuple[CartLine, ...]
    # every question's answer, in the form's order (skipped ones left out); none: the
    # three guest fields of name, phone and e-mail
    answers: tuple[Answer, ...] = ()


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
