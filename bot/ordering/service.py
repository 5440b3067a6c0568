"""The ordering service: load a chat's draft, step it, run its effects, save it."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Awaitable, Callable

from bot.ordering.conversation import Outcome, Rules, step
from bot.ordering.events import Event, OrderPlaced, PlacementFailed, ProductChosen
from bot.ordering.model import Draft, Step
from bot.ordering.ports import AdminNotifier, DraftStore, OrderRejected, Shop, ShopUnavailable
from bot.ordering.screens import Ask, Notice, NoticeKind, PlaceOrder, Problem, Screen

log = logging.getLogger(__name__)

Show = Callable[[Screen], Awaitable[None]]


def new_draft_id() -> str:
    """A short random id: it travels in every button's callback data."""
    return secrets.token_urlsafe(8)


class OrderingService:
    def __init__(
        self, store: DraftStore, shop: Shop, notifier: AdminNotifier, rules: Rules
    ) -> None:
        self._store = store
        self._shop = shop
        self._notifier = notifier
        self._rules = rules

    async def handle(self, chat_id: int, event: Event, show: Show) -> None:
        """Apply one customer event.

        Callers handle one event per chat at a time (the Telegram adapter's update processor does);
        placing an order is guarded in the store as well, so a second Confirm never places twice.
        """
        draft = await self._store.load(chat_id)
        outcome = step(draft, event, self._rules)
        placement = next((e for e in outcome.effects if isinstance(e, PlaceOrder)), None)
        if placement is not None and outcome.draft is not None:
            await self._place(chat_id, outcome, placement, show)
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

    async def _place(
        self, chat_id: int, outcome: Outcome, placement: PlaceOrder, show: Show
    ) -> None:
        placing = outcome.draft
        assert placing is not None
        if not await self._store.claim_for_placement(chat_id, placing.draft_id):
            await show(Notice(NoticeKind.ALREADY_SUBMITTED))
            return
        await self._show_all(outcome.screens, show)
        try:
            order = await self._shop.place_order(placement.request)
        except ShopUnavailable as exc:
            log.warning("order placement failed, shop unavailable: %s", exc)
            await self._finish(placing, PlacementFailed(retryable=True), show)
            return
        except OrderRejected as exc:
            log.warning("order rejected by the shop: %s", exc)
            await self._finish(placing, PlacementFailed(retryable=False, detail=str(exc)), show)
            return
        order = dataclasses.replace(order, lines=order.lines or placing.lines)
        await self._store.record_order(placing, order)
        done = step(placing, OrderPlaced(order), self._rules)
        await self._show_all(done.screens, show)
        try:
            await self._notifier.order_placed(placing, order)
        except Exception:  # the customer's order stands even when the admins can't be told
            log.exception("admin notification for order %s failed", order.order_id)

    async def _finish(self, placing: Draft, event: Event, show: Show) -> None:
        outcome = step(placing, event, self._rules)
        if outcome.draft is not None:
            await self._store.save(outcome.draft)
        await self._show_all(outcome.screens, show)

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
