"""The ordering service: load a chat's draft, step it, run its effects, save it.

And the worker that finishes, in the background, the placements that could not be finished at once.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.ordering.conversation import (
    Rules,
    current_screen,
    linked_product_id,
    retitled,
    step,
)
from bot.ordering.events import (
    Checkout,
    Confirm,
    Event,
    ProductChosen,
    SavedDetailsAnswered,
    Start,
)
from bot.ordering.model import Customer, Draft, PlacedOrder, Product, Step
from bot.ordering.placement import Placer, new_placement
from bot.ordering.ports import Courier, DraftStore, PlacementStore, Shop, ShopUnavailable
from bot.ordering.screens import (
    Ask,
    Notice,
    NoticeKind,
    OrderHistory,
    PlaceOrder,
    Problem,
    Screen,
)

log = logging.getLogger(__name__)

Show = Callable[[Screen], Awaitable[None]]
HISTORY_LIMIT = 10  # orders shown by /orders


def new_draft_id() -> str:
    """A short random id: it travels in every button's callback data."""
    return secrets.token_urlsafe(8)


class OrderingService:
    def __init__(
        self,
        store: DraftStore,
        placements: PlacementStore,
        shop: Shop,
        placer: Placer,
        courier: Courier,
        rules: Rules,
    ) -> None:
        self._store = store
        self._placements = placements
        self._shop = shop
        self._placer = placer
        self._courier = courier
        self._rules = rules

    async def handle(self, chat_id: int, event: Event, show: Show) -> None:
        """Apply one customer event.

        Callers handle one event per chat at a time (the Telegram adapter's update processor does);
        placing an order is guarded in the store as well, so a second Confirm never places twice.
        """
        draft = await self._store.load(chat_id)
        outcome = step(draft, event, self._rules)
        if outcome.draft is not None and any(isinstance(e, PlaceOrder) for e in outcome.effects):
            await self._place(outcome.draft, outcome.screens, show)
            return
        if outcome.draft is not None and outcome.draft != draft:
            await self._store.save(outcome.draft)
        await self._show_all(outcome.screens, show)

    async def start(self, chat_id: int, event: Start, show: Show) -> None:
        """/start, with a deep link's product looked up first ("p15")."""
        linked = linked_product_id(event.payload)
        if linked is not None:
            product = await self._product(linked, event.customer.language)
            event = dataclasses.replace(event, product=product)
        await self.handle(chat_id, event, show)

    async def language(self, chat_id: int) -> str | None:
        """The language kept for the chat (with its draft), if it has one."""
        draft = await self._store.load(chat_id)
        return draft.customer.language if draft is not None else None

    async def choose_language(self, chat_id: int, customer: Customer, show: Show) -> None:
        """/language: the chat goes on in `customer.language`, kept across drafts and restarts.

        The draft is not stepped (a language is no answer); its current screen is shown again,
        now in the new language, with its form's questions and its products titled in it. A chat
        without a draft gets a closed one to keep the choice.
        """
        draft = await self._store.load(chat_id)
        if draft is None:
            draft = Draft(chat_id, new_draft_id(), customer, Step.CANCELLED)
        else:
            chosen = dataclasses.replace(draft.customer, language=customer.language)
            draft = dataclasses.replace(draft, customer=chosen)
        in_language = await self._in_language(draft)
        if in_language != draft:
            draft = in_language
            await self._store.save(draft)
        else:
            await self._store.save_language(draft)
        screens: tuple[Screen, ...] = (Notice(NoticeKind.LANGUAGE_CHOSEN),)
        if draft.is_open:
            screens += (current_screen(draft),)
        await self._show_all(screens, show)

    async def _in_language(self, draft: Draft) -> Draft:
        """An open draft with its form's questions and its products titled in its language."""
        if not draft.is_open or draft.step is Step.PLACING:
            return draft
        language = draft.customer.language
        questions = tuple(await self._shop.order_questions(language)) if draft.questions else ()
        ids = [line.product_id for line in draft.lines]
        if draft.pending is not None:
            ids.append(draft.pending.id)
        products: tuple[Product, ...] = ()
        if ids:
            try:
                products = tuple(await self._shop.current_products(ids, language))
            except ShopUnavailable as exc:
                log.warning("titles of draft %s not re-read: %s", draft.draft_id, exc)
        return retitled(draft, questions, products)

    async def choose_product(
        self, chat_id: int, draft_id: str, product_id: int, show: Show, language: str | None = None
    ) -> None:
        """A tap on a product button: the product is looked up before the conversation sees it."""
        product = await self._product(product_id, language)
        await self.handle(chat_id, ProductChosen(draft_id, product), show)

    async def checkout(self, chat_id: int, draft_id: str, show: Show) -> None:
        """Checkout, with the shop's order form and the details of the chat's previous order."""
        saved = await self._store.last_contacts(chat_id)
        draft = await self._store.load(chat_id)
        language = draft.customer.language if draft is not None else None
        questions = tuple(await self._shop.order_questions(language))
        await self.handle(chat_id, Checkout(draft_id, saved, questions), show)

    async def answer_saved_details(
        self, chat_id: int, draft_id: str, use: bool, show: Show
    ) -> None:
        saved = await self._store.last_contacts(chat_id) if use else None
        await self.handle(chat_id, SavedDetailsAnswered(draft_id, use, saved), show)

    async def confirm(self, chat_id: int, draft_id: str, show: Show) -> None:
        """Confirm, with the cart's prices read again from the shop.

        When the shop cannot be reached the order goes ahead at the prices shown: the shop
        prices the order itself when it is created.
        """
        draft = await self._store.load(chat_id)
        current: tuple[Product, ...] | None = None
        if draft is not None and draft.step is Step.CONFIRM and draft.draft_id == draft_id:
            try:
                ids = [line.product_id for line in draft.lines]
                current = tuple(await self._shop.current_products(ids, draft.customer.language))
            except ShopUnavailable as exc:
                log.warning("prices of draft %s not re-read: %s", draft_id, exc)
        await self.handle(chat_id, Confirm(draft_id, current), show)

    async def show_orders(self, chat_id: int, show: Show, language: str | None = None) -> None:
        """/orders: the chat's orders with their statuses read from the shop now, in `language`."""
        orders = (await self._store.orders_for_chat(chat_id))[:HISTORY_LIMIT]
        current: list[PlacedOrder] = []
        stale = False
        for order in orders:
            try:
                current.append(await self._shop.order_status(order, language))
            except ShopUnavailable as exc:
                log.warning("status of order %s not read: %s", order.order_id, exc)
                stale = True
                current.append(order)
        await show(OrderHistory(tuple(current), stale=stale))

    async def _product(self, product_id: int, language: str | None) -> Product | None:
        try:
            return await self._shop.get_product(product_id, language)
        except ShopUnavailable:
            return None

    async def _place(self, placing: Draft, screens: tuple[Screen, ...], show: Show) -> None:
        """Record the confirmation, make the first attempt, deliver what it owes the chat."""
        placement = new_placement(placing, self._placer.now())
        lease = placement.created_at + timedelta(seconds=self._placer.policy.lease)
        if not await self._placements.begin_placement(placement, lease):
            await show(Notice(NoticeKind.ALREADY_SUBMITTED))
            return
        await self._show_all(screens, show)
        result = await self._placer.attempt(placement)
        if result.state.in_flight:
            await show(Notice(NoticeKind.QUEUED))
        await self._courier.deliver(placement.draft_id)

    async def _show_all(self, screens: tuple[Screen, ...], show: Show) -> None:
        for screen in screens:
            await show(await self._complete(screen))

    async def _complete(self, screen: Screen) -> Screen:
        """Give the catalogue its products, and the reuse question the previous details."""
        if not isinstance(screen, Ask):
            return screen
        if screen.question is Step.REUSE and screen.saved is None:
            saved = await self._store.last_contacts(screen.draft.chat_id)
            return dataclasses.replace(screen, saved=saved)
        if screen.question is not Step.PRODUCT:
            return screen
        try:
            products = tuple(await self._shop.list_products(screen.draft.customer.language))
        except ShopUnavailable:
            return dataclasses.replace(screen, problem=Problem.SHOP_UNAVAILABLE)
        return dataclasses.replace(screen, products=products)


class PlacementWorker:
    """Finishes placements in the background: after a failed attempt, and after a restart."""

    def __init__(
        self, placements: PlacementStore, placer: Placer, courier: Courier, batch: int = 50
    ) -> None:
        self._placements = placements
        self._placer = placer
        self._courier = courier
        self._batch = batch

    async def resume(self) -> int:
        """At start-up: every placement the previous process left in flight is due now."""
        return await self._placements.release_leases(self._placer.now())

    async def run_once(self) -> int:
        """Attempt every due placement once, then deliver the outbox; the number attempted."""
        now = self._placer.now()
        lease = now + timedelta(seconds=self._placer.policy.lease)
        due = await self._placements.take_due(now, lease, self._batch)
        for placement in due:
            await self._placer.attempt(placement)
        await self._courier.deliver()
        return len(due)
