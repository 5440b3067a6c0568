"""Checking an answer to a checkout question against what the shop's form declares.

Pure: the checks that need libraries (phone numbers, e-mail addresses) come in as `Rules`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

from bot.ordering.model import FieldKind, Question
from bot.ordering.screens import Problem

NAME_MIN, NAME_MAX = 2, 64  # when the form declares no lengths for the name
INTEGER_DIGITS = 15  # beyond this a number is not a quantity a customer types
_DATE_FORMATS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})"),
)


_EMPTY = {
    FieldKind.NAME: Problem.BAD_NAME,
    FieldKind.PHONE: Problem.BAD_PHONE,
    FieldKind.EMAIL: Problem.BAD_EMAIL,
}


class Rules(Protocol):
    """Input checks that need libraries; injected so that the domain stays pure."""

    def phone(self, text: str) -> str | None:
        """The number in E.164, or None when it is not a plausible phone number."""

    def email(self, text: str) -> str | None:
        """The normalised address, or None when it is not a deliverable-looking e-mail."""


def js_length(text: str) -> int:
    """The length as the shop (JavaScript) counts it: UTF-16 code units, an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


def check_answer(question: Question, text: str, rules: Rules) -> str | Problem:
    """The answer as it is kept, or the problem that makes the customer try again."""
    text = text.strip()
    kind = question.kind
    if not text:
        return _EMPTY.get(kind, Problem.ANSWER_REQUIRED)
    if kind is FieldKind.NAME:
        return _name(question, text)
    if kind is FieldKind.PHONE:
        phone = rules.phone(text)
        return Problem.BAD_PHONE if phone is None else _declared(question, phone, Problem.BAD_PHONE)
    if kind is FieldKind.EMAIL:
        email = rules.email(text)
        return Problem.BAD_EMAIL if email is None else _declared(question, email, Problem.BAD_EMAIL)
    if kind is FieldKind.INTEGER:
        return _integer(text)
    if kind is FieldKind.FLOAT:
        return _float(text)
    if kind is FieldKind.DATE:
        return _date(text)
    if kind is FieldKind.CHOICE:
        return _choice(question, text)
    return _declared(question, text, Problem.BAD_FORMAT)


def _name(question: Question, text: str) -> str | Problem:
    name = " ".join(text.split())
    low = question.min_length or NAME_MIN
    high = question.max_length or NAME_MAX
    if not (low <= js_length(name) <= high) or not any(c.isalpha() for c in name):
        return Problem.BAD_NAME
    return _declared(question, name, Problem.BAD_NAME, lengths=False)


def _declared(
    question: Question, value: str, bad: Problem, *, lengths: bool = True
) -> str | Problem:
    """The form's string validators: lengths, then its regular expression."""
    if lengths:
        length = js_length(value)
        if question.exact_length and length != question.exact_length:
            return Problem.WRONG_LENGTH
        if question.min_length and length < question.min_length:
            return Problem.TOO_SHORT
        if question.max_length and length > question.max_length:
            return Problem.TOO_LONG
    if question.pattern:
        try:
            pattern = re.compile(question.pattern)
        except re.error:
            return value  # a shop's broken pattern is not the customer's fault
        if pattern.search(value) is None:
            return bad
    return value


def _integer(text: str) -> str | Problem:
    digits = text.replace(" ", "")
    sign = digits[:1] if digits[:1] in "+-" else ""
    body = digits[len(sign) :]
    if not body.isdecimal() or not body.isascii() or len(body) > INTEGER_DIGITS:
        return Problem.BAD_INTEGER
    return str(int(sign + body))


def _float(text: str) -> str | Problem:
    candidate = text.replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", candidate) or len(candidate) > 30:
        return Problem.BAD_NUMBER
    try:
        number = Decimal(candidate)
    except InvalidOperation:
        return Problem.BAD_NUMBER
    return format(number.normalize(), "f") if number else "0"


def _date(text: str) -> str | Problem:
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        try:
            return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
        except ValueError:
            return Problem.BAD_DATE
    return Problem.BAD_DATE


def _choice(question: Question, text: str) -> str | Problem:
    """A typed option: its title or its value, in any case."""
    wanted = text.casefold()
    for option in question.options:
        if wanted in (option.title.strip().casefold(), option.value.casefold()):
            return option.value
    return Problem.BAD_CHOICE
