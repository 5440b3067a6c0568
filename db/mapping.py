"""Rows <-> domain objects: the one place that knows how drafts and orders sit in tables."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from bot.ordering.model import CartLine, Customer, Draft, Money, PlacedOrder, Product, Step
from db.tables import DraftRow, OrderRow

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
    }


def draft_from_row(row: DraftRow) -> Draft:
    return Draft(
        chat_id=row.chat_id,
        draft_id=row.draft_id,
        customer=Customer(
            user_id=row.user_id,
            first_name=row.first_name,
            username=row.username,
            language=row.language,
        ),
        step=_step(row.step, row.chat_id),
        name=row.name,
        phone=row.phone,
        email=row.email,
        lines=lines_from_json(row.lines),
        pending=None if row.pending is None else _product_from_json(row.pending),
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
