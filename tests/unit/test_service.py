"""The ordering service with dict-backed fakes of its ports."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from decimal import Decimal

from bot.contact_rules import ContactRules
from bot.ordering.events import Confirm, Event, TextEntered
from bot.ordering.model import (
    CartLine,
    Customer,
    Draft,
    Money,
    OrderRequest,
    PlacedOrder,
    Product,
    Step,
)
from bot.ordering.ports import OrderRejected, ShopUnavailable
from bot.ordering.screens import Ask, Notice, NoticeKind, OrderConfirmed, Problem, Screen, Summary
from bot.ordering.service import OrderingService

CUP = Product(15, "Cup", Decimal("400"))


class FakeStore:
    def __init__(self) -> None:
        self.drafts: dict[int, Draft] = {}
        self.orders: dict[str, PlacedOrder] = {}

    async def load(self, chat_id: int) -> Draft | None:
        return self.drafts.get(chat_id)

    async def save(self, draft: Draft) -> None:
        self.drafts[draft.chat_id] = draft

    async def claim_for_placement(self, chat_id: int, draft_id: str) -> bool:
        draft = self.drafts.get(chat_id)
        if draft is None or draft.draft_id != draft_id or draft.step is not Step.CONFIRM:
            return False
        self.drafts[chat_id] = dataclasses.replace(draft, step=Step.PLACING)
        return True

    async def record_order(self, draft: Draft, order: PlacedOrder) -> None:
        self.orders[draft.draft_id] = order
        self.drafts[draft.chat_id] = dataclasses.replace(draft, step=Step.DONE)

    async def order_for_draft(self, draft_id: str) -> PlacedOrder | None:
        return self.orders.get(draft_id)


class FakeShop:
    def __init__(self) -> None:
        self.placed: list[OrderRequest] = []
        self.failure: Exception | None = None

    async def list_products(self) -> Sequence[Product]:
        if isinstance(self.failure, ShopUnavailable):
            raise self.failure
        return [CUP]

    async def get_product(self, product_id: int) -> Product | None:
        return CUP if product_id == CUP.id else None

    async def place_order(self, request: OrderRequest) -> PlacedOrder:
        await asyncio.sleep(0)  # let a concurrent second tap run meanwhile
        if self.failure is not None:
            raise self.failure
        self.placed.append(request)
        return PlacedOrder(
            len(self.placed), Money(Decimal("400"), "USD"), "new", "New", 1, "waiting", None
        )


class FakeNotifier:
    def __init__(self, fail: bool = False) -> None:
        self.told: list[int] = []
        self.fail = fail

    async def order_placed(self, draft: Draft, order: PlacedOrder) -> None:
        if self.fail:
            raise RuntimeError("admin group unreachable")
        self.told.append(order.order_id)


def confirm_draft() -> Draft:
    return Draft(
        42,
        "d1",
        Customer(42, "Ann"),
        Step.CONFIRM,
        name="Ann",
        phone="+18005000500",
        email="ann@example.com",
        lines=(CartLine(15, "Cup", 1, Decimal("400")),),
    )


def make(
    notifier: FakeNotifier | None = None,
) -> tuple[OrderingService, FakeStore, FakeShop, FakeNotifier]:
    store, shop, notifier = FakeStore(), FakeShop(), notifier or FakeNotifier()
    return OrderingService(store, shop, notifier, ContactRules("US")), store, shop, notifier


class Screens(list[Screen]):
    async def __call__(self, screen: Screen) -> None:
        self.append(screen)


async def handle(service: OrderingService, event: Event) -> Screens:
    shown = Screens()
    await service.handle(42, event, shown)
    return shown


async def test_each_answer_is_saved_before_the_reply_is_shown() -> None:
    """A restart after any reply finds the answer already in the store."""
    service, store, _, _ = make()
    await store.save(dataclasses.replace(confirm_draft(), step=Step.NAME, name=None))
    seen: list[Draft | None] = []

    async def show(screen: Screen) -> None:
        seen.append(await store.load(42))

    await service.handle(42, TextEntered("Christina"), show)
    assert seen and all(d is not None and d.name == "Christina" for d in seen)


async def test_confirm_places_the_order_records_it_and_tells_the_admins() -> None:
    """One order, recorded against the draft, one admin notification."""
    service, store, shop, notifier = make()
    await store.save(confirm_draft())
    shown = await handle(service, Confirm("d1"))
    assert len(shop.placed) == 1 and notifier.told == [1]
    assert store.orders["d1"].order_id == 1 and store.drafts[42].step is Step.DONE
    assert shown[0] == Notice(NoticeKind.PLACING)
    assert isinstance(shown[-1], OrderConfirmed)


async def test_two_concurrent_confirms_place_one_order() -> None:
    """The store's claim lets exactly one of two simultaneous taps through."""
    service, store, shop, notifier = make()
    await store.save(confirm_draft())
    first, second = await asyncio.gather(
        handle(service, Confirm("d1")), handle(service, Confirm("d1"))
    )
    assert len(shop.placed) == 1 and notifier.told == [1]
    assert Notice(NoticeKind.ALREADY_SUBMITTED) in first + second


async def test_an_unreachable_shop_keeps_the_draft_for_another_try() -> None:
    """ShopUnavailable brings the summary back with a reason; confirming again works."""
    service, store, shop, _ = make()
    await store.save(confirm_draft())
    shop.failure = ShopUnavailable("timeout")
    shown = await handle(service, Confirm("d1"))
    assert store.drafts[42] == confirm_draft()
    assert shown[-1] == Summary(confirm_draft(), Problem.SHOP_UNAVAILABLE)
    shop.failure = None
    await handle(service, Confirm("d1"))
    assert len(shop.placed) == 1


async def test_a_rejected_order_shows_the_shops_reason() -> None:
    """OrderRejected returns to the summary with the server's message."""
    service, store, shop, _ = make()
    await store.save(confirm_draft())
    shop.failure = OrderRejected("formData's marker 'guest_email' value is missing or incorrect")
    shown = await handle(service, Confirm("d1"))
    last = shown[-1]
    assert isinstance(last, Summary) and last.problem is Problem.ORDER_REJECTED
    assert "guest_email" in last.detail


async def test_a_failing_admin_notification_does_not_undo_the_order() -> None:
    """The customer still gets the confirmation when the admin group can't be reached."""
    service, store, _, _ = make(FakeNotifier(fail=True))
    await store.save(confirm_draft())
    shown = await handle(service, Confirm("d1"))
    assert isinstance(shown[-1], OrderConfirmed) and store.drafts[42].step is Step.DONE


async def test_the_product_question_comes_with_the_catalogue() -> None:
    """The service fills the product screen with the shop's products, or says it is unreachable."""
    service, store, shop, _ = make()
    await store.save(dataclasses.replace(confirm_draft(), step=Step.EMAIL, email=None))
    shown = await handle(service, TextEntered("ann@example.com"))
    assert isinstance(shown[-1], Ask) and shown[-1].products == (CUP,)
    shop.failure = ShopUnavailable("down")
    shown = await handle(service, TextEntered("anything"))
    assert isinstance(shown[-1], Ask) and shown[-1].problem is Problem.SHOP_UNAVAILABLE
