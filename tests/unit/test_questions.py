"""Answers to the order form's questions: each kind and validator, and the transitions that ask."""

from __future__ import annotations

import dataclasses

import pytest

from bot.ordering.conversation import OPTION_NUMBERS, order_request, step
from bot.ordering.events import (
    Back,
    Checkout,
    ContactShared,
    EditAnswer,
    OptionChosen,
    QuestionSkipped,
    TextEntered,
)
from bot.ordering.model import (
    Answer,
    CartLine,
    Customer,
    Draft,
    FieldKind,
    Option,
    Question,
    Step,
)
from bot.ordering.questions import check_answer, js_length
from bot.ordering.screens import Ask, Notice, NoticeKind, Problem, Summary


class Rules:
    def phone(self, text: str) -> str | None:
        digits = "".join(c for c in text if c.isdigit())
        return "+" + digits if len(digits) >= 10 else None

    def email(self, text: str) -> str | None:
        return text.lower() if "@" in text and "." in text.split("@")[-1] else None


RULES = Rules()
NAME = Question("guest_name", "Your name", FieldKind.NAME, min_length=2, max_length=64)
PHONE = Question("guest_phone", "Phone", FieldKind.PHONE, pattern=r"^\+?[0-9 ()-]{7,20}$")
EMAIL = Question("guest_email", "E-mail", FieldKind.EMAIL)
DELIVERY = Question(
    "delivery",
    "Delivery",
    FieldKind.CHOICE,
    required=False,
    options=(Option("pickup", "Pickup"), Option("courier", "Courier")),
)
COMMENT = Question("guest_comment", "Comment", required=False, max_length=10)
GUESTS = Question("guests", "Guests", FieldKind.INTEGER)
FORM = (NAME, PHONE, EMAIL, DELIVERY, COMMENT, GUESTS)
LINE = CartLine(15, "Cup", 1, None)


def cart() -> Draft:
    return Draft(42, "d1", Customer(42, "Ann"), Step.CART, lines=(LINE,))


def run(draft: Draft, *events: object) -> Draft:
    for event in events:
        outcome = step(draft, event, RULES)  # type: ignore[arg-type]
        assert outcome.draft is not None
        draft = outcome.draft
    return draft


def at_delivery() -> Draft:
    return run(
        cart(),
        Checkout("d1", None, FORM),
        TextEntered("Ann Lee"),
        TextEntered("+1 800 500 0500"),
        TextEntered("Ann@Example.com"),
    )


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        (NAME, "  Ann   Lee ", "Ann Lee"),
        (NAME, "A", Problem.BAD_NAME),
        (NAME, "12345", Problem.BAD_NAME),
        (PHONE, "+1 800 500 0500", "+18005000500"),
        (PHONE, "12", Problem.BAD_PHONE),
        (dataclasses.replace(PHONE, pattern=r"^\+7"), "+1 800 500 0500", Problem.BAD_PHONE),
        (EMAIL, "Ann@Example.com", "ann@example.com"),
        (EMAIL, "ann@", Problem.BAD_EMAIL),
        (COMMENT, "  short  ", "short"),
        (COMMENT, "far too long a note", Problem.TOO_LONG),
        (COMMENT, "🔔🔔🔔🔔🔔🔔", Problem.TOO_LONG),  # 12 UTF-16 units, as the shop counts
        (dataclasses.replace(COMMENT, min_length=3), "ab", Problem.TOO_SHORT),
        (dataclasses.replace(COMMENT, exact_length=4), "abc", Problem.WRONG_LENGTH),
        (dataclasses.replace(COMMENT, pattern=r"^\d+$"), "12a", Problem.BAD_FORMAT),
        (dataclasses.replace(COMMENT, pattern="("), "anything", "anything"),
        (GUESTS, " 1 200 ", "1200"),
        (GUESTS, "-3", "-3"),
        (GUESTS, "2.5", Problem.BAD_INTEGER),
        (GUESTS, "٣", Problem.BAD_INTEGER),  # an Arabic-Indic digit is not sent as a number
        (Question("w", kind=FieldKind.FLOAT), "2,50", "2.5"),
        (Question("w", kind=FieldKind.FLOAT), "0.0", "0"),
        (Question("w", kind=FieldKind.FLOAT), "1e9", Problem.BAD_NUMBER),
        (Question("d", kind=FieldKind.DATE), "2026-12-31", "2026-12-31"),
        (Question("d", kind=FieldKind.DATE), "31.12.2026", "2026-12-31"),
        (Question("d", kind=FieldKind.DATE), "31/02/2026", Problem.BAD_DATE),
        (Question("d", kind=FieldKind.DATE), "tomorrow", Problem.BAD_DATE),
        (DELIVERY, "COURIER", "courier"),
        (DELIVERY, "pickup", "pickup"),
        (DELIVERY, "teleport", Problem.BAD_CHOICE),
        (GUESTS, "   ", Problem.ANSWER_REQUIRED),
    ],
)
def test_each_kind_and_validator_accepts_or_names_the_problem(
    question: Question, text: str, expected: str | Problem
) -> None:
    """Valid answers come back as kept (normalised); invalid ones as the problem to tell."""
    assert check_answer(question, text, RULES) == expected


def test_lengths_are_counted_as_the_shop_counts_them() -> None:
    """UTF-16 code units: an emoji outside the BMP counts two."""
    assert (js_length("ab"), js_length("🔔"), js_length("ё")) == (2, 2, 1)


def test_checkout_asks_the_forms_questions_in_their_order() -> None:
    """Name, phone and e-mail at their steps, then the others at QUESTION."""
    draft = run(cart(), Checkout("d1", None, FORM))
    assert (draft.step, draft.questions) == (Step.NAME, FORM)
    draft = at_delivery()
    assert (draft.name, draft.phone, draft.email) == ("Ann Lee", "+18005000500", "ann@example.com")
    assert (draft.step, draft.asking) == (Step.QUESTION, "delivery")


def test_an_option_button_answers_a_choice_and_a_stale_one_changes_nothing() -> None:
    """The button carries the question's number: a tap for another question is stale."""
    draft = at_delivery()
    stale = step(draft, OptionChosen("d1", 5, 0), RULES)
    assert stale.draft == draft and stale.screens[0] == Notice(NoticeKind.STALE_BUTTON)
    out_of_range = step(draft, OptionChosen("d1", 4, 7), RULES)
    assert out_of_range.draft == draft
    chosen = run(draft, OptionChosen("d1", 4, 1))
    assert chosen.answers == {"delivery": "courier"} and chosen.asking == "guest_comment"


def test_an_optional_question_is_skipped_by_its_button_or_a_dash() -> None:
    """Skip keeps "" as the answer; a required question cannot be skipped."""
    draft = run(at_delivery(), QuestionSkipped("d1", 4))
    assert draft.answers == {"delivery": ""} and draft.asking == "guest_comment"
    draft = run(draft, TextEntered("-"))
    assert draft.answers == {"delivery": "", "guest_comment": ""} and draft.asking == "guests"
    refused = step(draft, QuestionSkipped("d1", 6), RULES)
    assert refused.draft == draft
    assert step(draft, TextEntered("-"), RULES).screens == (
        Ask(draft, Step.QUESTION, Problem.BAD_INTEGER),
    )


def test_a_bad_answer_asks_the_same_question_again() -> None:
    """The draft is unchanged and the screen names the problem."""
    draft = run(at_delivery(), QuestionSkipped("d1", 4), TextEntered("a note far too long"))
    assert draft.asking == "guest_comment" and "guest_comment" not in draft.answers
    outcome = step(draft, TextEntered("a note far too long"), RULES)
    assert outcome.screens == (Ask(draft, Step.QUESTION, Problem.TOO_LONG),)


def test_the_summary_follows_the_last_answer_and_an_edit_returns_to_it() -> None:
    """Edit any question by its number; /back from it keeps the answer."""
    draft = run(at_delivery(), OptionChosen("d1", 4, 0), QuestionSkipped("d1", 5))
    outcome = step(draft, TextEntered("3"), RULES)
    summary = outcome.draft
    assert summary is not None and summary.step is Step.CONFIRM
    assert outcome.screens == (Summary(summary),)
    editing = run(summary, EditAnswer("d1", 5))
    assert (editing.step, editing.asking) == (Step.QUESTION, "guest_comment")
    assert run(editing, Back()).step is Step.CONFIRM
    edited = run(editing, TextEntered("door"))
    assert edited.step is Step.CONFIRM and edited.answers["guest_comment"] == "door"
    assert run(summary, EditAnswer("d1", 2)).step is Step.PHONE
    assert step(summary, EditAnswer("d1", 9), RULES).draft == summary


def test_back_goes_to_the_previous_question_of_the_form() -> None:
    """From delivery back to the e-mail, from the name back to the cart."""
    assert run(at_delivery(), Back()).step is Step.EMAIL
    assert run(cart(), Checkout("d1", None, FORM), Back()).step is Step.CART


def test_a_shared_contact_answers_a_phone_question_only() -> None:
    """At a non-phone question a shared contact is not an answer."""
    draft = at_delivery()
    outcome = step(draft, ContactShared("+18005000500", own=True), RULES)
    assert outcome.draft == draft and outcome.screens == (
        Ask(draft, Step.QUESTION, Problem.TEXT_EXPECTED),
    )


def test_the_order_request_carries_every_answer_but_the_skipped_ones() -> None:
    """In the form's order, name, phone and e-mail included."""
    draft = run(at_delivery(), OptionChosen("d1", 4, 1), QuestionSkipped("d1", 5))
    draft = run(draft, TextEntered("4"))
    request = order_request(draft)
    assert request.answers == (
        Answer(NAME, "Ann Lee"),
        Answer(PHONE, "+18005000500"),
        Answer(EMAIL, "ann@example.com"),
        Answer(DELIVERY, "courier"),
        Answer(GUESTS, "4"),
    )
    assert (request.name, request.email) == ("Ann Lee", "ann@example.com")


def test_option_numbers_leave_room_for_every_option() -> None:
    """An option's button number splits back into its question and option."""
    assert divmod(4 * OPTION_NUMBERS + 999, OPTION_NUMBERS) == (4, 999)
