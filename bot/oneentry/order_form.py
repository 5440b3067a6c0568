"""The order form as the domain's questions, and the answers as the form's `formData`.

OneEntry describes each field by a `type` and `validators` (see the API reference, forms);
the domain knows only `Question`s. The mapping both ways lives here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from bot.oneentry import models
from bot.ordering.model import Answer, FieldKind, Option, OrderRequest, Question
from bot.ordering.ports import ShopUnavailable

logger = logging.getLogger(__name__)

_TEXT_TYPES = frozenset({"string", "text", "textWithHeader"})
_KINDS = {
    "integer": FieldKind.INTEGER,
    "real": FieldKind.FLOAT,
    "float": FieldKind.FLOAT,
    "date": FieldKind.DATE,
    "dateTime": FieldKind.DATE,
    "list": FieldKind.CHOICE,
    "radioButton": FieldKind.CHOICE,
}
# The attribute type an answer is sent as when the form is not at hand.
_TYPES = {
    FieldKind.INTEGER: "integer",
    FieldKind.FLOAT: "float",
    FieldKind.DATE: "date",
    FieldKind.CHOICE: "list",
}
_PHONE = re.compile(r"phone|(^|_)tel($|_)|телефон", re.IGNORECASE)
_NAME = re.compile(r"(^|_)(full_?)?name$", re.IGNORECASE)
_STRING_KINDS = (FieldKind.NAME, FieldKind.PHONE, FieldKind.EMAIL, FieldKind.TEXT)
DATE_FORMAT = "DD-MM-YYYY"  # how a date answer is written in `formattedValue`


def form_questions(form: models.Form, leave_out: Sequence[str] = ()) -> tuple[Question, ...]:
    """The visible fields the bot can ask for, in the form's order.

    Fields of types a chat cannot answer (files, images, entities, ...) are left out, as are
    the markers in `leave_out` (the bot's own reference field).
    """
    questions = []
    seen: set[FieldKind] = set()
    for attribute in form.attributes:
        if not attribute.is_visible or attribute.marker in leave_out:
            continue
        kind = _kind(attribute, seen)
        if kind is None:
            level = logging.WARNING if attribute.is_required else logging.INFO
            logger.log(
                level,
                "form %s: field %s of type %s is not asked in the chat",
                form.identifier,
                attribute.marker,
                attribute.type,
            )
            continue
        seen.add(kind)
        questions.append(_question(attribute, kind))
    return tuple(questions)


def _kind(attribute: models.FormAttribute, seen: set[FieldKind]) -> FieldKind | None:
    if attribute.type not in _TEXT_TYPES:
        return _KINDS.get(attribute.type)
    if attribute.is_email:
        return FieldKind.EMAIL
    if _PHONE.search(attribute.marker) or _PHONE.search(attribute.title):
        return FieldKind.PHONE
    if _NAME.search(attribute.marker) and FieldKind.NAME not in seen:
        return FieldKind.NAME
    return FieldKind.TEXT


def _question(attribute: models.FormAttribute, kind: FieldKind) -> Question:
    validators = attribute.validators
    limits = validators.get("stringInspectionValidator")
    limits = limits if isinstance(limits, Mapping) else {}
    regexp = validators.get("regExpValidator")
    pattern = regexp.get("patternValue") if isinstance(regexp, Mapping) else None
    options = tuple(
        Option(str(option.value if option.value is not None else option.title), option.title)
        for option in attribute.options
    )
    return Question(
        marker=attribute.marker,
        title=attribute.title if attribute.title != attribute.marker else "",
        kind=kind,
        required=attribute.is_required,
        options=options,
        min_length=_limit(limits.get("stringMin")),
        max_length=_limit(limits.get("stringMax")),
        exact_length=_limit(limits.get("stringLength")),
        pattern=pattern if isinstance(pattern, str) and pattern else None,
    )


def _limit(raw: object) -> int | None:
    """A length limit; numbers may come as strings, and 0 or "" mean none."""
    try:
        value = int(str(raw or 0).strip() or 0)
    except ValueError:
        return None
    return value if value > 0 else None


def form_values(request: OrderRequest, types: Mapping[str, str] | None) -> list[models.FormValue]:
    """The request's answers as `formData` entries, each with its attribute's type.

    `types` are the form's attribute types by marker (None: the form could not be read, the
    types follow the questions' kinds). Without answers, the three guest fields.
    """
    if not request.answers:
        return [
            models.FormValue("guest_name", request.name),
            models.FormValue("guest_phone", request.phone),
            models.FormValue("guest_email", request.email),
        ]
    values = []
    for answer in request.answers:
        question = answer.question
        kind_type = _TYPES.get(question.kind, "string")
        wire_type = (types or {}).get(question.marker, kind_type)
        values.append(models.FormValue(question.marker, _wire(answer, wire_type), wire_type))
    return values


def _wire(answer: Answer, wire_type: str) -> Any:
    question, value = answer.question, answer.value
    if question.kind is FieldKind.INTEGER:
        return int(value)
    if question.kind is FieldKind.FLOAT:
        return float(Decimal(value))
    if question.kind is FieldKind.DATE:
        day = date.fromisoformat(value)
        return {
            "fullDate": f"{day.isoformat()}T00:00:00.000Z",
            "formattedValue": day.strftime("%d-%m-%Y"),
            "formatString": DATE_FORMAT,
        }
    if question.kind is FieldKind.CHOICE:
        option = question.option(value)
        chosen = {"title": option.title if option else value, "value": value}
        return chosen if wire_type == "radioButton" else [chosen]
    return value


def contact_values(request: OrderRequest) -> dict[str, str]:
    """The text answers an order found in OneEntry must repeat to be this request's."""
    if not request.answers:
        return {
            "guest_name": request.name,
            "guest_phone": request.phone,
            "guest_email": request.email,
        }
    return {
        answer.question.marker: answer.value
        for answer in request.answers
        if answer.question.kind in _STRING_KINDS
    }


class FormCache:
    """The order form, read at most once per `ttl` seconds (one read at a time).

    When a read fails the last good copy is served; without one it raises ShopUnavailable.
    """

    def __init__(
        self,
        load: Callable[[], Awaitable[models.Form]],
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._lock = asyncio.Lock()
        self._form: models.Form | None = None
        self._fresh_until = float("-inf")

    async def form(self) -> models.Form:
        if self._form is not None and self._clock() < self._fresh_until:
            return self._form
        async with self._lock:
            if self._form is not None and self._clock() < self._fresh_until:
                return self._form
            try:
                form = await self._load()
            except ShopUnavailable as exc:
                if self._form is None:
                    raise
                logger.warning("order form not refreshed, using the last good copy: %s", exc)
                return self._form
            self._form = form
            self._fresh_until = self._clock() + self._ttl
            return form

    def cached(self) -> models.Form | None:
        """The last good copy, however old."""
        return self._form
