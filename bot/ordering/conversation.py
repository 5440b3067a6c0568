"""The ordering conversation as a pure state machine.

Rules:
- A customer's draft is in exactly one Step; `step()` maps (draft, event) to a new draft, the
  screens to show and the effects to run. It does no I/O and keeps no state of its own.
- The transitions are the TRANSITIONS table: (step, event type) -> handler. Commands (/start,
  /cancel, /help) are valid in every step. Any other pair is not a transition: the draft is
  unchanged and the customer is reminded of the current question.
- The shop comes first: catalogue (PRODUCT), a product's card (QUANTITY), the CART; checkout
  asks the questions that have no answer yet (or offers the previous order's details, REUSE),
  then shows the summary (CONFIRM). An answer changed from the summary leads back to it.
- The questions are the shop's order form, given by Checkout, in the form's order: the name,
  phone and e-mail at NAME, PHONE and EMAIL, every other one at QUESTION. A bad answer asks
  the same question again; an optional question can be skipped.
- Buttons carry the draft id; a tap whose draft id does not match the draft, or whose event
  is not a transition of the draft's step, is stale and changes nothing.
- Confirm carries the cart's products as the shop has them now: when a price changed or a
  product is gone, the customer sees the new summary and must confirm again.
- Placing an order leaves CONFIRM through PLACING; only OrderPlaced ends in DONE.
- An edited message changes nothing: an open draft's customer is told to send a new message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from decimal import Decimal

from bot.ordering.events import (
    AddMore,
    Back,
    Cancel,
    CancelTapped,
    CartCleared,
    CartOpened,
    Checkout,
    Confirm,
    ContactShared,
    EditAnswer,
    Event,
    Help,
    LineRemoved,
    MessageEdited,
    NonText,
    OptionChosen,
    OrderPlaced,
    PageChosen,
    PlacementFailed,
    ProductChosen,
    QuantityChanged,
    QuantityChosen,
    QuestionSkipped,
    SavedDetailsAnswered,
    Start,
    Tap,
    TextEntered,
)
from bot.ordering.model import (
    Answer,
    CartLine,
    Contacts,
    Draft,
    FieldKind,
    OrderRequest,
    Product,
    Question,
    Step,
)
from bot.ordering.questions import NAME_MAX, NAME_MIN, Rules, check_answer
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

__all__ = ["NAME_MAX", "NAME_MIN", "Rules", "step"]

QUANTITY_MAX = 99
PAGE_SIZE = 5  # products on one catalogue page
_PRODUCT_LINK = re.compile(r"p(\d{1,12})")


@dataclasses.dataclass(frozen=True)
class Outcome:
    draft: Draft | None
    screens: tuple[Screen, ...] = ()
    effects: tuple[Effect, ...] = ()


Handler = Callable[[Draft, Event, Rules], Outcome]

# Steps that wait for an answer (or a tap) of the customer.
QUESTION_STEPS = frozenset(
    (
        Step.NAME,
        Step.PHONE,
        Step.EMAIL,
        Step.QUESTION,
        Step.PRODUCT,
        Step.QUANTITY,
        Step.CART,
        Step.REUSE,
    )
)
# The steps of checkout's questions; the contact ones hold the answers of their kind.
CONTACT_QUESTIONS = (Step.NAME, Step.PHONE, Step.EMAIL)
ANSWER_STEPS = (*CONTACT_QUESTIONS, Step.QUESTION)
_CONTACT_STEPS = {
    FieldKind.NAME: Step.NAME,
    FieldKind.PHONE: Step.PHONE,
    FieldKind.EMAIL: Step.EMAIL,
}
OPTION_NUMBERS = 1000  # an option's button carries question * OPTION_NUMBERS + option


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


def answers_missing(draft: Draft) -> tuple[Question, ...]:
    """The questions without an answer yet (a skipped one has ""), in the form's order."""
    return tuple(q for q in draft.form if draft.answer(q) is None or _unanswered(draft, q))


def _unanswered(draft: Draft, question: Question) -> bool:
    # a required question's empty answer (a contact the store blanked) is asked again
    return question.required and not draft.answer(question)


def current_question(draft: Draft) -> Question | None:
    """The question the draft's step waits for, if it is one."""
    if draft.step is Step.QUESTION:
        return next((q for q in draft.form if q.marker == draft.asking), None)
    kind = next((k for k, s in _CONTACT_STEPS.items() if s is draft.step), None)
    return None if kind is None else draft.contact_question(kind)


def question_number(draft: Draft, question: Question) -> int:
    """The question's number in the draft's form, from 1 (what its buttons carry)."""
    return draft.form.index(question) + 1


def _asking(draft: Draft, question: Question) -> Draft:
    if draft.is_contact(question):
        return dataclasses.replace(draft, step=_CONTACT_STEPS[question.kind], asking=None)
    return dataclasses.replace(draft, step=Step.QUESTION, asking=question.marker)


def _next_question(draft: Draft) -> Draft:
    """After an answer: the next unanswered question, or the summary once all are there."""
    missing = answers_missing(draft)
    if missing:
        return _asking(draft, missing[0])
    return dataclasses.replace(draft, step=Step.CONFIRM, asking=None)


# --- checkout questions ------------------------------------------------------------------------


def _answered(draft: Draft, value: str | Problem) -> Outcome:
    question = current_question(draft)
    if question is None:  # the form changed under a stored draft: ask what is missing
        return _show(_next_question(draft))
    if isinstance(value, Problem):
        return _ask(draft, value)
    return _show(_next_question(draft.with_answer(question, value)))


def _answer_text(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, TextEntered)
    question = current_question(draft)
    if question is None:
        return _show(_next_question(draft))
    if not question.required and event.text.strip() == SKIP_TEXT:
        return _show(_next_question(draft.with_answer(question, "")))
    return _answered(draft, check_answer(question, event.text, rules))


SKIP_TEXT = "-"  # typed instead of an optional answer: skip it (an optional phone has no button)


def _phone_contact(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, ContactShared)
    question = current_question(draft)
    if question is None or question.kind is not FieldKind.PHONE:
        return _ask(draft, Problem.TEXT_EXPECTED)
    if not event.own:
        return _ask(draft, Problem.NOT_OWN_CONTACT)
    phone = event.phone if event.phone.startswith("+") else "+" + event.phone
    return _answered(draft, check_answer(question, phone, rules))


def _skip(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, QuestionSkipped)
    question = current_question(draft)
    if (
        event.draft_id != draft.draft_id
        or question is None
        or question.required
        or event.question != question_number(draft, question)
    ):
        return _stale(draft)
    return _show(_next_question(draft.with_answer(question, "")))


def _option(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, OptionChosen)
    question = current_question(draft)
    if (
        event.draft_id != draft.draft_id
        or question is None
        or event.question != question_number(draft, question)
        or not 0 <= event.option < len(question.options)
    ):
        return _stale(draft)
    return _show(_next_question(draft.with_answer(question, question.options[event.option].value)))


def _back(draft: Draft, event: Event, rules: Rules) -> Outcome:
    """/back: a question being edited returns to the summary; otherwise one step back."""
    assert isinstance(event, Back)
    if draft.step in ANSWER_STEPS or draft.step is Step.REUSE:
        if not answers_missing(draft):
            return _show(dataclasses.replace(draft, step=Step.CONFIRM, asking=None))
        question = current_question(draft)
        at = draft.form.index(question) if question is not None else 0
        if at > 0:
            return _show(_asking(draft, draft.form[at - 1]))
        return _show(dataclasses.replace(draft, step=Step.CART, asking=None))
    if draft.step is Step.QUANTITY:
        return _show(dataclasses.replace(draft, step=Step.PRODUCT, pending=None))
    if draft.step is Step.CART:
        return _show(dataclasses.replace(draft, step=Step.PRODUCT))
    if draft.step is Step.CONFIRM:
        return _show(dataclasses.replace(draft, step=Step.CART))
    return _ask(draft, Problem.NOTHING_TO_GO_BACK_TO)


# --- the shop ----------------------------------------------------------------------------------


def _page(draft: Draft, event: Event, rules: Rules) -> Outcome:
    """Another catalogue page; from a product's card or the cart, back to the catalogue."""
    assert isinstance(event, PageChosen)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    browsing = dataclasses.replace(draft, step=Step.PRODUCT, pending=None)
    return Outcome(browsing, (Ask(browsing, Step.PRODUCT, page=max(event.page, 0)),))


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
        quantity = parse_quantity(event.text)
    if quantity is None or not 1 <= quantity <= QUANTITY_MAX or draft.pending is None:
        return _ask(draft, Problem.BAD_QUANTITY)
    held = sum(line.quantity for line in draft.lines if line.product_id == draft.pending.id)
    lines = add_line(draft.lines, draft.pending, quantity)
    cart = dataclasses.replace(draft, step=Step.CART, lines=lines, pending=None)
    if held + quantity > QUANTITY_MAX:  # capped: the customer is told the cart holds less
        return _ask(cart, Problem.QUANTITY_LIMIT)
    return _show(cart)


def parse_quantity(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdecimal() and len(text) <= 4 else None


def _open_cart(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, CartOpened)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    if not draft.lines:
        return _ask(dataclasses.replace(draft, step=Step.PRODUCT), Problem.CART_EMPTY)
    return _show(dataclasses.replace(draft, step=Step.CART, pending=None))


def _change_quantity(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, QuantityChanged)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    line = next((line for line in draft.lines if line.product_id == event.product_id), None)
    if line is None:
        return _stale(draft)
    quantity = line.quantity + event.delta
    if quantity > QUANTITY_MAX:
        return _ask(draft, Problem.QUANTITY_LIMIT)
    if quantity < 1:
        return _with_lines(draft, _without(draft.lines, line.product_id))
    changed = dataclasses.replace(line, quantity=quantity)
    lines = tuple(changed if x.product_id == line.product_id else x for x in draft.lines)
    return _with_lines(draft, lines)


def _remove_line(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, LineRemoved)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    if all(line.product_id != event.product_id for line in draft.lines):
        return _stale(draft)
    return _with_lines(draft, _without(draft.lines, event.product_id))


def _clear_cart(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, CartCleared)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    return _with_lines(draft, ())


def _without(lines: tuple[CartLine, ...], product_id: int) -> tuple[CartLine, ...]:
    return tuple(line for line in lines if line.product_id != product_id)


def _with_lines(draft: Draft, lines: tuple[CartLine, ...]) -> Outcome:
    """The cart with new lines; an emptied cart goes back to the catalogue."""
    if not lines:
        browsing = dataclasses.replace(draft, step=Step.PRODUCT, lines=())
        return _ask(browsing, Problem.CART_EMPTY)
    return _show(dataclasses.replace(draft, step=Step.CART, lines=lines))


def _add_more(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, AddMore)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    return _show(dataclasses.replace(draft, step=Step.PRODUCT, pending=None))


def _checkout(draft: Draft, event: Event, rules: Rules) -> Outcome:
    """The questions without answers; a returning customer is offered the previous details."""
    assert isinstance(event, Checkout)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    if not draft.lines:
        return _ask(dataclasses.replace(draft, step=Step.PRODUCT), Problem.CART_EMPTY)
    if event.questions:
        draft = dataclasses.replace(draft, questions=event.questions)
    missing = answers_missing(draft)
    contacts = [draft.contact_question(kind) for kind in _CONTACT_STEPS]
    asked = [q for q in contacts if q is not None]
    if event.saved is not None and asked and all(q in missing for q in asked):
        reuse = dataclasses.replace(draft, step=Step.REUSE, asking=None)
        return Outcome(reuse, (Ask(reuse, Step.REUSE, saved=event.saved),))
    return _show(_next_question(draft))


def _saved_details(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, SavedDetailsAnswered)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    if not event.use or event.saved is None:
        return _show(_next_question(draft))
    saved: Contacts = event.saved
    filled = draft
    for kind, value in zip(_CONTACT_STEPS, (saved.name, saved.phone, saved.email), strict=True):
        question = draft.contact_question(kind)
        if question is not None:
            filled = filled.with_answer(question, value)
    filled = _next_question(filled)
    return Outcome(filled, (Notice(NoticeKind.DETAILS_REUSED), current_screen(filled)))


def _edit_answer(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, EditAnswer)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    question: Question | None = None
    if isinstance(event.question, Step):
        kind = next((k for k, s in _CONTACT_STEPS.items() if s is event.question), None)
        question = None if kind is None else draft.contact_question(kind)
    elif 1 <= event.question <= len(draft.form):
        question = draft.form[event.question - 1]
    if question is None:
        return _stale(draft)
    return _show(_asking(draft, question))


# --- the summary and placing -------------------------------------------------------------------


def _confirm(draft: Draft, event: Event, rules: Rules) -> Outcome:
    assert isinstance(event, Confirm)
    if event.draft_id != draft.draft_id:
        return _stale(draft)
    if event.current is not None:
        lines, gone = reprice(draft.lines, event.current)
        if not lines:
            browsing = dataclasses.replace(draft, step=Step.PRODUCT, lines=())
            return _ask(browsing, Problem.PRODUCTS_GONE)
        if lines != draft.lines:
            changed = dataclasses.replace(draft, lines=lines)
            problem = Problem.PRODUCTS_GONE if gone else Problem.PRICES_CHANGED
            return Outcome(changed, (Summary(changed, problem),))
    placing = dataclasses.replace(draft, step=Step.PLACING)
    return Outcome(placing, (Notice(NoticeKind.PLACING),), (PlaceOrder(order_request(draft)),))


def reprice(
    lines: tuple[CartLine, ...], current: Sequence[Product]
) -> tuple[tuple[CartLine, ...], bool]:
    """The lines at the shop's current prices, and whether some product is gone (left out)."""
    by_id = {product.id: product for product in current if product.price is not None}
    kept = tuple(
        dataclasses.replace(line, unit_price=by_id[line.product_id].price)
        for line in lines
        if line.product_id in by_id
    )
    return kept, len(kept) < len(lines)


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
    (Step.PRODUCT, PageChosen): _page,
    (Step.PRODUCT, ProductChosen): _product,
    (Step.PRODUCT, CartOpened): _open_cart,
    (Step.PRODUCT, TextEntered): _use_buttons,
    (Step.QUANTITY, QuantityChosen): _quantity,
    (Step.QUANTITY, TextEntered): _quantity,
    (Step.QUANTITY, PageChosen): _page,
    (Step.CART, QuantityChanged): _change_quantity,
    (Step.CART, LineRemoved): _remove_line,
    (Step.CART, CartCleared): _clear_cart,
    (Step.CART, AddMore): _add_more,
    (Step.CART, Checkout): _checkout,
    (Step.CART, TextEntered): _use_buttons,
    (Step.REUSE, SavedDetailsAnswered): _saved_details,
    (Step.REUSE, TextEntered): _use_buttons,
    **{(s, TextEntered): _answer_text for s in ANSWER_STEPS},
    **{(s, QuestionSkipped): _skip for s in ANSWER_STEPS},
    **{(s, OptionChosen): _option for s in ANSWER_STEPS},
    (Step.PHONE, ContactShared): _phone_contact,
    (Step.QUESTION, ContactShared): _phone_contact,
    (Step.CONFIRM, Confirm): _confirm,
    (Step.CONFIRM, EditAnswer): _edit_answer,
    (Step.CONFIRM, CartOpened): _open_cart,
    (Step.CONFIRM, CancelTapped): _cancel_tapped,
    (Step.CONFIRM, TextEntered): _use_buttons,
    (Step.PLACING, Confirm): _already_submitted,
    (Step.PLACING, OrderPlaced): _placed,
    (Step.PLACING, PlacementFailed): _failed,
    **{(s, Back): _back for s in (*QUESTION_STEPS, Step.CONFIRM) if s is not Step.PRODUCT},
    **{(s, NonText): _text_expected for s in (*ANSWER_STEPS, Step.QUANTITY)},
}


def step(draft: Draft | None, event: Event, rules: Rules) -> Outcome:
    """Apply one event to a chat's draft."""
    if isinstance(event, Start):
        return _start(draft, event)
    if (
        draft is not None
        and draft.step is Step.DONE
        and isinstance(event, Confirm)
        and event.draft_id == draft.draft_id
    ):
        return Outcome(draft, (Notice(NoticeKind.ALREADY_SUBMITTED),))
    if draft is None or not draft.is_open:
        if isinstance(event, Tap):
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
    if isinstance(event, Tap):
        return _stale(draft)
    if isinstance(event, Back):
        return _ask(draft, Problem.NOTHING_TO_GO_BACK_TO)
    return _ask(draft)


def linked_product_id(payload: str | None) -> int | None:
    """The product id of a deep link's start parameter ("p15"), if it is one."""
    match = _PRODUCT_LINK.fullmatch(payload or "")
    return int(match[1]) if match else None


def _start(draft: Draft | None, event: Start) -> Outcome:
    linked = linked_product_id(event.payload)
    if draft is not None and draft.is_open:
        customer = dataclasses.replace(draft.customer, language=event.customer.language)
        resumed = dataclasses.replace(draft, customer=customer)
        if linked is None or draft.step is Step.PLACING:
            return Outcome(resumed, (Notice(NoticeKind.RESUMED), current_screen(resumed)))
        return _open_linked(resumed, event.product)
    new = Draft(
        chat_id=event.chat_id, draft_id=event.draft_id, customer=event.customer, step=Step.PRODUCT
    )
    if linked is None:
        return Outcome(new, (Notice(NoticeKind.WELCOME), current_screen(new)))
    opened = _open_linked(new, event.product)
    return Outcome(opened.draft, (Notice(NoticeKind.WELCOME), *opened.screens))


def _open_linked(draft: Draft, product: Product | None) -> Outcome:
    """A deep link's product card; the catalogue when the product cannot be ordered."""
    if product is None or product.price is None:
        browsing = dataclasses.replace(draft, step=Step.PRODUCT, pending=None)
        return _ask(browsing, Problem.PRODUCT_UNAVAILABLE)
    return _show(dataclasses.replace(draft, step=Step.QUANTITY, pending=product))


def page_count(products: Sequence[Product]) -> int:
    return max(1, -(-len(products) // PAGE_SIZE))


def page_of(products: Sequence[Product], page: int) -> tuple[int, tuple[Product, ...]]:
    """The page (clamped to the catalogue) and its products."""
    page = min(max(page, 0), page_count(products) - 1)
    return page, tuple(products[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])


def retitled(draft: Draft, questions: Sequence[Question], products: Sequence[Product]) -> Draft:
    """The draft with the titles of `questions` and `products` (read in another language).

    Only titles change: a question or option keeps its marker, value and checks, a cart line
    its quantity and price; a question, option or product that is not given keeps its title.
    """
    by_marker = {question.marker: question for question in questions}
    form = tuple(_retitled_question(q, by_marker.get(q.marker)) for q in draft.questions)
    by_id = {product.id: product for product in products}
    lines = tuple(
        dataclasses.replace(line, title=by_id[line.product_id].title)
        if line.product_id in by_id
        else line
        for line in draft.lines
    )
    pending = draft.pending
    if pending is not None and pending.id in by_id:
        pending = dataclasses.replace(pending, title=by_id[pending.id].title)
    return dataclasses.replace(draft, questions=form, lines=lines, pending=pending)


def _retitled_question(question: Question, new: Question | None) -> Question:
    if new is None:
        return question
    titles = {option.value: option.title for option in new.options}
    options = tuple(
        dataclasses.replace(option, title=titles.get(option.value, option.title))
        for option in question.options
    )
    return dataclasses.replace(question, title=new.title, options=options)


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
    """Every answer of the draft's form, in its order; skipped ones are left out."""
    assert not answers_missing(draft), "CONFIRM is reached only with all answers"
    answers = tuple(
        Answer(question, value) for question in draft.form if (value := draft.answer(question))
    )
    return OrderRequest(
        draft.draft_id,
        draft.name or "",
        draft.phone or "",
        draft.email or "",
        draft.lines,
        answers,
    )
