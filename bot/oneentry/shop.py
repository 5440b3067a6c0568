"""The domain's Shop port on top of OneEntry: catalog reads and placing a guest order.

All translation between OneEntry's records and the domain's values lives here.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from bot.oneentry import models
from bot.oneentry.client import OneEntryClient
from bot.oneentry.errors import (
    OneEntryError,
    OneEntryNotFound,
    OneEntryRejected,
    OneEntryUnavailable,
)
from bot.ordering.model import Money, OrderRequest, PlacedOrder, Product
from bot.ordering.ports import OrderRejected, OutcomeUnknown, ShopUnavailable

logger = logging.getLogger(__name__)

_PAGE_SIZE = 50
_MAX_PAGES = 40  # a bound on catalog paging, far above a guest shop's size
_CLOCK_SKEW = timedelta(minutes=5)  # between this host's clock and OneEntry's


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
        reference_marker: str | None = None,
    ) -> None:
        self._client = client
        self._storage_marker = storage_marker
        self._form_marker = form_marker
        self._payment_account = payment_account
        self._lang = lang
        self._wanted_reference = reference_marker or None
        self._reference: str | None = None
        self._reference_checked = False

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

    async def create_order(self, request: OrderRequest) -> PlacedOrder:
        form_data = await self._form_data(request)
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
                raise OutcomeUnknown(f"order outcome unknown: {exc.message}") from exc
            raise ShopUnavailable(f"order not placed: {exc.message}") from exc
        except (OneEntryRejected, OneEntryNotFound) as exc:
            raise OrderRejected(exc.message) from exc
        except OneEntryError as exc:  # the guest user cannot sign in: a setup problem
            raise ShopUnavailable(f"order not placed: {exc.message}") from exc
        return to_placed_order(order, None, request)

    async def find_order(self, request: OrderRequest, since: datetime) -> PlacedOrder | None:
        """The guest user's order that matches the request, created at or after `since`.

        With a reference field in the form the draft id identifies the order. Without one, the
        order must have the same name, phone, e-mail and products (ids and quantities).
        Orders are read page by page, newest first, back to `since` (less a clock skew).
        """
        reference = await self._reference_marker()
        oldest = since - _CLOCK_SKEW
        try:
            async for order in self._orders_newest_first(oldest):
                created = _created(order)
                if (created is None or created >= oldest) and _matches(order, request, reference):
                    return to_placed_order(order, None, request)
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not look up orders: {exc.message}") from exc
        return None

    async def find_payment(self, order: PlacedOrder) -> PlacedOrder | None:
        try:
            sessions = await self._client.sessions_by_order(order.order_id)
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not read payment sessions: {exc.message}") from exc
        if not sessions:
            return None
        return with_session(order, max(sessions, key=lambda s: s.id))

    async def open_payment(self, order: PlacedOrder) -> PlacedOrder:
        try:
            session = await self._client.create_session(order.order_id)
        except OneEntryUnavailable as exc:
            if exc.maybe_applied:
                raise OutcomeUnknown(f"payment session outcome unknown: {exc.message}") from exc
            raise ShopUnavailable(f"no payment session: {exc.message}") from exc
        except OneEntryError as exc:
            raise ShopUnavailable(f"no payment session: {exc.message}") from exc
        return with_session(order, session)

    async def _form_data(self, request: OrderRequest) -> list[models.FormValue]:
        values = [
            models.FormValue("guest_name", request.name),
            models.FormValue("guest_phone", request.phone),
            models.FormValue("guest_email", request.email),
        ]
        reference = await self._reference_marker()
        if reference is not None:
            values.append(models.FormValue(reference, request.draft_id))
        return values

    async def _reference_marker(self) -> str | None:
        """The form's reference field, if the shop added one (read once, then remembered)."""
        if self._reference_checked or not self._wanted_reference:
            return self._reference
        try:
            form = await self._client.get_form(self._form_marker, self._lang)
        except OneEntryError as exc:
            logger.warning("order form not readable, orders go without reference: %s", exc)
            return None  # asked again next time
        markers = {attribute.marker for attribute in form.attributes}
        self._reference = self._wanted_reference if self._wanted_reference in markers else None
        self._reference_checked = True
        if self._reference is None:
            logger.info(
                "form %s has no %s field: lost answers are matched on contacts and products",
                self._form_marker,
                self._wanted_reference,
            )
        return self._reference

    async def _orders_newest_first(self, oldest: datetime) -> AsyncIterator[models.Order]:
        first = await self._orders_page(0)
        dates = [_created(o) for o in first.items]
        known = [d for d in dates if d is not None]
        # The listing's order is not documented: an oldest-first listing is read from its end.
        if len(known) > 1 and known[0] < known[-1]:
            # the last step is clamped to 0, so the oldest (partial) page is read too
            ends = range(first.total - _PAGE_SIZE, -_PAGE_SIZE, -_PAGE_SIZE)
            offsets: Iterable[int] = (max(offset, 0) for offset in ends)
        else:
            offsets = range(0, max(first.total, 1), _PAGE_SIZE)
        for offset in itertools.islice(offsets, _MAX_PAGES):
            page = first if offset == 0 else await self._orders_page(offset)
            newest_first = sorted(page.items, key=lambda o: o.id, reverse=True)
            for order in newest_first:
                yield order
            created = [d for d in map(_created, newest_first) if d is not None]
            if not page.items or (created and max(created) < oldest):
                return

    async def _orders_page(self, offset: int) -> models.OrderPage:
        return await self._client.list_orders(self._storage_marker, offset, _PAGE_SIZE, self._lang)


def to_product(item: models.Product) -> Product:
    return Product(
        id=item.id,
        title=item.title or f"#{item.id}",
        price=item.price,
        image_url=item.image_url,
    )


def with_session(order: PlacedOrder, session: models.PaymentSession) -> PlacedOrder:
    return dataclasses.replace(
        order,
        payment_session_id=session.id,
        payment_status=session.status,
        payment_url=session.payment_url,
    )


def _created(order: models.Order) -> datetime | None:
    try:
        moment = datetime.fromisoformat(order.created_date or "")
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _matches(order: models.Order, request: OrderRequest, reference: str | None) -> bool:
    answers = {value.marker: value.value for value in order.form_data}
    if reference is not None:
        return bool(answers.get(reference) == request.draft_id)
    wanted = {
        "guest_name": request.name,
        "guest_phone": request.phone,
        "guest_email": request.email,
    }
    if any(answers.get(marker) != value for marker, value in wanted.items()):
        return False
    ordered = sorted((line.product_id, line.quantity) for line in order.lines)
    return ordered == sorted((line.product_id, line.quantity) for line in request.lines)


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
