"""The ordering service: load a chat's draft, step it, run its effects, save it.

And the worker that finishes, in the background, the placements that could not be finished at once.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.ordering.conversation import Rules, step
from bot.ordering.events import Event, ProductChosen
from bot.ordering.model import Draft, Step
from bot.ordering.placement import Placer, new_placement
from bot.ordering.ports import Courier, DraftStore, PlacementStore, Shop, ShopUnavailable
from bot.ordering.screens import Ask, Notice, NoticeKind, PlaceOrder, Problem, Screen

log = logging.getLogger(__name__)

Show = Callable[[Screen], Awaitable[None]]


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

    async def choose_product(
        self, chat_id: int, draft_id: str, product_id: int, show: Show
    ) -> None:
        """A tap on a product button: the product is looked up before the conversation sees it."""
        try:
            product = await self._shop.get_product(product_id)
        except ShopUnavailable:
            product = None
        await self.handle(chat_id, ProductChosen(draft_id, product), show)

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
        """Give a product question its catalogue."""
        if not (isinstance(screen, Ask) and screen.question is Step.PRODUCT):
            return screen
        try:
            products = tuple(await self._shop.list_products())
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
