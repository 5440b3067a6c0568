"""The domain's Shop port on top of OneEntry: catalog reads and placing a guest order.

All translation between OneEntry's records and the domain's values lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.oneentry import models
from bot.oneentry.client import OneEntryClient
from bot.oneentry.errors import (
    OneEntryError,
    OneEntryNotFound,
    OneEntryRejected,
    OneEntryUnavailable,
)
from bot.ordering.model import Money, OrderRequest, PlacedOrder, Product
from bot.ordering.ports import OrderRejected, ShopUnavailable

logger = logging.getLogger(__name__)

_PAGE_SIZE = 50
_MAX_PAGES = 40  # a bound on catalog paging, far above a guest shop's size


class OrderMaybePlaced(ShopUnavailable):
    """The order request got no answer but may have been stored; do not resend it blindly."""


class OneEntryShop:
    """Shop for the ordering service: one order storage, its form and payment account."""

    def __init__(
        self,
        client: OneEntryClient,
        *,
        storage_marker: str,
        form_marker: str,
        payment_account: str,
        lang: str = "en_US",
    ) -> None:
        self._client = client
        self._storage_marker = storage_marker
        self._form_marker = form_marker
        self._payment_account = payment_account
        self._lang = lang

    async def list_products(self) -> Sequence[Product]:
        found: list[Product] = []
        offset = 0
        try:
            for _ in range(_MAX_PAGES):
                page = await self._client.list_products(offset, _PAGE_SIZE, self._lang)
                found.extend(to_product(item) for item in page.items if item.is_visible)
                offset += len(page.items)
                if not page.items or offset >= page.total:
                    break
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not load products: {exc.message}") from exc
        return tuple(found)

    async def get_product(self, product_id: int) -> Product | None:
        try:
            item = await self._client.get_product(product_id, self._lang)
        except OneEntryNotFound:
            return None
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not load product {product_id}: {exc.message}") from exc
        return to_product(item) if item.is_visible else None

    async def place_order(self, request: OrderRequest) -> PlacedOrder:
        form_data = [
            models.FormValue("guest_name", request.name),
            models.FormValue("guest_phone", request.phone),
            models.FormValue("guest_email", request.email),
        ]
        lines = [(line.product_id, line.quantity) for line in request.lines]
        try:
            order = await self._client.create_order(
                self._storage_marker,
                self._form_marker,
                self._payment_account,
                form_data,
                lines,
                self._lang,
            )
        except OneEntryUnavailable as exc:
            if exc.maybe_applied:
                raise OrderMaybePlaced(f"order outcome unknown: {exc.message}") from exc
            raise ShopUnavailable(f"order not placed: {exc.message}") from exc
        except (OneEntryRejected, OneEntryNotFound) as exc:
            raise OrderRejected(exc.message) from exc
        except OneEntryError as exc:  # the guest user cannot sign in: a setup problem
            raise ShopUnavailable(f"order not placed: {exc.message}") from exc
        session: models.PaymentSession | None = None
        try:
            session = await self._client.create_session(order.id)
        except OneEntryError as exc:
            # the order exists; it is placed even if its payment session could not be opened
            logger.warning("no payment session for order %d: %s", order.id, exc)
        return to_placed_order(order, session, request)


def to_product(item: models.Product) -> Product:
    return Product(
        id=item.id,
        title=item.title or f"#{item.id}",
        price=item.price,
        image_url=item.image_url,
    )


def to_placed_order(
    order: models.Order, session: models.PaymentSession | None, request: OrderRequest
) -> PlacedOrder:
    status_id = order.status_id or ""
    return PlacedOrder(
        order_id=order.id,
        total=Money(order.total_sum, order.currency),
        status_id=status_id,
        status_title=order.status_title or status_id,
        payment_session_id=session.id if session else None,
        payment_status=session.status if session else None,
        payment_url=session.payment_url if session else None,
        lines=request.lines,
    )
