"""The ordering service, the placer and the placement worker, with dict-backed fakes."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from bot.contact_rules import ContactRules
from bot.ordering.events import AddMore, Confirm, Event, PageChosen, TextEntered
from bot.ordering.model import (
    GUEST_QUESTIONS,
    CartLine,
    Contacts,
    Customer,
    Draft,
    Money,
    OrderRequest,
    PlacedOrder,
    Placement,
    PlacementState,
    Product,
    Question,
    Step,
)
from bot.ordering.placement import Placer, RetryPolicy
from bot.ordering.ports import OrderRejected, OutcomeUnknown, ShopUnavailable
from bot.ordering.screens import (
    AdminOrderFailed,
    AdminOrderPlaced,
    AdminScreen,
    Ask,
    Notice,
    NoticeKind,
    OrderConfirmed,
    OrderHistory,
    Outgoing,
    Problem,
    Screen,
    Summary,
)
from bot.ordering.service import OrderingService, PlacementWorker

CUP = Product(15, "Cup", Decimal("400"))
SAVED_ANN = Contacts("Ann", "+18005000500", "ann@example.com")
START = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
GIVE_UP_AFTER = 600.0

T = TypeVar("T")

# --- fakes of the ports ------------------------------------------------------------------------


class Clock:
    """The placer's clock; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeStore:
    """DraftStore and PlacementStore in dicts, with the outbox as a list of undelivered messages."""

    def __init__(self) -> None:
        self.drafts: dict[int, Draft] = {}
        self.orders: dict[str, PlacedOrder] = {}
        self.placements: dict[str, Placement] = {}
        self.due_at: dict[str, datetime] = {}
        self.outbox: list[Outgoing] = []
        self.outbox_drafts: dict[str, str] = {}  # message key -> draft id

    # DraftStore

    async def load(self, chat_id: int) -> Draft | None:
        await asyncio.sleep(0)  # a concurrent second tap may load the same draft meanwhile
        return self.drafts.get(chat_id)

    async def save(self, draft: Draft) -> None:
        self.drafts[draft.chat_id] = draft

    async def save_language(self, draft: Draft) -> None:
        current = self.drafts.get(draft.chat_id)
        if current is None:
            self.drafts[draft.chat_id] = draft
        else:
            customer = dataclasses.replace(current.customer, language=draft.customer.language)
            self.drafts[draft.chat_id] = dataclasses.replace(current, customer=customer)

    async def order_for_draft(self, draft_id: str) -> PlacedOrder | None:
        return self.orders.get(draft_id)

    async def orders_for_chat(self, chat_id: int) -> list[PlacedOrder]:
        placed = [self.placements[d] for d in self.orders if d in self.placements]
        return [self.orders[p.draft_id] for p in reversed(placed) if p.chat_id == chat_id]

    async def last_contacts(self, chat_id: int) -> Contacts | None:
        for placement in reversed(list(self.placements.values())):
            draft = placement.draft
            if placement.draft_id in self.orders and draft.chat_id == chat_id:
                assert draft.name and draft.phone and draft.email
                return Contacts(draft.name, draft.phone, draft.email)
        return None

    # PlacementStore

    async def begin_placement(self, placement: Placement, lease_until: datetime) -> bool:
        current = self.drafts.get(placement.chat_id)
        if (
            current is None
            or current.draft_id != placement.draft_id
            or current.step is not Step.CONFIRM
        ):
            return False
        self.drafts[placement.chat_id] = dataclasses.replace(current, step=Step.PLACING)
        self.placements[placement.draft_id] = placement
        self.due_at[placement.draft_id] = lease_until
        return True

    async def mark_sending(self, draft_id: str) -> None:
        self._change(draft_id, uncertain=True)

    async def order_created(self, draft_id: str, order: PlacedOrder) -> None:
        self._change(draft_id, state=PlacementState.CREATED, order=order, uncertain=False)

    async def retry_later(
        self, draft_id: str, *, attempts: int, uncertain: bool, error: str, at: datetime
    ) -> None:
        self._change(draft_id, attempts=attempts, uncertain=uncertain, last_error=error)
        self.due_at[draft_id] = at

    async def complete(
        self, placement: Placement, order: PlacedOrder, messages: Sequence[Outgoing]
    ) -> None:
        self.orders.setdefault(placement.draft_id, order)
        self._move_draft(placement.draft, Step.DONE)
        self._change(placement.draft_id, state=PlacementState.PLACED, order=order, uncertain=False)
        self._queue(placement.draft_id, messages)

    async def give_up(self, placement: Placement, messages: Sequence[Outgoing]) -> None:
        self._change(placement.draft_id, state=PlacementState.FAILED)
        self._move_draft(placement.draft, Step.CONFIRM)
        self._queue(placement.draft_id, messages)

    async def take_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Placement]:
        due = [
            p
            for draft_id, p in self.placements.items()
            if p.state.in_flight and self.due_at[draft_id] <= now
        ][:limit]
        for placement in due:
            self.due_at[placement.draft_id] = lease_until
        return due

    async def release_leases(self, now: datetime) -> int:
        in_flight = [d for d, p in self.placements.items() if p.state.in_flight]
        for draft_id in in_flight:
            self.due_at[draft_id] = now
        return len(in_flight)

    # helpers

    def placement(self, draft_id: str = "d1") -> Placement:
        return self.placements[draft_id]

    def _change(self, draft_id: str, **changes: Any) -> None:
        self.placements[draft_id] = dataclasses.replace(self.placements[draft_id], **changes)

    def _move_draft(self, draft: Draft, step: Step) -> None:
        current = self.drafts.get(draft.chat_id)
        placing = current is not None and current.step is Step.PLACING
        if placing and current is not None and current.draft_id == draft.draft_id:
            self.drafts[draft.chat_id] = dataclasses.replace(current, step=step)

    def _queue(self, draft_id: str, messages: Sequence[Outgoing]) -> None:
        for message in messages:
            if message.key not in self.outbox_drafts:
                self.outbox.append(message)
                self.outbox_drafts[message.key] = draft_id


@dataclasses.dataclass
class Failure:
    error: Exception
    applied: bool  # the shop did the work before the error (a lost answer)


class FakeShop:
    """A shop with orders and payment sessions in dicts; each operation can be told to fail."""

    def __init__(self) -> None:
        self.orders: dict[int, OrderRequest] = {}
        self.sessions: dict[int, list[int]] = {}  # order id -> its payment sessions' ids
        self.prices: dict[int, Decimal] = {CUP.id: CUP.price or Decimal(0)}  # the shop's now
        self.statuses: dict[int, str] = {}  # order id -> its status now
        self.questions: tuple[Question, ...] = GUEST_QUESTIONS  # the order form
        self._failures: dict[str, list[Failure]] = {}
        self.languages: list[str | None] = []  # the language of each call, in order

    def fail(
        self, operation: str, error: Exception, *, applied: bool = False, times: int = 1
    ) -> None:
        """The next `times` calls of `operation` raise `error` (after doing the work if applied)."""
        self._failures.setdefault(operation, []).extend(
            Failure(error, applied) for _ in range(times)
        )

    async def list_products(self, language: str | None = None) -> Sequence[Product]:
        self.languages.append(language)
        return await self._run("list_products", lambda: [CUP])

    async def get_product(self, product_id: int, language: str | None = None) -> Product | None:
        self.languages.append(language)
        return await self._run("get_product", lambda: CUP if product_id == CUP.id else None)

    async def current_products(
        self, product_ids: Sequence[int], language: str | None = None
    ) -> Sequence[Product]:
        self.languages.append(language)

        def read() -> list[Product]:
            found = [i for i in product_ids if i in self.prices]
            return [dataclasses.replace(CUP, id=i, price=self.prices[i]) for i in found]

        return await self._run("current_products", read)

    async def order_questions(self, language: str | None = None) -> Sequence[Question]:
        return self.questions

    async def order_status(self, order: PlacedOrder, language: str | None = None) -> PlacedOrder:
        self.languages.append(language)

        def read() -> PlacedOrder:
            status = self.statuses.get(order.order_id, order.status_id)
            return dataclasses.replace(order, status_id=status, status_title=status.title())

        return await self._run("order_status", read)

    async def create_order(self, request: OrderRequest, language: str | None = None) -> PlacedOrder:
        self.languages.append(language)

        def create() -> PlacedOrder:
            order_id = 100 + len(self.orders) + 1
            self.orders[order_id] = request
            self.sessions[order_id] = []
            return a_placed_order(order_id)

        return await self._run("create_order", create)

    async def find_order(self, request: OrderRequest, since: datetime) -> PlacedOrder | None:
        def find() -> PlacedOrder | None:
            found = [order_id for order_id, r in self.orders.items() if r == request]
            return a_placed_order(found[-1]) if found else None

        return await self._run("find_order", find)

    async def find_payment(self, order: PlacedOrder) -> PlacedOrder | None:
        def find() -> PlacedOrder | None:
            ids = self.sessions[order.order_id]
            return with_session(order, ids[-1]) if ids else None

        return await self._run("find_payment", find)

    async def open_payment(self, order: PlacedOrder) -> PlacedOrder:
        def open_session() -> PlacedOrder:
            session_id = 500 + sum(len(ids) for ids in self.sessions.values()) + 1
            self.sessions[order.order_id].append(session_id)
            return with_session(order, session_id)

        return await self._run("open_payment", open_session)

    def session_count(self) -> int:
        return sum(len(ids) for ids in self.sessions.values())

    async def _run(self, operation: str, work: Callable[[], T]) -> T:
        await asyncio.sleep(0)  # let a concurrent second tap run meanwhile
        queued = self._failures.get(operation)
        failure = queued.pop(0) if queued else None
        if failure is not None and not failure.applied:
            raise failure.error
        result = work()
        if failure is not None:
            raise failure.error
        return result


class FakeCourier:
    """Takes the store's undelivered messages (all, or one draft's) and keeps them as sent."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.sent: list[Outgoing] = []
        self.rounds: list[str | None] = []
        self.reachable = True

    async def deliver(self, draft_id: str | None = None) -> None:
        self.rounds.append(draft_id)
        if not self.reachable:
            return
        for message in list(self.store.outbox):
            if draft_id is None or self.store.outbox_drafts[message.key] == draft_id:
                self.store.outbox.remove(message)
                self.sent.append(message)


# --- the world under test ---------------------------------------------------------------------


def a_placed_order(order_id: int) -> PlacedOrder:
    return PlacedOrder(order_id, Money(Decimal("400"), "USD"), "new", "New", None, None, None)


def with_session(order: PlacedOrder, session_id: int) -> PlacedOrder:
    return dataclasses.replace(order, payment_session_id=session_id, payment_status="waiting")


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


@dataclasses.dataclass
class World:
    store: FakeStore
    shop: FakeShop
    courier: FakeCourier
    clock: Clock
    placer: Placer
    service: OrderingService
    worker: PlacementWorker

    async def confirm(self) -> Screens:
        """Confirm the chat's summary: the placement is recorded and its first attempt made."""
        await self.store.save(confirm_draft())
        return await handle(self.service, Confirm("d1"))

    async def retry(self) -> Placement:
        """The next attempt of the placement, made once its retry is due."""
        self.clock.advance(GIVE_UP_AFTER / 10)
        return await self.placer.attempt(self.store.placement())


def make(jitter: float = 0.0) -> World:
    store, shop, clock = FakeStore(), FakeShop(), Clock()
    courier = FakeCourier(store)
    rules = ContactRules("US")
    policy = RetryPolicy(base=2.0, cap=30.0, give_up_after=GIVE_UP_AFTER, lease=120.0)
    placer = Placer(store, shop, rules, policy, clock=clock, jitter=lambda: jitter)
    service = OrderingService(store, store, shop, placer, courier, rules)
    worker = PlacementWorker(store, placer, courier)
    return World(store, shop, courier, clock, placer, service, worker)


class Screens(list[Screen]):
    async def __call__(self, screen: Screen) -> None:
        self.append(screen)


async def handle(service: OrderingService, event: Event) -> Screens:
    shown = Screens()
    await service.handle(42, event, shown)
    return shown


def screens(messages: Sequence[Outgoing]) -> list[Screen | AdminScreen]:
    return [message.screen for message in messages]


# --- the service --------------------------------------------------------------------------------


async def test_each_answer_is_saved_before_the_reply_is_shown() -> None:
    """A restart after any reply finds the answer already in the store."""
    world = make()
    store = world.store
    await store.save(dataclasses.replace(confirm_draft(), step=Step.NAME, name=None))
    seen: list[Draft | None] = []

    async def show(screen: Screen) -> None:
        seen.append(await store.load(42))

    await world.service.handle(42, TextEntered("Christina"), show)
    assert seen and all(d is not None and d.name == "Christina" for d in seen)


async def test_confirm_places_the_order_and_sends_the_confirmation_and_admin_notice() -> None:
    """One order, recorded against the draft; the customer's and the admins' messages are sent."""
    world = make()
    shown = await world.confirm()
    assert list(world.shop.orders) == [101] and world.shop.session_count() == 1
    assert world.store.orders["d1"].order_id == 101 and world.store.drafts[42].step is Step.DONE
    assert world.store.placement().state is PlacementState.PLACED
    assert shown == [Notice(NoticeKind.PLACING)]
    confirmed, admins = world.courier.sent
    assert confirmed.chat_id == 42 and isinstance(confirmed.screen, OrderConfirmed)
    assert confirmed.screen.order.payment_session_id == 501
    assert admins.chat_id is None and isinstance(admins.screen, AdminOrderPlaced)
    assert world.store.outbox == [] and world.courier.rounds == ["d1"]


async def test_two_concurrent_confirms_place_one_order() -> None:
    """The store's guard lets exactly one of two simultaneous taps through."""
    world = make()
    await world.store.save(confirm_draft())
    first, second = await asyncio.gather(
        handle(world.service, Confirm("d1")), handle(world.service, Confirm("d1"))
    )
    assert len(world.shop.orders) == 1 and world.shop.session_count() == 1
    assert Notice(NoticeKind.ALREADY_SUBMITTED) in first + second
    kinds = [type(s) for s in screens(world.courier.sent)]
    assert kinds == [OrderConfirmed, AdminOrderPlaced]


async def test_an_unreachable_shop_keeps_the_placement_queued_for_the_worker() -> None:
    """ShopUnavailable tells the customer the order is queued; the worker places it later."""
    world = make()
    world.shop.fail("create_order", ShopUnavailable("connection refused"))
    shown = await world.confirm()
    assert shown == [Notice(NoticeKind.PLACING), Notice(NoticeKind.QUEUED)]
    assert world.store.placement().state is PlacementState.QUEUED
    assert world.store.drafts[42].step is Step.PLACING
    assert world.shop.orders == {} and world.courier.sent == []
    world.clock.advance(60)
    assert await world.worker.run_once() == 1
    assert len(world.shop.orders) == 1 and world.store.drafts[42].step is Step.DONE
    assert isinstance(world.courier.sent[0].screen, OrderConfirmed)


async def test_a_rejected_order_puts_the_draft_back_at_confirm_with_the_shops_reason() -> None:
    """OrderRejected fails the placement; the customer gets the summary with the server's text."""
    world = make()
    reason = "formData's marker 'guest_email' value is missing or incorrect"
    world.shop.fail("create_order", OrderRejected(reason))
    await world.confirm()
    assert world.store.drafts[42] == confirm_draft()
    assert world.store.placement().state is PlacementState.FAILED
    summary, admins = screens(world.courier.sent)
    assert isinstance(summary, Summary) and summary.problem is Problem.ORDER_REJECTED
    assert "guest_email" in summary.detail and summary.draft.step is Step.CONFIRM
    assert isinstance(admins, AdminOrderFailed) and admins.detail == reason


async def test_an_undeliverable_confirmation_leaves_the_order_placed_and_queued() -> None:
    """When Telegram can't be reached the order stands; its messages wait in the outbox."""
    world = make()
    world.courier.reachable = False
    await world.confirm()
    assert world.store.drafts[42].step is Step.DONE and world.store.orders["d1"].order_id == 101
    assert [type(s) for s in screens(world.store.outbox)] == [OrderConfirmed, AdminOrderPlaced]


async def test_the_product_question_comes_with_the_catalogue() -> None:
    """The service fills the catalogue with the shop's products, or says it is unreachable."""
    world = make()
    await world.store.save(dataclasses.replace(confirm_draft(), step=Step.CART))
    shown = await handle(world.service, AddMore("d1"))
    assert isinstance(shown[-1], Ask) and shown[-1].products == (CUP,)
    world.shop.fail("list_products", ShopUnavailable("down"))
    shown = await handle(world.service, PageChosen("d1", 1))
    assert isinstance(shown[-1], Ask) and shown[-1].problem is Problem.SHOP_UNAVAILABLE


async def test_confirm_rereads_prices_and_a_changed_price_is_shown_before_placing() -> None:
    """The shop's new price: a fresh summary, nothing placed; the next Confirm places it."""
    world = make()
    await world.store.save(confirm_draft())
    world.shop.prices[15] = Decimal("420")
    shown = Screens()
    await world.service.confirm(42, "d1", shown)
    assert shown == [Summary(world.store.drafts[42], Problem.PRICES_CHANGED)]
    assert world.store.drafts[42].lines[0].unit_price == Decimal("420") and not world.shop.orders
    await world.service.confirm(42, "d1", shown)
    assert [r.lines[0].unit_price for r in world.shop.orders.values()] == [Decimal("420")]


async def test_confirm_places_at_the_shown_prices_when_the_shop_cannot_be_read() -> None:
    """A failed re-read does not block the order: the shop prices it when it is created."""
    world = make()
    await world.store.save(confirm_draft())
    world.shop.fail("current_products", ShopUnavailable("down"))
    await world.service.confirm(42, "d1", Screens())
    assert len(world.shop.orders) == 1


async def test_checkout_offers_the_details_of_the_chats_previous_order() -> None:
    """After a placed order, the next checkout asks whether to use the same details."""
    world = make()
    await world.confirm()
    fresh = Draft(42, "d2", Customer(42, "Ann"), Step.CART, lines=confirm_draft().lines)
    await world.store.save(fresh)
    shown = Screens()
    await world.service.checkout(42, "d2", shown)
    assert shown == [
        Ask(
            dataclasses.replace(fresh, step=Step.REUSE, questions=GUEST_QUESTIONS),
            Step.REUSE,
            saved=SAVED_ANN,
        ),
    ]
    await world.service.answer_saved_details(42, "d2", True, shown)
    draft = world.store.drafts[42]
    assert (draft.step, draft.name, draft.email) == (Step.CONFIRM, "Ann", "ann@example.com")


async def test_order_history_shows_current_statuses_or_the_stored_ones() -> None:
    """/orders reads each order's status from the shop; when it fails, the stored one is shown."""
    world = make()
    await world.confirm()
    (order_id,) = world.shop.orders
    world.shop.statuses[order_id] = "confirmed"
    shown = Screens()
    await world.service.show_orders(42, shown)
    (history,) = shown
    assert isinstance(history, OrderHistory) and not history.stale
    assert [o.status_id for o in history.orders] == ["confirmed"]
    world.shop.fail("order_status", ShopUnavailable("down"))
    await world.service.show_orders(42, shown)
    assert isinstance(shown[-1], OrderHistory) and shown[-1].stale
    assert [o.status_id for o in shown[-1].orders] == ["new"]


# --- the placer ---------------------------------------------------------------------------------


async def test_after_a_create_timeout_the_next_attempt_finds_the_order_not_recreates() -> None:
    """OutcomeUnknown marks the placement uncertain; the order found is not created again."""
    world = make()
    world.shop.fail("create_order", OutcomeUnknown("read timeout"), applied=True)
    await world.confirm()
    assert world.store.placement().uncertain and world.store.placement().order is None
    assert list(world.shop.orders) == [101]
    await world.retry()
    assert list(world.shop.orders) == [101]
    placed = world.store.placement()
    assert placed.state is PlacementState.PLACED and placed.order is not None
    assert placed.order.order_id == 101 and world.store.orders["d1"].order_id == 101


async def test_a_refused_connection_on_create_does_not_make_the_next_attempt_look_up() -> None:
    """A create that surely failed clears the doubt: the retry creates at once, no look-up."""
    world = make()
    world.shop.fail("create_order", ShopUnavailable("connection refused"))
    await world.confirm()
    assert not world.store.placement().uncertain
    world.shop.fail("find_order", ShopUnavailable("a look-up would fail"))
    await world.retry()
    assert world.store.placement().state is PlacementState.PLACED
    assert list(world.shop.orders) == [101]


async def test_a_failed_look_up_keeps_the_doubt() -> None:
    """When finding the order fails, the placement stays uncertain and nothing is created."""
    world = make()
    world.shop.fail("create_order", OutcomeUnknown("read timeout"), applied=True)
    await world.confirm()
    world.shop.fail("find_order", ShopUnavailable("listing failed"))
    await world.retry()
    doubtful = world.store.placement()
    assert doubtful.uncertain and doubtful.state is PlacementState.QUEUED
    assert doubtful.attempts == 2 and doubtful.last_error == "listing failed"
    await world.retry()
    assert world.store.placement().state is PlacementState.PLACED
    assert list(world.shop.orders) == [101]


async def test_after_a_timeout_on_the_payment_session_the_next_attempt_finds_it_first() -> None:
    """OutcomeUnknown on open_payment: the retry finds the session and opens no second one."""
    world = make()
    world.shop.fail("open_payment", OutcomeUnknown("read timeout"), applied=True)
    await world.confirm()
    created = world.store.placement()
    assert created.state is PlacementState.CREATED and created.uncertain
    assert world.shop.sessions == {101: [501]}
    await world.retry()
    assert world.shop.sessions == {101: [501]}
    assert world.store.orders["d1"].payment_session_id == 501


async def test_a_placement_that_surely_has_no_order_is_given_up_after_give_up_after() -> None:
    """Refused connections until give_up_after: the draft is back at its summary, admins told."""
    world = make()
    world.shop.fail("create_order", ShopUnavailable("connection refused"), times=100)
    await world.confirm()
    world.clock.advance(GIVE_UP_AFTER - 1)
    await world.placer.attempt(world.store.placement())
    assert world.store.placement().state is PlacementState.QUEUED
    world.clock.advance(1)
    await world.placer.attempt(world.store.placement())
    assert world.store.placement().state is PlacementState.FAILED
    assert world.store.drafts[42] == confirm_draft()
    summary, admins = screens(world.store.outbox)
    assert isinstance(summary, Summary) and summary.problem is Problem.PLACEMENT_GAVE_UP
    assert isinstance(admins, AdminOrderFailed) and admins.problem is Problem.PLACEMENT_GAVE_UP
    assert world.shop.orders == {}


async def test_an_uncertain_placement_is_not_given_up_while_its_order_cannot_be_looked_up() -> None:
    """While an order may exist and the look-up fails, attempts go on past give_up_after."""
    world = make()
    world.shop.fail("create_order", OutcomeUnknown("502 from the proxy"))
    await world.confirm()
    world.shop.fail("find_order", ShopUnavailable("listing down"), times=100)
    for _ in range(3):
        world.clock.advance(GIVE_UP_AFTER)
        await world.placer.attempt(world.store.placement())
    still = world.store.placement()
    assert still.state is PlacementState.QUEUED and still.uncertain and still.attempts == 4
    assert world.store.drafts[42].step is Step.PLACING and world.store.outbox == []


async def test_after_give_up_time_an_order_found_by_the_look_up_is_placed() -> None:
    """An uncertain placement whose order turns up late is placed, not given up."""
    world = make()
    world.shop.fail("create_order", OutcomeUnknown("read timeout"), applied=True)
    await world.confirm()
    world.clock.advance(GIVE_UP_AFTER)
    await world.placer.attempt(world.store.placement())
    assert world.store.placement().state is PlacementState.PLACED
    assert list(world.shop.orders) == [101] and world.store.drafts[42].step is Step.DONE


async def test_after_give_up_time_a_look_up_finding_no_order_gives_up_without_creating() -> None:
    """Past give_up_after nothing is created: no order found means the placement fails."""
    world = make()
    world.shop.fail("create_order", OutcomeUnknown("502 from the proxy"))
    await world.confirm()
    world.clock.advance(GIVE_UP_AFTER)
    await world.placer.attempt(world.store.placement())  # a create now would succeed
    assert world.store.placement().state is PlacementState.FAILED
    assert world.shop.orders == {} and world.store.drafts[42] == confirm_draft()
    assert [type(s) for s in screens(world.store.outbox)] == [Summary, AdminOrderFailed]


@pytest.mark.parametrize(
    "error", [ShopUnavailable("connection refused"), OutcomeUnknown("503 after commit")]
)
async def test_an_order_whose_session_never_opens_is_completed_without_one_after_give_up_time(
    error: ShopUnavailable,
) -> None:
    """The order exists, so it is placed (without a session) rather than retried for ever."""
    world = make()
    world.shop.fail("open_payment", error, times=100)
    await world.confirm()
    world.clock.advance(GIVE_UP_AFTER / 2)
    await world.placer.attempt(world.store.placement())
    assert world.store.placement().state is PlacementState.CREATED
    world.clock.advance(GIVE_UP_AFTER / 2)
    await world.placer.attempt(world.store.placement())
    placed = world.store.placement()
    assert placed.state is PlacementState.PLACED and world.store.drafts[42].step is Step.DONE
    assert world.store.orders["d1"].order_id == 101
    assert world.store.orders["d1"].payment_session_id is None
    confirmed = world.store.outbox[0].screen
    assert isinstance(confirmed, OrderConfirmed) and confirmed.order.lines == confirm_draft().lines


def test_the_retry_delay_doubles_with_each_failure() -> None:
    """Without jitter the wait is half of base * 2^(attempts-1)."""
    policy = RetryPolicy(base=2.0, cap=1000.0)
    waits = [policy.delay(attempts, 0.0).total_seconds() for attempts in range(1, 6)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_the_retry_delay_is_capped() -> None:
    """However many failures, the wait never passes `cap`."""
    policy = RetryPolicy(base=2.0, cap=300.0)
    assert policy.delay(9, 0.999).total_seconds() <= 300.0
    assert policy.delay(60, 0.999).total_seconds() <= 300.0
    assert policy.delay(60, 0.0).total_seconds() == 150.0


@pytest.mark.parametrize("attempts", [0, 1, 3, 8, 40])
@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.5, 0.75, 0.999999])
def test_jitter_keeps_the_delay_between_half_and_all_of_its_ceiling(
    attempts: int, jitter: float
) -> None:
    """delay is in [ceiling/2, ceiling], ceiling = min(cap, base * 2^(attempts-1))."""
    policy = RetryPolicy(base=2.0, cap=300.0)
    ceiling = min(300.0, 2.0 * 2 ** max(attempts - 1, 0))
    wait = policy.delay(attempts, jitter).total_seconds()
    assert ceiling / 2 <= wait <= ceiling


async def test_a_failed_attempt_is_due_again_after_the_jittered_delay() -> None:
    """The placer asks its jitter: with 0.5 the first retry waits 0.75 of the base."""
    world = make(jitter=0.5)
    world.shop.fail("create_order", ShopUnavailable("connection refused"))
    await world.confirm()
    assert world.store.due_at["d1"] == START + timedelta(seconds=1.5)
    assert world.store.placement().attempts == 1


# --- the worker ---------------------------------------------------------------------------------


async def test_resume_makes_placements_left_in_flight_due_at_once() -> None:
    """A placement leased by a process that died is attempted at once after resume()."""
    world = make()
    await world.store.save(confirm_draft())
    placing = dataclasses.replace(confirm_draft(), step=Step.PLACING)
    leased = Placement(placing, PlacementState.QUEUED, START)
    await world.store.begin_placement(leased, START + timedelta(minutes=2))
    assert await world.worker.run_once() == 0
    assert await world.worker.resume() == 1
    assert await world.worker.run_once() == 1
    assert world.store.placement().state is PlacementState.PLACED
    assert [type(s) for s in screens(world.courier.sent)] == [OrderConfirmed, AdminOrderPlaced]


async def test_run_once_attempts_only_due_placements_and_delivers_the_outbox() -> None:
    """Before its retry time a placement is left alone; at it, it is placed and announced."""
    world = make()
    world.shop.fail("create_order", ShopUnavailable("connection refused"))
    await world.confirm()
    world.clock.advance(0.5)
    assert await world.worker.run_once() == 0
    assert world.shop.orders == {}
    world.clock.advance(0.5)
    assert await world.worker.run_once() == 1
    assert list(world.shop.orders) == [101]
    assert [type(s) for s in screens(world.courier.sent)] == [OrderConfirmed, AdminOrderPlaced]
    assert world.courier.rounds[-1] is None
    assert await world.worker.run_once() == 0
