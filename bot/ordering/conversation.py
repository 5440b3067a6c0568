"""The ordering conversation as a pure state machine.

Rules:
- A customer's draft is in exactly one Step; `step()` maps (draft, event) to a new draft, the
  screens to show and the effects to run. It does no I/O and keeps no state of its own.
- The transitions are the TRANSITIONS table: (step, event type) -> handler. Commands (/start,
  /cancel, /help) are valid in every step. Any other pair is not a transition: the draft is
  unchanged and the customer is reminded of the current question.
- Buttons carry the draft id; a tap whose draft id or step does not match the draft is stale and
  changes nothing.
- Placing an order leaves CONFIRM through PLACING; only OrderPlaced ends in DONE.
- An edited message changes nothing: an open draft's customer is told to send a new message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from bot.ordering.events import (
    AddMore,
    Cancel,
    CancelTapped,
    Confirm,
    ContactShared,
    Event,
    Help,
    MessageEdited,
    NonText,
    OrderPlaced,
    PlacementFailed,
    ProductChosen,
    QuantityChosen,
    Start,
    TextEntered,
    UnknownButton,
)
from bot.ordering.model import CartLine, Draft, OrderRequest, Product, Step
from bot.ordering.screens import (
    Ask,
    Effect,
    Notice,
    NoticeKind,
    OrderConfirmed,
    PlaceOrder,
    Problem,
    Screen,
    Summary,
)

NAME_MIN, NAME_MAX = 2, 64
QUANTITY_MAX = 99


class Rules(Protocol):
    """Input checks that need libraries; injected so that this module stays pure."""

    def phone(self, text: str) -> str | None:
        """The number in E.164, or None when it is not a plausible phone number."""

    def email(self, text: str) -> str | None:
        """The normalised address, or None when it is not a deliverable-looking e-mail."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    draft: Draft | None
    screens: tuple[Screen, ...] = ()
    effects: tuple[Effect, ...] = ()


Handler = Callable[[Draft, Event, Rules], Outcome]

# Steps that wait for an answer to a question.
QUESTION_STEPS = frozenset((Step.NAME, Step.PHONE, Step.EMAIL, Step.PRODUCT, Step.QUANTITY))


def current_screen(draft: Draft, problem: Problem | None = None) -> Screen:
    """What the customer should see now for this draft."""
    if draft.step in QUESTION_STEPS:
        return Ask(draft, draft.step, problem)
    if draft.step is Step.CONFIRM:
        return Summary(draft, problem)
    if draft.step is Step.PLACING:
        return Notice(NoticeKind.ALREADY_SUBMITTED)
    return Notice(NoticeKind.NO_DRAFT)


def _ask(draft: Draft, problem: Problem | None = None) -> Outcome:
    return Outcome(draft, (current_screen(draft, problem),))


def _show(draft: Draft) -> Outcome:
    return Outcome(draft, (current_screen(draft),))


def _name(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, TextEntered)
    name = " ".join(event.text.split())
    if not (NAME_MIN <= len(name) <= NAME_MAX) or not any(c.isalpha() for c in name):
        return _ask(draft, Problem.BAD_NAME)
    return _show(dataclasses.replace(draft, step=Step.PHONE, name=name))


def _phone_text(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, TextEntered)
    phone = rules.phone(event.text)
    if phone is None:
        return _ask(draft, Problem.BAD_PHONE)
    return _show(dataclasses.replace(draft, step=Step.EMAIL, phone=phone))


def _phone_contact(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, ContactShared)
    if not event.own:
        return _ask(draft, Problem.NOT_OWN_CONTACT)
    phone = rules.phone(event.phone if event.phone.startswith("+") else "+" + event.phone)
    if phone is None:
        return _ask(draft, Problem.BAD_PHONE)
    return _show(dataclasses.replace(draft, step=Step.EMAIL, phone=phone))


def _email(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, TextEntered)
    email = rules.email(event.text.strip())
    if email is None:
        return _ask(draft, Problem.BAD_EMAIL)
    return _show(dataclasses.replace(draft, step=Step.PRODUCT, email=email))


def _product(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, ProductChosen)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    if event.product is None or event.product.price is None:
        return _ask(draft, Problem.PRODUCT_UNAVAILABLE)
    return _show(dataclasses.replace(draft, step=Step.QUANTITY, pending=event.product))


def _quantity(draft: Draft, event: Event, rules: Rules) -> Outcome:
    if isinstance(event, QuantityChosen):
        if event.draft_id != draft.draft_id:
            return _stale(draft)
        quantity: int | None = event.quantity
    else:
        assert isinstance(event, TextEntered)
        text = event.text.strip()
        quantity = int(text) if text.isdecimal() and len(text) <= 4 else None
    if quantity is None or not 1 <= quantity <= QUANTITY_MAX or draft.pending is None:
        return _ask(draft, Problem.BAD_QUANTITY)
    return _show(
        dataclasses.replace(
            draft,
            step=Step.CONFIRM,
            lines=add_line(draft.lines, draft.pending, quantity),
            pending=None,
        )
    )


def _add_more(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, AddMore)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    return _show(dataclasses.replace(draft, step=Step.PRODUCT))


def _confirm(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, Confirm)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    placing = dataclasses.replace(draft, step=Step.PLACING)
    return Outcome(placing, (Notice(NoticeKind.PLACING),), (PlaceOrder(order_request(draft)),))


def _already_submitted(draft: Draft, event: Event, rules: Rules) -> Outcome:
    return Outcome(draft, (Notice(NoticeKind.ALREADY_SUBMITTED),))


def _placed(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, OrderPlaced)
    return Outcome(dataclasses.replace(draft, step=Step.DONE), (OrderConfirmed(event.order),))


def _failed(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, PlacementFailed)
    back = dataclasses.replace(draft, step=Step.CONFIRM)
    return Outcome(back, (Summary(back, event.problem, detail=event.detail),))


def _cancel_tapped(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, CancelTapped)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    return _cancel(draft, event, rules)


def _cancel(draft: Draft, event: Event, rules: Rules) -> Outcome:
    return Outcome(dataclasses.replace(draft, step=Step.CANCELLED), (Notice(NoticeKind.CANCELLED),))


def _stale(draft: Draft) -> Outcome:
    return Outcome(draft, (Notice(NoticeKind.STALE_BUTTON), current_screen(draft)))


def _use_buttons(draft: Draft, event: Event, rules: Rules) -> Outcome:
    return _ask(draft, Problem.USE_BUTTONS)


def _text_expected(draft: Draft, event: Event, rules: Rules) -> Outcome:
    return _ask(draft, Problem.TEXT_EXPECTED)


TRANSITIONS: dict[tuple[Step, type[Event]], Handler] = {
    (Step.NAME, TextEntered): _name,
    (Step.PHONE, TextEntered): _phone_text,
    (Step.PHONE, ContactShared): _phone_contact,
    (Step.EMAIL, TextEntered): _email,
    (Step.PRODUCT, ProductChosen): _product,
    (Step.PRODUCT, TextEntered): _use_buttons,
    (Step.QUANTITY, QuantityChosen): _quantity,
    (Step.QUANTITY, TextEntered): _quantity,
    (Step.CONFIRM, Confirm): _confirm,
    (Step.CONFIRM, AddMore): _add_more,
    (Step.CONFIRM, CancelTapped): _cancel_tapped,
    (Step.CONFIRM, TextEntered): _use_buttons,
    (Step.PLACING, Confirm): _already_submitted,
    (Step.PLACING, OrderPlaced): _placed,
    (Step.PLACING, PlacementFailed): _failed,
    **{(s, NonText): _text_expected for s in (Step.NAME, Step.PHONE, Step.EMAIL, Step.QUANTITY)},
}


_BUTTONS = Confirm | ProductChosen | QuantityChosen | AddMore | CancelTapped | UnknownButton


def step(draft: Draft | None, event: Event, rules: Rules) -> Outcome:
    """Apply one event to a chat's draft."""
    if isinstance(event, Start):
        return _start(draft, event)
    if draft is not None and draft.step is Step.DONE and event == Confirm(draft.draft_id):
        return Outcome(draft, (Notice(NoticeKind.ALREADY_SUBMITTED),))
    if draft is None or not draft.is_open:
        if isinstance(event, _BUTTONS):
            return Outcome(draft, (Notice(NoticeKind.STALE_BUTTON), Notice(NoticeKind.NO_DRAFT)))
        if isinstance(event, Help):
            return Outcome(draft, (Notice(NoticeKind.HELP), Notice(NoticeKind.NO_DRAFT)))
        if isinstance(event, MessageEdited):
            return Outcome(draft)
        return Outcome(draft, (Notice(NoticeKind.NO_DRAFT),))
    if isinstance(event, Help):
        return Outcome(draft, (Notice(NoticeKind.HELP), current_screen(draft)))
    if isinstance(event, MessageEdited):
        return Outcome(draft, (Notice(NoticeKind.EDIT_IGNORED),))
    if isinstance(event, Cancel):
        if draft.step is Step.PLACING:
            return Outcome(draft, (Notice(NoticeKind.ALREADY_SUBMITTED),))
        return _cancel(draft, event, rules)
    handler = TRANSITIONS.get((draft.step, type(event)))
    if handler is not None:
        return handler(draft, event, rules)
    if isinstance(event, _BUTTONS):
        return _stale(draft)
    return _ask(draft)


def _start(draft: Draft | None, event: Start) -> Outcome:
    if draft is not None and draft.is_open:
        customer = dataclasses.replace(draft.customer, language=event.customer.language)
        resumed = dataclasses.replace(draft, customer=customer)
        return Outcome(resumed, (Notice(NoticeKind.RESUMED), current_screen(resumed)))
    new = Draft(
        chat_id=event.chat_id, draft_id=event.draft_id, customer=event.customer, step=Step.NAME
    )
    return Outcome(new, (Notice(NoticeKind.WELCOME), current_screen(new)))


def add_line(lines: tuple[CartLine, ...], product: Product, quantity: int) -> tuple[CartLine, ...]:
    """The cart with `quantity` more of `product` (one line per product, capped at QUANTITY_MAX)."""
    for i, line in enumerate(lines):
        if line.product_id == product.id:
            merged = dataclasses.replace(
                line, quantity=min(line.quantity + quantity, QUANTITY_MAX), unit_price=product.price
            )
            return (*lines[:i], merged, *lines[i + 1 :])
    return (*lines, CartLine(product.id, product.title, quantity, product.price))


def cart_total(lines: tuple[CartLine, ...]) -> Decimal | None:
    """Sum of the lines, or None when a price is unknown."""
    if any(line.unit_price is None for line in lines):
        return None
    return sum((line.unit_price or Decimal(0)) * line.quantity for line in lines) or Decimal(0)


def order_request(draft: Draft) -> OrderRequest:
    assert draft.name and draft.phone and draft.email, "CONFIRM is reached only with all answers"
    return OrderRequest(draft.draft_id, draft.name, draft.phone, draft.email, draft.lines)
