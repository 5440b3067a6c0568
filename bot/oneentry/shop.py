"""The domain's Shop port on top of OneEntry: catalog reads and placing a guest order.

All translation between OneEntry's records and the domain's values lives here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from bot.oneentry import models
from bot.oneentry.client import OneEntryClient
from bot.oneentry.errors import (
    OneEntryError,
    OneEntryNotFound,
    OneEntryRejected,
    OneEntryUnavailable,
)
from bot.oneentry.order_form import FormCache, contact_values, form_questions, form_values
from bot.ordering.model import GUEST_QUESTIONS, Money, OrderRequest, PlacedOrder, Product, Question
from bot.ordering.ports import OrderRejected, OutcomeUnknown, ShopUnavailable

logger = logging.getLogger(__name__)

_PAGE_SIZE = 50
_MAX_PAGES = 40  # a bound on catalog paging, far above a guest shop's size
_CLOCK_SKEW = timedelta(minutes=5)  # between this host's clock and OneEntry's
_RETRY_PAUSE = 0.3  # seconds before the one retry of a failed catalogue read
_FAILED_READ_PAUSE = 5.0  # after a failed read, the last good copy is served this long
# OneEntry locales of the customers' languages (their Telegram language or /language choice)
KNOWN_LOCALES = {"en": "en_US", "ru": "ru_RU"}


class CatalogueCache:
    """The catalogue, read from OneEntry at most once per `ttl` seconds.

    Concurrent readers of an expired copy wait for one read (single flight). A failed read is
    retried once after a short pause; if it fails again the last good copy is served (for a
    few seconds, then OneEntry is asked again), and only without any copy does it raise.
    """

    def __init__(
        self,
        load: Callable[[], Awaitable[tuple[Product, ...]]],
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        retry_pause: float = _RETRY_PAUSE,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._retry_pause = retry_pause
        self._lock = asyncio.Lock()
        self._products: tuple[Product, ...] | None = None
        self._fresh_until = float("-inf")

    def invalidate(self) -> None:
        self._fresh_until = float("-inf")

    async def products(self) -> tuple[Product, ...]:
        if self._products is not None and self._clock() < self._fresh_until:
            return self._products
        async with self._lock:
            if self._products is not None and self._clock() < self._fresh_until:
                return self._products  # another reader refreshed it meanwhile
            try:
                products = await self._read_with_retry()
            except ShopUnavailable as exc:
                if self._products is None:
                    raise
                logger.warning("catalogue not refreshed, serving the last good copy: %s", exc)
                self._fresh_until = self._clock() + min(self._ttl, _FAILED_READ_PAUSE)
                return self._products
            self._products = products
            self._fresh_until = self._clock() + self._ttl
            return products

    async def _read_with_retry(self) -> tuple[Product, ...]:
        try:
            return await self._load()
        except ShopUnavailable as exc:
            logger.info("catalogue read failed, retrying once: %s", exc)
        await asyncio.sleep(self._retry_pause)
        return await self._load()


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
        catalogue_ttl: float = 60.0,
        unavailable_statuses: Iterable[str] = ("out_of_stock",),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._unavailable = frozenset(unavailable_statuses)
        self._catalogue_ttl = catalogue_ttl
        self._clock = clock
        self._catalogues: dict[str, CatalogueCache] = {}  # by OneEntry locale
        self._storage_marker = storage_marker
        self._form_marker = form_marker
        self._payment_account = payment_account
        self._lang = lang
        self._wanted_reference = reference_marker or None
        self._reference: str | None = None
        self._reference_checked = False
        self._form = FormCache(self._read_form, catalogue_ttl, clock)
        self._localized_forms: dict[str, FormCache] = {}  # the questions' titles, by locale

    def locale(self, language: str | None) -> str:
        return locale_for(language, self._lang)

    def _catalogue(self, locale: str) -> CatalogueCache:
        """The catalogue cache of one locale (titles differ between locales)."""
        cache = self._catalogues.get(locale)
        if cache is None:
            cache = CatalogueCache(
                functools.partial(self._read_catalogue, locale), self._catalogue_ttl, self._clock
            )
            self._catalogues[locale] = cache
        return cache

    async def list_products(self, language: str | None = None) -> Sequence[Product]:
        return await self._catalogue(self.locale(language)).products()

    async def get_product(self, product_id: int, language: str | None = None) -> Product | None:
        """From the cached catalogue; a product not in it (yet) is read from OneEntry."""
        locale = self.locale(language)
        for product in await self._catalogue(locale).products():
            if product.id == product_id:
                return product
        return await self._read_product(product_id, locale)

    async def current_products(
        self, product_ids: Sequence[int], language: str | None = None
    ) -> Sequence[Product]:
        found = []
        locale = self.locale(language)
        for product_id in dict.fromkeys(product_ids):
            product = await self._read_product(product_id, locale)
            if product is not None:
                found.append(product)
        return tuple(found)

    async def order_status(self, order: PlacedOrder, language: str | None = None) -> PlacedOrder:
        locale = self.locale(language)
        try:
            read = await self._client.get_order(self._storage_marker, order.order_id, locale)
            sessions = await self._client.sessions_by_order(order.order_id)
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not read order {order.order_id}: {exc.message}") from exc
        status_id = read.status_id or order.status_id
        current = dataclasses.replace(
            order, status_id=status_id, status_title=read.status_title or status_id
        )
        if sessions:
            return with_session(current, max(sessions, key=lambda s: s.id))
        if read.payment_status_id:
            return dataclasses.replace(current, payment_status=read.payment_status_id)
        return current

    def orderable(self, item: models.Product) -> bool:
        """Visible, not in an unavailable status, and priced."""
        return (
            item.is_visible and item.status_id not in self._unavailable and item.price is not None
        )

    async def _read_catalogue(self, locale: str) -> tuple[Product, ...]:
        found: list[Product] = []
        offset = 0
        try:
            for _ in range(_MAX_PAGES):
                page = await self._client.list_products(offset, _PAGE_SIZE, locale)
                found.extend(to_product(item) for item in page.items if self.orderable(item))
                offset += len(page.items)
                if not page.items or offset >= page.total:
                    break
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not load products: {exc.message}") from exc
        return tuple(found)

    async def _read_product(self, product_id: int, locale: str) -> Product | None:
        try:
            item = await self._client.get_product(product_id, locale)
        except OneEntryNotFound:
            return None
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not load product {product_id}: {exc.message}") from exc
        return to_product(item) if self.orderable(item) else None

    async def create_order(self, request: OrderRequest, language: str | None = None) -> PlacedOrder:
        form_data = await self._form_data(request)
        lines = [(line.product_id, line.quantity) for line in request.lines]
        try:
            order = await self._client.create_order(
                self._storage_marker,
                self._form_marker,
                self._payment_account,
                form_data,
                lines,
                self.locale(language),  # the order's status title comes back in it
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

    async def order_questions(self, language: str | None = None) -> Sequence[Question]:
        """The form's questions (the bot's reference field left out); the guest questions when
        the form cannot be read or asks nothing the chat can answer."""
        try:
            form = await self._form_in(self.locale(language)).form()
        except ShopUnavailable as exc:
            logger.warning("order form not readable, asking for name, phone and e-mail: %s", exc)
            return GUEST_QUESTIONS
        leave_out = [self._wanted_reference] if self._wanted_reference else []
        return form_questions(form, leave_out) or GUEST_QUESTIONS

    def _form_in(self, locale: str) -> FormCache:
        """The form with its titles in `locale` (the shop's own is the one orders are typed by)."""
        if locale == self._lang:
            return self._form
        cache = self._localized_forms.get(locale)
        if cache is None:
            read = functools.partial(self._read_form, locale)
            cache = FormCache(read, self._catalogue_ttl, self._clock)
            self._localized_forms[locale] = cache
        return cache

    async def _read_form(self, locale: str | None = None) -> models.Form:
        try:
            return await self._client.get_form(self._form_marker, locale or self._lang)
        except OneEntryError as exc:
            raise ShopUnavailable(f"could not read the order form: {exc.message}") from exc

    async def _form_data(self, request: OrderRequest) -> list[models.FormValue]:
        """The answers, typed as the form's fields are (as far as the form is known)."""
        form = self._form.cached()
        if form is None and request.answers:
            try:
                form = await self._form.form()
            except ShopUnavailable as exc:
                logger.warning("order form not readable, answers typed by their kind: %s", exc)
        types = None if form is None else {a.marker: a.type for a in form.attributes}
        values = form_values(request, types)
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


def locale_for(language: str | None, shop_locale: str) -> str:
    """The OneEntry locale of a customer's language: "ru" -> "ru_RU", "en-GB" -> "en_US".

    The shop's own locale (ONEENTRY_LANG) when it is of that language, or when the language
    is none of KNOWN_LOCALES'.
    """
    primary = (language or "").replace("_", "-").split("-")[0].lower()
    if not primary or shop_locale.split("_")[0].lower() == primary:
        return shop_locale
    return KNOWN_LOCALES.get(primary, shop_locale)


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
    if any(answers.get(marker) != value for marker, value in contact_values(request).items()):
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
