"""Rows <-> domain objects: the one place that knows how domain values sit in tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.ordering.model import (
    CartLine,
    Customer,
    Draft,
    FieldKind,
    Money,
    Option,
    PlacedOrder,
    Placement,
    PlacementState,
    Product,
    Question,
    Step,
)
from bot.ordering.screens import (
    AdminOrderFailed,
    AdminOrderPlaced,
    AdminScreen,
    Notice,
    NoticeKind,
    OrderConfirmed,
    Problem,
    Screen,
    Summary,
)
from db.tables import DraftRow, OrderRow, PlacementRow

log = logging.getLogger(__name__)


def draft_values(draft: Draft) -> dict[str, Any]:
    """Column values of a draft row (without revision and timestamps)."""
    return {
        "chat_id": draft.chat_id,
        "draft_id": draft.draft_id,
        "user_id": draft.customer.user_id,
        "first_name": draft.customer.first_name,
        "username": draft.customer.username,
        "language": draft.customer.language,
        "step": draft.step.value,
        "name": draft.name,
        "phone": draft.phone,
        "email": draft.email,
        "lines": lines_to_json(draft.lines),
        "pending": None if draft.pending is None else _product_to_json(draft.pending),
        "questions": [_question_to_json(q) for q in draft.questions],
        "answers": dict(draft.answers) or None,
        "asking": draft.asking,
    }


def draft_from_row(row: DraftRow) -> Draft:
    return draft_from_values({name: getattr(row, name) for name in _DRAFT_FIELDS})


def draft_from_values(values: Mapping[str, Any]) -> Draft:
    """The draft of `draft_values()` output, read back from a row or from JSON."""
    return Draft(
        chat_id=int(values["chat_id"]),
        draft_id=str(values["draft_id"]),
        customer=Customer(
            user_id=int(values["user_id"]),
            first_name=str(values["first_name"]),
            username=values["username"],
            language=values["language"],
        ),
        step=_step(str(values["step"]), int(values["chat_id"])),
        name=values["name"],
        phone=values["phone"],
        email=values["email"],
        lines=lines_from_json(values["lines"]),
        pending=None if values["pending"] is None else _product_from_json(values["pending"]),
        # drafts (and placements, messages) kept before forms were read have none of these
        questions=tuple(_question_from_json(q) for q in values.get("questions") or ()),
        answers={str(k): str(v) for k, v in (values.get("answers") or {}).items()},
        asking=values.get("asking"),
    )


_DRAFT_FIELDS = (
    "chat_id",
    "draft_id",
    "user_id",
    "first_name",
    "username",
    "language",
    "step",
    "name",
    "phone",
    "email",
    "lines",
    "pending",
    "questions",
    "answers",
    "asking",
)


def order_values(draft: Draft, order: PlacedOrder) -> dict[str, Any]:
    """Column values of an order row (without id and timestamp)."""
    return {
        "draft_id": draft.draft_id,
        "chat_id": draft.chat_id,
        "user_id": draft.customer.user_id,
        "oneentry_order_id": order.order_id,
        "total": str(order.total.amount),
        "currency": order.total.currency,
        "status_identifier": order.status_id,
        "status_title": order.status_title,
        "payment_session_id": order.payment_session_id,
        "payment_status": order.payment_status,
        "payment_url": order.payment_url,
        "lines": lines_to_json(order.lines),
        "name": draft.name,
        "phone": draft.phone,
        "email": draft.email,
    }


def order_from_row(row: OrderRow) -> PlacedOrder:
    return PlacedOrder(
        order_id=row.oneentry_order_id,
        total=Money(Decimal(row.total), row.currency),
        status_id=row.status_identifier,
        status_title=row.status_title,
        payment_session_id=row.payment_session_id,
        payment_status=row.payment_status,
        payment_url=row.payment_url,
        lines=lines_from_json(row.lines),
    )


def order_to_json(order: PlacedOrder) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "total": str(order.total.amount),
        "currency": order.total.currency,
        "status_id": order.status_id,
        "status_title": order.status_title,
        "payment_session_id": order.payment_session_id,
        "payment_status": order.payment_status,
        "payment_url": order.payment_url,
        "lines": lines_to_json(order.lines),
    }


def order_from_json(item: Mapping[str, Any]) -> PlacedOrder:
    return PlacedOrder(
        order_id=int(item["order_id"]),
        total=Money(Decimal(str(item["total"])), str(item["currency"])),
        status_id=str(item["status_id"]),
        status_title=str(item["status_title"]),
        payment_session_id=item["payment_session_id"],
        payment_status=item["payment_status"],
        payment_url=item["payment_url"],
        lines=lines_from_json(item["lines"]),
    )


def placement_from_row(row: PlacementRow) -> Placement:
    return Placement(
        draft=draft_from_values(row.draft),
        state=PlacementState(row.state),
        created_at=utc(row.created_at),
        attempts=row.attempts,
        uncertain=row.uncertain,
        order=None if row.placed_order is None else order_from_json(row.placed_order),
        last_error=row.last_error,
    )


def screen_to_json(screen: Screen | AdminScreen) -> dict[str, Any]:
    """A screen owed by the outbox, as JSON; only the kinds placements send are kept."""
    if isinstance(screen, OrderConfirmed):
        return {"kind": "order_confirmed", "order": order_to_json(screen.order)}
    if isinstance(screen, Summary):
        return {
            "kind": "summary",
            "draft": draft_values(screen.draft),
            "problem": None if screen.problem is None else screen.problem.value,
            "detail": screen.detail,
        }
    if isinstance(screen, Notice):
        return {"kind": "notice", "notice": screen.kind.value}
    if isinstance(screen, AdminOrderPlaced):
        return {
            "kind": "admin_order_placed",
            "draft": draft_values(screen.draft),
            "order": order_to_json(screen.order),
        }
    if isinstance(screen, AdminOrderFailed):
        return {
            "kind": "admin_order_failed",
            "draft": draft_values(screen.draft),
            "problem": screen.problem.value,
            "detail": screen.detail,
        }
    raise TypeError(f"the outbox does not keep {type(screen).__name__} screens")


def screen_from_json(item: Mapping[str, Any]) -> Screen | AdminScreen:
    kind = item["kind"]
    if kind == "order_confirmed":
        return OrderConfirmed(order_from_json(item["order"]))
    if kind == "summary":
        problem = None if item["problem"] is None else Problem(item["problem"])
        return Summary(draft_from_values(item["draft"]), problem, str(item["detail"]))
    if kind == "notice":
        return Notice(NoticeKind(item["notice"]))
    if kind == "admin_order_placed":
        return AdminOrderPlaced(draft_from_values(item["draft"]), order_from_json(item["order"]))
    if kind == "admin_order_failed":
        draft = draft_from_values(item["draft"])
        return AdminOrderFailed(draft, Problem(item["problem"]), str(item["detail"]))
    raise ValueError(f"unknown outbox screen kind {kind!r}")


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def lines_to_json(lines: tuple[CartLine, ...]) -> list[dict[str, Any]]:
    return [
        {
            "product_id": line.product_id,
            "title": line.title,
            "quantity": line.quantity,
            "unit_price": _decimal_to_json(line.unit_price),
        }
        for line in lines
    ]


def lines_from_json(items: list[dict[str, Any]]) -> tuple[CartLine, ...]:
    return tuple(
        CartLine(
            product_id=int(item["product_id"]),
            title=str(item["title"]),
            quantity=int(item["quantity"]),
            unit_price=_decimal_from_json(item.get("unit_price")),
        )
        for item in items
    )


def _question_to_json(question: Question) -> dict[str, Any]:
    return {
        "marker": question.marker,
        "title": question.title,
        "kind": question.kind.value,
        "required": question.required,
        "options": [{"value": o.value, "title": o.title} for o in question.options],
        "min_length": question.min_length,
        "max_length": question.max_length,
        "exact_length": question.exact_length,
        "pattern": question.pattern,
    }


def _question_from_json(item: Mapping[str, Any]) -> Question:
    try:
        kind = FieldKind(str(item.get("kind")))
    except ValueError:
        kind = FieldKind.TEXT  # a kind of another release: asked as text
    return Question(
        marker=str(item["marker"]),
        title=str(item.get("title") or ""),
        kind=kind,
        required=bool(item.get("required", True)),
        options=tuple(
            Option(str(o["value"]), str(o.get("title") or "")) for o in item.get("options") or ()
        ),
        min_length=item.get("min_length"),
        max_length=item.get("max_length"),
        exact_length=item.get("exact_length"),
        pattern=item.get("pattern"),
    )


def _product_to_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "title": product.title,
        "price": _decimal_to_json(product.price),
        "image_url": product.image_url,
    }


def _product_from_json(item: dict[str, Any]) -> Product:
    return Product(
        id=int(item["id"]),
        title=str(item["title"]),
        price=_decimal_from_json(item.get("price")),
        image_url=item.get("image_url"),
    )


# Decimals travel as text inside JSON: a float would lose cents.
def _decimal_to_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_from_json(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _step(value: str, chat_id: int) -> Step:
    try:
        return Step(value)
    except ValueError:
        # A step written by another release: the draft is closed so the chat can start over
        # instead of being stuck in a state no handler knows.
        log.warning("draft of chat %s has unknown step %r; treated as cancelled", chat_id, value)
        return Step.CANCELLED
