"""The conversation state machine, alone: no Telegram, no OneEntry, no database."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from bot.contact_rules import ContactRules
from bot.ordering.conversation import PAGE_SIZE, TRANSITIONS, Outcome, page_of, retitled, step
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
    OrderPlaced,
    PageChosen,
    PlacementFailed,
    ProductChosen,
    QuantityChanged,
    QuantityChosen,
    SavedDetailsAnswered,
    Start,
    TextEntered,
    UnknownButton,
)
from bot.ordering.model import (
    CartLine,
    Contacts,
    Customer,
    Draft,
    FieldKind,
    Money,
    Option,
    PlacedOrder,
    Product,
    Question,
    Step,
)
from bot.ordering.screens import (
    Ask,
    Notice,
    NoticeKind,
    OrderConfirmed,
    PlaceOrder,
    Problem,
    Summary,
)

RULES = ContactRules("US")
CUP = Product(15, "Cup", Decimal("400"))
TEA = Product(20, "Tea", Decimal("300"))
SAVED = Contacts("Christina Thomas", "+18005000500", "guest@yourmail.com")
CUSTOMER = Customer(42, "Christina", "chris", "en")


def run(events: list[Event], draft: Draft | None = None) -> Outcome:
    outcome = Outcome(draft)
    for event in events:
        outcome = step(outcome.draft, event, RULES)
    return outcome


def at(step_: Step, **fields: object) -> Draft:
    draft = Draft(42, "d1", CUSTOMER, Step.NAME)
    return dataclasses.replace(draft, step=step_, **fields)  # type: ignore[arg-type]


def confirm_draft() -> Draft:
    return at(
        Step.CONFIRM,
        name="Christina Thomas",
        phone="+18005000500",
        email="guest@yourmail.com",
        lines=(CartLine(15, "Cup", 1, Decimal("400")),),
    )


def test_a_whole_order_walks_from_start_to_the_summary() -> None:
    """Product, quantity, checkout, name, phone and email lead to a summary of all of them."""
    outcome = run(
        [
            Start(42, CUSTOMER, "d1"),
            ProductChosen("d1", CUP),
            QuantityChosen("d1", 2),
            Checkout("d1"),
            TextEntered("  Christina   Thomas "),
            TextEntered("+1 800 500 0500"),
            TextEntered("guest@yourmail.com"),
        ]
    )
    draft = outcome.draft
    assert draft is not None and draft.step is Step.CONFIRM
    assert (draft.name, draft.phone, draft.email) == (
        "Christina Thomas",
        "+18005000500",
        "guest@yourmail.com",
    )
    assert draft.lines == (CartLine(15, "Cup", 2, Decimal("400")),)
    assert outcome.screens == (Summary(draft),)


def test_start_begins_with_a_welcome_and_the_catalogue() -> None:
    """A new customer is greeted and shown the shop."""
    outcome = step(None, Start(42, CUSTOMER, "d1"), RULES)
    assert outcome.draft == Draft(42, "d1", CUSTOMER, Step.PRODUCT)
    assert outcome.screens == (Notice(NoticeKind.WELCOME), Ask(outcome.draft, Step.PRODUCT))


def test_start_during_an_open_draft_resumes_it() -> None:
    """/start in the middle of an order continues it instead of throwing the answers away."""
    draft = at(Step.EMAIL, name="Ann", phone="+18005000500")
    outcome = step(draft, Start(42, CUSTOMER, "other"), RULES)
    assert outcome.draft is not None and outcome.draft.draft_id == "d1"
    assert outcome.screens[0] == Notice(NoticeKind.RESUMED)
    assert isinstance(outcome.screens[1], Ask) and outcome.screens[1].question is Step.EMAIL


def test_start_after_a_finished_order_begins_a_new_draft() -> None:
    """Once an order is placed, /start opens a fresh draft with a new id."""
    outcome = step(at(Step.DONE), Start(42, CUSTOMER, "d2"), RULES)
    assert outcome.draft is not None
    assert (outcome.draft.draft_id, outcome.draft.step) == ("d2", Step.PRODUCT)


@pytest.mark.parametrize("text", ["", "   ", "A", "<b>*_[", "12345", "x" * 65])
def test_an_unusable_name_is_asked_again_with_a_reason(text: str) -> None:
    """Empty, one-letter, letterless or overlong names get a clear message and the same question."""
    draft = at(Step.NAME)
    outcome = step(draft, TextEntered(text), RULES)
    if text == "<b>*_[":  # has a letter: accepted as typed, escaped when shown
        assert outcome.draft is not None and outcome.draft.name == "<b>*_["
        return
    assert outcome.draft == draft
    assert outcome.screens == (Ask(draft, Step.NAME, Problem.BAD_NAME),)


@pytest.mark.parametrize("text", ["12345", "call me", "+1 800", "++1800500050000000"])
def test_a_bad_phone_is_asked_again(text: str) -> None:
    """Implausible numbers keep the draft at the phone question, with a reason."""
    draft = at(Step.PHONE, name="Ann")
    outcome = step(draft, TextEntered(text), RULES)
    assert outcome.draft == draft
    assert outcome.screens == (Ask(draft, Step.PHONE, Problem.BAD_PHONE),)


@pytest.mark.parametrize("text", ["(800) 500-0500", "+1 800 500 0500", "18005000500"])
def test_typed_phones_in_local_formats_are_stored_in_e164(text: str) -> None:
    """The default region lets people type their number the way they are used to."""
    outcome = step(at(Step.PHONE, name="Ann"), TextEntered(text), RULES)
    assert outcome.draft is not None and outcome.draft.phone == "+18005000500"


@pytest.mark.parametrize("phone", ["18005000500", "+18005000500"])
def test_a_shared_own_contact_is_accepted_with_or_without_plus(phone: str) -> None:
    """Telegram clients differ on the leading +; both become E.164."""
    outcome = step(at(Step.PHONE, name="Ann"), ContactShared(phone, own=True), RULES)
    assert outcome.draft is not None
    assert (outcome.draft.step, outcome.draft.phone) == (Step.EMAIL, "+18005000500")


def test_someone_elses_contact_is_refused() -> None:
    """A forwarded contact of another person does not become the customer's phone."""
    draft = at(Step.PHONE, name="Ann")
    outcome = step(draft, ContactShared("+18005000500", own=False), RULES)
    assert outcome.draft == draft
    assert outcome.screens == (Ask(draft, Step.PHONE, Problem.NOT_OWN_CONTACT),)


@pytest.mark.parametrize("text", ["guest", "guest@", "@yourmail.com", "a b@c.com"])
def test_a_bad_email_is_asked_again(text: str) -> None:
    """Addresses email-validator rejects keep the draft at the e-mail question."""
    draft = at(Step.EMAIL, name="Ann", phone="+18005000500")
    outcome = step(draft, TextEntered(text), RULES)
    assert outcome.draft == draft
    assert outcome.screens == (Ask(draft, Step.EMAIL, Problem.BAD_EMAIL),)


def test_a_sticker_where_text_is_expected_gets_a_clear_answer() -> None:
    """Non-text messages change nothing and say what is expected."""
    for current in (Step.NAME, Step.PHONE, Step.EMAIL, Step.QUANTITY):
        draft = at(current, pending=CUP)
        outcome = step(draft, NonText(), RULES)
        assert outcome.draft == draft
        assert outcome.screens == (Ask(draft, current, Problem.TEXT_EXPECTED),)


@pytest.mark.parametrize("text", ["0", "100", "-1", "two", "1.5", "99999"])
def test_a_quantity_outside_1_to_99_is_asked_again(text: str) -> None:
    """Quantities are whole numbers within a sane bound."""
    draft = at(Step.QUANTITY, pending=CUP)
    outcome = step(draft, TextEntered(text), RULES)
    assert outcome.draft == draft
    assert outcome.screens == (Ask(draft, Step.QUANTITY, Problem.BAD_QUANTITY),)


def test_adding_the_same_product_again_adds_to_its_line() -> None:
    """The cart keeps one line per product."""
    draft = confirm_draft()
    outcome = run(
        [CartOpened("d1"), AddMore("d1"), ProductChosen("d1", CUP), TextEntered("3")], draft
    )
    assert outcome.draft is not None and outcome.draft.step is Step.CART
    assert outcome.draft.lines == (CartLine(15, "Cup", 4, Decimal("400")),)


def test_adding_more_than_a_line_can_hold_says_the_cart_was_capped() -> None:
    """50 in the cart and 60 more: the line holds 99 and the customer is told so."""
    draft = at(Step.QUANTITY, pending=CUP, lines=(CartLine(15, "Cup", 50, Decimal("400")),))
    outcome = step(draft, TextEntered("60"), RULES)
    capped = at(Step.CART, lines=(CartLine(15, "Cup", 99, Decimal("400")),))
    assert outcome.draft == capped
    assert outcome.screens == (Ask(capped, Step.CART, Problem.QUANTITY_LIMIT),)


def test_retitled_changes_only_the_titles_of_the_form_and_the_cart() -> None:
    """Another language's titles; answers, values, checks, quantities and prices are kept."""
    delivery = Question(
        "delivery", "Delivery", FieldKind.CHOICE, False, (Option("p", "Pickup"), Option("c", "C"))
    )
    draft = at(
        Step.QUESTION,
        asking="delivery",
        questions=(Question("comment", "Comment", required=False), delivery),
        answers={"comment": "hi"},
        lines=(CartLine(15, "Cup", 3, Decimal("400")), CartLine(20, "Tea", 1, Decimal("300"))),
        pending=CUP,
    )
    russian = (
        dataclasses.replace(delivery, title="Доставка", options=(Option("p", "Самовывоз"),)),
    )
    products = (Product(15, "Чашка", Decimal("999")),)
    new = retitled(draft, russian, products)
    assert [q.title for q in new.questions] == ["Comment", "Доставка"]
    assert new.questions[1].options == (Option("p", "Самовывоз"), Option("c", "C"))
    assert new.lines == (
        CartLine(15, "Чашка", 3, Decimal("400")),
        CartLine(20, "Tea", 1, Decimal("300")),
    )
    assert new.pending == Product(15, "Чашка", Decimal("400"))
    assert dataclasses.replace(new, questions=draft.questions, lines=draft.lines, pending=CUP) == (
        draft
    )


def test_a_product_without_a_price_or_gone_is_refused() -> None:
    """A product that vanished or has no price cannot go into the cart."""
    draft = at(Step.PRODUCT)
    for product in (None, Product(16, "Free?", None)):
        outcome = step(draft, ProductChosen("d1", product), RULES)
        assert outcome.draft == draft
        assert outcome.screens == (Ask(draft, Step.PRODUCT, Problem.PRODUCT_UNAVAILABLE),)


def test_confirm_asks_to_place_exactly_the_summary() -> None:
    """Confirm moves to PLACING with one PlaceOrder effect carrying the answers and the cart."""
    draft = confirm_draft()
    outcome = step(draft, Confirm("d1"), RULES)
    assert outcome.draft == dataclasses.replace(draft, step=Step.PLACING)
    (effect,) = outcome.effects
    assert isinstance(effect, PlaceOrder)
    assert effect.request.lines == draft.lines and effect.request.email == "guest@yourmail.com"


def test_a_second_confirm_while_placing_places_nothing() -> None:
    """A double tap on Confirm is answered, not placed twice."""
    placing = dataclasses.replace(confirm_draft(), step=Step.PLACING)
    outcome = step(placing, Confirm("d1"), RULES)
    assert outcome.effects == ()
    assert outcome.screens == (Notice(NoticeKind.ALREADY_SUBMITTED),)


def test_the_placed_order_is_shown_and_the_draft_is_done() -> None:
    """OrderPlaced ends the draft and shows the confirmation."""
    order = PlacedOrder(
        113, Money(Decimal("400"), "USD"), "guest_upcoming", "Upcoming", 62, "waiting", None
    )
    placing = dataclasses.replace(confirm_draft(), step=Step.PLACING)
    outcome = step(placing, OrderPlaced(order), RULES)
    assert outcome.draft is not None and outcome.draft.step is Step.DONE
    assert outcome.screens == (OrderConfirmed(order),)


@pytest.mark.parametrize("problem", [Problem.PLACEMENT_GAVE_UP, Problem.ORDER_REJECTED])
def test_a_failed_placement_returns_to_the_summary(problem: Problem) -> None:
    """The draft is kept and can be confirmed again."""
    placing = dataclasses.replace(confirm_draft(), step=Step.PLACING)
    outcome = step(placing, PlacementFailed(problem, "detail"), RULES)
    assert outcome.draft == confirm_draft()
    assert outcome.screens == (Summary(confirm_draft(), problem, "detail"),)


@pytest.mark.parametrize(
    "event",
    [
        Confirm("old"),
        CancelTapped("old"),
        AddMore("old"),
        QuantityChosen("old", 1),
        UnknownButton(),
    ],
)
def test_a_stale_button_changes_nothing(event: Event) -> None:
    """Buttons of another draft or of another step are refused and the current step is shown."""
    draft = confirm_draft()
    outcome = step(draft, event, RULES)
    assert outcome.draft == draft and outcome.effects == ()
    assert outcome.screens[0] == Notice(NoticeKind.STALE_BUTTON)


def test_a_button_of_an_earlier_step_is_stale() -> None:
    """A quantity button tapped at the summary does not change the cart."""
    draft = confirm_draft()
    outcome = step(draft, QuantityChosen("d1", 5), RULES)
    assert outcome.draft == draft
    assert outcome.screens == (Notice(NoticeKind.STALE_BUTTON), Summary(draft))


def test_cancel_works_at_every_open_step_except_placing() -> None:
    """/cancel always has a way out, but cannot pull back an order being placed."""
    for current in (Step.NAME, Step.PHONE, Step.EMAIL, Step.PRODUCT, Step.QUANTITY, Step.CONFIRM):
        outcome = step(at(current), Cancel(), RULES)
        assert outcome.draft is not None and outcome.draft.step is Step.CANCELLED
        assert outcome.screens == (Notice(NoticeKind.CANCELLED),)
    placing = step(at(Step.PLACING), Cancel(), RULES)
    assert placing.draft == at(Step.PLACING)


def test_help_repeats_the_current_question() -> None:
    """/help explains and then shows where the customer is."""
    draft = at(Step.EMAIL)
    outcome = step(draft, Help(), RULES)
    assert outcome.screens == (Notice(NoticeKind.HELP), Ask(draft, Step.EMAIL))


def test_without_a_draft_every_message_points_to_start() -> None:
    """Free text before /start gets a helpful reply, never silence."""
    for event in (TextEntered("hi"), NonText(), Cancel(), ContactShared("+1", True)):
        outcome = step(None, event, RULES)
        assert outcome.draft is None
        assert Notice(NoticeKind.NO_DRAFT) in outcome.screens


def test_every_pair_outside_the_table_leaves_the_draft_unchanged() -> None:
    """An illegal event changes nothing, whatever the step."""
    events: list[Event] = [TextEntered("x"), ContactShared("+18005000500", True), NonText()]
    for current in Step:
        draft = at(current, pending=CUP)
        for event in events:
            if (current, type(event)) in TRANSITIONS or not draft.is_open:
                continue
            assert step(draft, event, RULES).draft == draft


def test_an_edited_message_never_answers_a_question() -> None:
    """At every open step an edit leaves the draft as it was and says how to correct an answer."""
    for current in Step:
        draft = at(current, pending=CUP)
        outcome = step(draft, MessageEdited(), RULES)
        assert outcome.draft == draft and outcome.effects == ()
        if draft.is_open:
            assert outcome.screens == (Notice(NoticeKind.EDIT_IGNORED),)
        else:
            assert outcome.screens == ()


def test_confirm_of_a_placed_draft_says_it_was_already_submitted() -> None:
    """A late second tap on Confirm is answered truthfully, not as an unknown button."""
    done = at(Step.DONE)
    outcome = step(done, Confirm(done.draft_id), RULES)
    assert outcome.draft == done and outcome.effects == ()
    assert outcome.screens == (Notice(NoticeKind.ALREADY_SUBMITTED),)
    other = step(done, Confirm("another-draft"), RULES)
    assert other.screens[0] == Notice(NoticeKind.STALE_BUTTON)


# --- the shop, the cart, checkout and the summary -----------------------------------------------

CUP_LINE = CartLine(15, "Cup", 1, Decimal("400"))
TEA_LINE = CartLine(20, "Tea", 2, Decimal("300"))
ANSWERS = {"name": SAVED.name, "phone": SAVED.phone, "email": SAVED.email}


def in_cart(*lines: CartLine, **fields: object) -> Draft:
    return at(Step.CART, lines=lines, **fields)


# (what happens, draft, event, the draft's step after it, its lines after it, the first screen)
SHOP_TRANSITIONS: list[tuple[str, Draft, Event, Step, tuple[CartLine, ...], object]] = [
    (
        "next page",
        at(Step.PRODUCT),
        PageChosen("d1", 1),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT, page=1),
    ),
    (
        "back to the catalogue from a product card",
        at(Step.QUANTITY, pending=CUP),
        PageChosen("d1", 0),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT),
    ),
    (
        "a product opens its card",
        at(Step.PRODUCT),
        ProductChosen("d1", CUP),
        Step.QUANTITY,
        (),
        Ask(at(Step.QUANTITY, pending=CUP), Step.QUANTITY),
    ),
    (
        "a quantity puts the product in the cart",
        at(Step.QUANTITY, pending=TEA),
        QuantityChosen("d1", 2),
        Step.CART,
        (TEA_LINE,),
        Ask(in_cart(TEA_LINE), Step.CART),
    ),
    (
        "a second product gets its own line",
        at(Step.QUANTITY, pending=TEA, lines=(CUP_LINE,)),
        TextEntered("2"),
        Step.CART,
        (CUP_LINE, TEA_LINE),
        Ask(in_cart(CUP_LINE, TEA_LINE), Step.CART),
    ),
    (
        "the cart button of the catalogue",
        at(Step.PRODUCT, lines=(CUP_LINE,)),
        CartOpened("d1"),
        Step.CART,
        (CUP_LINE,),
        Ask(in_cart(CUP_LINE), Step.CART),
    ),
    (
        "an empty cart cannot be opened",
        at(Step.PRODUCT),
        CartOpened("d1"),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT, Problem.CART_EMPTY),
    ),
    (
        "plus one",
        in_cart(CUP_LINE),
        QuantityChanged("d1", 15, +1),
        Step.CART,
        (dataclasses.replace(CUP_LINE, quantity=2),),
        Ask(in_cart(dataclasses.replace(CUP_LINE, quantity=2)), Step.CART),
    ),
    (
        "minus one",
        in_cart(TEA_LINE),
        QuantityChanged("d1", 20, -1),
        Step.CART,
        (dataclasses.replace(TEA_LINE, quantity=1),),
        Ask(in_cart(dataclasses.replace(TEA_LINE, quantity=1)), Step.CART),
    ),
    (
        "minus below one removes the line",
        in_cart(CUP_LINE, TEA_LINE),
        QuantityChanged("d1", 15, -1),
        Step.CART,
        (TEA_LINE,),
        Ask(in_cart(TEA_LINE), Step.CART),
    ),
    (
        "plus beyond 99 is refused",
        in_cart(dataclasses.replace(CUP_LINE, quantity=99)),
        QuantityChanged("d1", 15, +1),
        Step.CART,
        (dataclasses.replace(CUP_LINE, quantity=99),),
        Ask(in_cart(dataclasses.replace(CUP_LINE, quantity=99)), Step.CART, Problem.QUANTITY_LIMIT),
    ),
    (
        "remove a line",
        in_cart(CUP_LINE, TEA_LINE),
        LineRemoved("d1", 20),
        Step.CART,
        (CUP_LINE,),
        Ask(in_cart(CUP_LINE), Step.CART),
    ),
    (
        "removing the last line goes back to the catalogue",
        in_cart(CUP_LINE),
        LineRemoved("d1", 15),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT, Problem.CART_EMPTY),
    ),
    (
        "clear the cart",
        in_cart(CUP_LINE, TEA_LINE),
        CartCleared("d1"),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT, Problem.CART_EMPTY),
    ),
    (
        "add more products",
        in_cart(CUP_LINE),
        AddMore("d1"),
        Step.PRODUCT,
        (CUP_LINE,),
        Ask(at(Step.PRODUCT, lines=(CUP_LINE,)), Step.PRODUCT),
    ),
    (
        "checkout asks the first question",
        in_cart(CUP_LINE),
        Checkout("d1"),
        Step.NAME,
        (CUP_LINE,),
        Ask(at(Step.NAME, lines=(CUP_LINE,)), Step.NAME),
    ),
    (
        "checkout of a returning customer offers the previous details",
        in_cart(CUP_LINE),
        Checkout("d1", SAVED),
        Step.REUSE,
        (CUP_LINE,),
        Ask(at(Step.REUSE, lines=(CUP_LINE,)), Step.REUSE, saved=SAVED),
    ),
    (
        "checkout with every answer goes to the summary",
        in_cart(CUP_LINE, **ANSWERS),
        Checkout("d1", SAVED),
        Step.CONFIRM,
        (CUP_LINE,),
        Summary(at(Step.CONFIRM, lines=(CUP_LINE,), **ANSWERS)),
    ),
    (
        "yes, the same details",
        at(Step.REUSE, lines=(CUP_LINE,)),
        SavedDetailsAnswered("d1", True, SAVED),
        Step.CONFIRM,
        (CUP_LINE,),
        Notice(NoticeKind.DETAILS_REUSED),
    ),
    (
        "no, new details",
        at(Step.REUSE, lines=(CUP_LINE,)),
        SavedDetailsAnswered("d1", False),
        Step.NAME,
        (CUP_LINE,),
        Ask(at(Step.NAME, lines=(CUP_LINE,)), Step.NAME),
    ),
    (
        "change the cart from the summary",
        confirm_draft(),
        CartOpened("d1"),
        Step.CART,
        confirm_draft().lines,
        Ask(dataclasses.replace(confirm_draft(), step=Step.CART), Step.CART),
    ),
    (
        "back from a product card",
        at(Step.QUANTITY, pending=CUP),
        Back(),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT),
    ),
    (
        "back from the cart",
        in_cart(CUP_LINE),
        Back(),
        Step.PRODUCT,
        (CUP_LINE,),
        Ask(at(Step.PRODUCT, lines=(CUP_LINE,)), Step.PRODUCT),
    ),
    (
        "back from the name goes to the cart",
        at(Step.NAME, lines=(CUP_LINE,)),
        Back(),
        Step.CART,
        (CUP_LINE,),
        Ask(in_cart(CUP_LINE), Step.CART),
    ),
    (
        "back from the e-mail goes to the phone",
        at(Step.EMAIL, name="Ann", phone="+18005000500"),
        Back(),
        Step.PHONE,
        (),
        Ask(at(Step.PHONE, name="Ann", phone="+18005000500"), Step.PHONE),
    ),
    (
        "back from the summary goes to the cart",
        confirm_draft(),
        Back(),
        Step.CART,
        confirm_draft().lines,
        Ask(dataclasses.replace(confirm_draft(), step=Step.CART), Step.CART),
    ),
    (
        "back in the catalogue has nowhere to go",
        at(Step.PRODUCT),
        Back(),
        Step.PRODUCT,
        (),
        Ask(at(Step.PRODUCT), Step.PRODUCT, Problem.NOTHING_TO_GO_BACK_TO),
    ),
]


@pytest.mark.parametrize(
    ("draft", "event", "after", "lines", "screen"),
    [case[1:] for case in SHOP_TRANSITIONS],
    ids=[case[0] for case in SHOP_TRANSITIONS],
)
def test_each_shop_transition_leads_to_its_step_and_screen(
    draft: Draft, event: Event, after: Step, lines: tuple[CartLine, ...], screen: object
) -> None:
    """Catalogue, card, cart, checkout, reuse and back: the step, the cart and what is shown."""
    outcome = step(draft, event, RULES)
    assert outcome.draft is not None
    assert (outcome.draft.step, outcome.draft.lines) == (after, lines)
    assert outcome.screens[0] == screen
    assert outcome.effects == ()


def test_reusing_the_previous_details_fills_every_answer() -> None:
    """Yes takes name, phone and e-mail of the previous order and shows the summary."""
    outcome = step(
        at(Step.REUSE, lines=(CUP_LINE,)), SavedDetailsAnswered("d1", True, SAVED), RULES
    )
    assert outcome.draft is not None
    assert (outcome.draft.name, outcome.draft.phone, outcome.draft.email) == (
        SAVED.name,
        SAVED.phone,
        SAVED.email,
    )
    assert outcome.screens[1] == Summary(outcome.draft)


@pytest.mark.parametrize(
    ("question", "answer", "field", "value"),
    [
        (Step.NAME, TextEntered("Ann Lee"), "name", "Ann Lee"),
        (Step.PHONE, TextEntered("+1 800 500 0501"), "phone", "+18005000501"),
        (Step.PHONE, ContactShared("18005000501", own=True), "phone", "+18005000501"),
        (Step.EMAIL, TextEntered("ann@yourmail.com"), "email", "ann@yourmail.com"),
    ],
)
def test_an_answer_changed_from_the_summary_leads_back_to_it(
    question: Step, answer: Event, field: str, value: str
) -> None:
    """Edit, answer, and the summary is shown again with only that answer changed."""
    outcome = run([EditAnswer("d1", question), answer], confirm_draft())
    expected = dataclasses.replace(confirm_draft(), **{field: value})  # type: ignore[arg-type]
    assert outcome.draft == expected
    assert outcome.screens == (Summary(expected),)


def test_back_from_an_edited_answer_returns_to_the_summary_unchanged() -> None:
    """/back while changing an answer keeps the old one."""
    outcome = run([EditAnswer("d1", Step.PHONE), Back()], confirm_draft())
    assert outcome.draft == confirm_draft()
    assert outcome.screens == (Summary(confirm_draft()),)


def test_confirm_at_changed_prices_shows_the_new_total_and_places_nothing() -> None:
    """A price changed since the cart: the summary is shown again at the new price."""
    draft = confirm_draft()
    outcome = step(draft, Confirm("d1", (Product(15, "Cup", Decimal("420")),)), RULES)
    repriced = dataclasses.replace(draft, lines=(CartLine(15, "Cup", 1, Decimal("420")),))
    assert outcome.draft == repriced and outcome.effects == ()
    assert outcome.screens == (Summary(repriced, Problem.PRICES_CHANGED),)
    again = step(repriced, Confirm("d1", (Product(15, "Cup", Decimal("420")),)), RULES)
    assert again.draft is not None and again.draft.step is Step.PLACING
    (effect,) = again.effects
    assert isinstance(effect, PlaceOrder) and effect.request.lines == repriced.lines


def test_confirm_with_a_product_gone_takes_it_out_and_asks_again() -> None:
    """A product no longer for sale leaves the cart; with nothing left, back to the catalogue."""
    draft = dataclasses.replace(confirm_draft(), lines=(CUP_LINE, TEA_LINE))
    outcome = step(draft, Confirm("d1", (CUP,)), RULES)
    assert outcome.draft == dataclasses.replace(draft, lines=(CUP_LINE,))
    assert outcome.screens == (Summary(outcome.draft, Problem.PRODUCTS_GONE),)
    emptied = step(draft, Confirm("d1", ()), RULES)
    assert emptied.draft is not None and emptied.draft.step is Step.PRODUCT
    assert emptied.draft.lines == () and emptied.effects == ()


def test_a_deep_link_opens_the_products_card() -> None:
    """/start p15 with the product found: a new draft at its card."""
    outcome = step(None, Start(42, CUSTOMER, "d1", "p15", CUP), RULES)
    assert outcome.draft == Draft(42, "d1", CUSTOMER, Step.QUANTITY, pending=CUP)
    assert outcome.screens == (Notice(NoticeKind.WELCOME), Ask(outcome.draft, Step.QUANTITY))


def test_a_deep_link_during_an_open_draft_keeps_its_cart_and_answers() -> None:
    """The link's product card opens; the cart and the answers stay."""
    outcome = step(confirm_draft(), Start(42, CUSTOMER, "d9", "p20", TEA), RULES)
    assert outcome.draft == dataclasses.replace(confirm_draft(), step=Step.QUANTITY, pending=TEA)


@pytest.mark.parametrize("payload", ["p999", "p21"])
def test_a_deep_link_to_a_product_not_for_sale_shows_the_catalogue(payload: str) -> None:
    """Unknown or hidden: the catalogue with a reason."""
    outcome = step(None, Start(42, CUSTOMER, "d1", payload, None), RULES)
    assert outcome.draft == Draft(42, "d1", CUSTOMER, Step.PRODUCT)
    assert outcome.screens[1] == Ask(outcome.draft, Step.PRODUCT, Problem.PRODUCT_UNAVAILABLE)


@pytest.mark.parametrize(
    ("draft", "event"),
    [
        (at(Step.PRODUCT), QuantityChanged("d1", 15, 1)),
        (at(Step.PRODUCT), Checkout("d1")),
        (in_cart(CUP_LINE), ProductChosen("d1", CUP)),
        (in_cart(CUP_LINE), QuantityChosen("d1", 3)),
        (in_cart(CUP_LINE), Confirm("d1")),
        (in_cart(CUP_LINE), QuantityChanged("old", 15, 1)),
        (in_cart(CUP_LINE), LineRemoved("d1", 99)),
        (in_cart(CUP_LINE), PageChosen("old", 1)),
        (confirm_draft(), PageChosen("d1", 1)),
        (confirm_draft(), CartCleared("d1")),
        (confirm_draft(), EditAnswer("old", Step.NAME)),
        (at(Step.REUSE, lines=(CUP_LINE,)), Checkout("d1")),
        (at(Step.NAME, lines=(CUP_LINE,)), SavedDetailsAnswered("d1", True, SAVED)),
    ],
)
def test_a_button_of_another_step_or_draft_is_stale(draft: Draft, event: Event) -> None:
    """The new buttons too: another draft's, another step's, a line no longer there."""
    outcome = step(draft, event, RULES)
    assert outcome.draft == draft and outcome.effects == ()
    assert outcome.screens[0] == Notice(NoticeKind.STALE_BUTTON)


def test_catalogue_pages_hold_page_size_products_and_clamp() -> None:
    """Pages of PAGE_SIZE; a page past the end shows the last one."""
    products = [Product(i, f"P{i}", Decimal(1)) for i in range(PAGE_SIZE + 2)]
    assert page_of(products, 0) == (0, tuple(products[:PAGE_SIZE]))
    assert page_of(products, 7) == (1, tuple(products[PAGE_SIZE:]))
    assert page_of(products, -1)[0] == 0
