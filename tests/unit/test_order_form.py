"""The OneEntry order form as questions, and answers as typed formData entries."""

from __future__ import annotations

import json
from pathlib import Path

from bot.oneentry import models
from bot.oneentry.order_form import contact_values, form_questions, form_values
from bot.ordering.model import Answer, FieldKind, Option, OrderRequest, Question

SEED = Path(__file__).parents[2] / "bot" / "sandbox" / "oneentry_seed.json"


def seed_form(lang: str = "en_US") -> models.Form:
    (form,) = json.loads(SEED.read_text("utf-8"))["forms"]
    return models.Form.from_wire(form, lang)


def test_the_seed_form_becomes_its_visible_questions_in_order() -> None:
    """Kinds from types and validators, titles localized, the hidden reference left out."""
    questions = form_questions(seed_form())
    assert [(q.marker, q.kind, q.required) for q in questions] == [
        ("guest_name", FieldKind.NAME, True),
        ("guest_phone", FieldKind.PHONE, True),
        ("guest_email", FieldKind.EMAIL, True),
        ("delivery", FieldKind.CHOICE, False),
        ("guest_comment", FieldKind.TEXT, False),
    ]
    name, phone, _, delivery, comment = questions
    assert (name.title, name.min_length, name.max_length) == ("Your name", 2, 64)
    assert phone.pattern == r"^\+?[0-9 ()-]{7,20}$"
    assert delivery.options == (Option("pickup", "Pickup"), Option("courier", "Courier"))
    assert (comment.max_length, comment.min_length) == (500, None)
    russian = form_questions(seed_form("ru_RU"))
    assert [q.title for q in russian][:2] == ["Ваше имя", "Телефон"]


def test_fields_a_chat_cannot_answer_and_the_reference_are_left_out() -> None:
    """A file field is not asked; neither is the bot's own reference field."""
    form = models.Form.from_wire(
        {
            "identifier": "f",
            "attributes": [
                {"marker": "photo", "type": "file", "position": 1},
                {"marker": "order_reference", "type": "string", "position": 2},
                {"marker": "guests", "type": "integer", "position": 3, "validators": {}},
                {"marker": "day", "type": "date", "position": 4},
            ],
        },
        "en_US",
    )
    questions = form_questions(form, ["order_reference"])
    assert [(q.marker, q.kind, q.required) for q in questions] == [
        ("guests", FieldKind.INTEGER, False),
        ("day", FieldKind.DATE, False),
    ]


def test_answers_go_as_entries_typed_like_their_fields() -> None:
    """Integers and floats as numbers, a date as OneEntry's date object, a list as options."""
    choice = Question(
        "delivery", "Delivery", FieldKind.CHOICE, options=(Option("pickup", "Pickup"),)
    )
    answers = (
        Answer(Question("guest_name", kind=FieldKind.NAME), "Ann"),
        Answer(choice, "pickup"),
        Answer(Question("note"), "hi"),
        Answer(Question("guests", kind=FieldKind.INTEGER), "12"),
        Answer(Question("weight", kind=FieldKind.FLOAT), "2.5"),
        Answer(Question("day", kind=FieldKind.DATE), "2026-12-31"),
    )
    request = OrderRequest("d1", "Ann", "", "", (), answers)
    types = {"guest_name": "string", "delivery": "list", "note": "text", "guests": "integer"}
    wire = [value.to_wire() for value in form_values(request, types)]
    assert wire == [
        {"marker": "guest_name", "type": "string", "value": "Ann"},
        {"marker": "delivery", "type": "list", "value": [{"title": "Pickup", "value": "pickup"}]},
        {"marker": "note", "type": "text", "value": "hi"},
        {"marker": "guests", "type": "integer", "value": 12},
        {"marker": "weight", "type": "float", "value": 2.5},
        {
            "marker": "day",
            "type": "date",
            "value": {
                "fullDate": "2026-12-31T00:00:00.000Z",
                "formattedValue": "31-12-2026",
                "formatString": "DD-MM-YYYY",
            },
        },
    ]
    assert contact_values(request) == {"guest_name": "Ann", "note": "hi"}


def test_a_request_without_answers_sends_the_three_guest_fields() -> None:
    """Requests recorded before forms were read still place their orders."""
    request = OrderRequest("d1", "Ann", "+15550100", "ann@example.com", ())
    assert [v.marker for v in form_values(request, None)] == [
        "guest_name",
        "guest_phone",
        "guest_email",
    ]
