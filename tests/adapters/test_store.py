"""The SQL store and outbox on SQLite files and PostgreSQL, on schemas the migrations built."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

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
from bot.ordering.ports import OutboxItem
from bot.ordering.screens import (
    AdminOrderFailed,
    AdminOrderPlaced,
    AdminScreen,
    Notice,
    NoticeKind,
    OrderConfirmed,
    Outgoing,
    Problem,
    Screen,
    Summary,
)
from db.engine import async_url, create_engine, default_database_url
from db.migrate import upgrade
from db.outbox import SqlOutbox
from db.store import SqlStore
from db.tables import DraftRow, OrderRow

BIG_CHAT_ID = -1001987654321  # supergroup ids and many user ids do not fit in 32 bits
BIG_USER_ID = 7_123_456_789


def a_draft(chat_id: int = BIG_CHAT_ID, draft_id: str = "d-1", step: Step = Step.CONFIRM) -> Draft:
    return Draft(
        chat_id=chat_id,
        draft_id=draft_id,
        customer=Customer(
            user_id=BIG_USER_ID, first_name="Анна 🌸", username="anna_k", language="ru"
        ),
        step=step,
        name="Анна-Мария Ёлкина 👩‍🍳",
        phone="+79161234567",
        email="anna@example.com",
        lines=(
            CartLine(
                product_id=12, title="Чай «Улун» 🍵", quantity=2, unit_price=Decimal("1499.90")
            ),
            CartLine(product_id=3_000_000_001, title="Sample", quantity=1, unit_price=None),
        ),
        pending=Product(
            id=77,
            title="Вишнёвый пирог 🍒",
            price=Decimal("0.10"),
            image_url="https://x.test/p.png",
        ),
        questions=FORM_QUESTIONS,
        answers={"delivery": "courier", "guest_comment": "Домофон 12 🔔", "guests": "3"},
    )


FORM_QUESTIONS = (
    Question("guest_name", "Ваше имя", FieldKind.NAME, min_length=2, max_length=64),
    Question("guest_phone", "Телефон", FieldKind.PHONE, pattern=r"^\+?[0-9 ()-]{7,20}$"),
    Question("guest_email", "Эл. почта", FieldKind.EMAIL),
    Question(
        "delivery",
        "Доставка",
        FieldKind.CHOICE,
        required=False,
        options=(Option("pickup", "Самовывоз"), Option("courier", "Курьер")),
    ),
    Question("guest_comment", "Комментарий", required=False, max_length=500),
    Question("guests", "Гостей", FieldKind.INTEGER),
    Question("weight", "Вес", FieldKind.FLOAT, required=False),
    Question("day", "День", FieldKind.DATE, exact_length=10),
)


def an_order(order_id: int = 9_000_000_001, total: str = "3000.80") -> PlacedOrder:
    return PlacedOrder(
        order_id=order_id,
        total=Money(Decimal(total), "RUB"),
        status_id="inProgress",
        status_title="Принят",
        payment_session_id=8_000_000_002,
        payment_status="waiting",
        payment_url="https://pay.test/s/1?x=1&y=2",
        lines=a_draft().lines,
    )


T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
LEASE = T0 + timedelta(minutes=2)
LATER = datetime.now(UTC) + timedelta(days=1)  # after every message this test run queues


def a_placement(draft: Draft | None = None, created_at: datetime = T0) -> Placement:
    """The placement of a confirmed draft, as the service begins it (the draft at PLACING)."""
    placing = dataclasses.replace(draft or a_draft(), step=Step.PLACING)
    return Placement(placing, PlacementState.QUEUED, created_at)


async def begin(store: SqlStore, draft: Draft | None = None, lease: datetime = LEASE) -> Placement:
    """Save the draft at CONFIRM and begin its placement."""
    draft = dataclasses.replace(draft or a_draft(), step=Step.CONFIRM)
    await store.save(draft)
    placement = a_placement(draft)
    assert await store.begin_placement(placement, lease)
    return placement


@pytest.fixture
def outbox(engine: AsyncEngine) -> SqlOutbox:
    return SqlOutbox(engine)


async def revision_of(engine: AsyncEngine, chat_id: int) -> int | None:
    async with engine.connect() as connection:
        query = select(DraftRow.revision).where(DraftRow.chat_id == chat_id)
        revision = await connection.scalar(query)
        return None if revision is None else int(revision)


async def count_orders(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(OrderRow)) or 0)


async def test_a_saved_draft_comes_back_exactly_as_it_was(store: SqlStore) -> None:
    """Every field survives a round trip: Cyrillic, emoji, 64-bit ids, decimals, pending product."""
    draft = a_draft(step=Step.QUANTITY)
    await store.save(draft)
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded == draft
    assert loaded is not None and loaded.lines[0].unit_price == Decimal("1499.90")


async def test_a_draft_with_nothing_optional_round_trips(store: SqlStore) -> None:
    """Missing optional fields come back as None and an empty cart, not as empty strings."""
    draft = Draft(chat_id=1, draft_id="d-min", customer=Customer(1, "A"), step=Step.NAME)
    await store.save(draft)
    assert await store.load(1) == draft


async def test_a_chat_without_a_draft_loads_none(store: SqlStore) -> None:
    """Loading an unknown chat gives None."""
    assert await store.load(42) is None


async def test_every_save_raises_the_revision_by_one(store: SqlStore, engine: AsyncEngine) -> None:
    """The first save is revision 1, each further save adds one."""
    draft = a_draft(step=Step.NAME)
    await store.save(draft)
    assert await revision_of(engine, BIG_CHAT_ID) == 1
    await store.save(dataclasses.replace(draft, step=Step.PHONE))
    await store.save(dataclasses.replace(draft, step=Step.EMAIL, email="a@b.test"))
    assert await revision_of(engine, BIG_CHAT_ID) == 3
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.EMAIL and loaded.email == "a@b.test"


async def test_a_new_draft_replaces_the_chats_previous_one(store: SqlStore) -> None:
    """A chat holds one draft: saving another draft id replaces the old row."""
    await store.save(a_draft(draft_id="old", step=Step.DONE))
    fresh = a_draft(draft_id="new", step=Step.NAME)
    await store.save(fresh)
    assert await store.load(BIG_CHAT_ID) == fresh


async def test_only_one_of_twenty_concurrent_begin_placements_wins(store: SqlStore) -> None:
    """Twenty simultaneous confirmations of a draft give exactly one True, and one placement."""
    await store.save(a_draft(step=Step.CONFIRM))
    results = await asyncio.gather(
        *(store.begin_placement(a_placement(), LEASE) for _ in range(20))
    )
    assert results.count(True) == 1
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.PLACING
    assert await store.placement("d-1") == a_placement()


async def test_a_placement_needs_the_confirm_step_and_the_current_draft(store: SqlStore) -> None:
    """A draft not at CONFIRM, a stale draft id or another chat is refused and nothing written."""
    await store.save(a_draft(step=Step.EMAIL))
    assert not await store.begin_placement(a_placement(), LEASE)
    await store.save(a_draft(step=Step.CONFIRM))
    assert not await store.begin_placement(a_placement(a_draft(draft_id="older")), LEASE)
    assert not await store.begin_placement(a_placement(a_draft(chat_id=BIG_CHAT_ID + 1)), LEASE)
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.CONFIRM
    assert await store.placement("d-1") is None and await store.placement("older") is None


async def test_completing_a_placement_keeps_the_order_and_finishes_the_draft(
    store: SqlStore,
) -> None:
    """After complete the order is found by draft id, exactly; the draft is DONE."""
    placement = await begin(store)
    order = an_order(total="3000.80")
    await store.complete(placement, order, [])
    assert await store.order_for_draft("d-1") == order
    kept = await store.order_for_draft("d-1")
    assert kept is not None and str(kept.total.amount) == "3000.80"
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.DONE
    placed = await store.placement("d-1")
    assert placed is not None and placed.state is PlacementState.PLACED and placed.order == order


async def test_completing_the_same_placement_twice_keeps_one_order(
    store: SqlStore, outbox: SqlOutbox, engine: AsyncEngine
) -> None:
    """complete is idempotent, also when the repeats run at the same time."""
    placement = await begin(store)
    messages = [Outgoing("d-1:placed:0", BIG_CHAT_ID, OrderConfirmed(an_order()))]
    await store.complete(placement, an_order(), messages)
    await asyncio.gather(*(store.complete(placement, an_order(), messages) for _ in range(5)))
    assert await count_orders(engine) == 1
    assert await store.orders_for_chat(BIG_CHAT_ID) == [an_order()]
    assert [item.message for item in await outbox.due_messages(LATER)] == messages


async def test_completing_a_placement_leaves_a_newer_draft_of_the_chat_alone(
    store: SqlStore,
) -> None:
    """Finishing an old draft does not close the chat's newer draft."""
    old = await begin(store, a_draft(draft_id="old"))
    newer = a_draft(draft_id="newer", step=Step.NAME)
    await store.save(newer)
    await store.complete(old, an_order(), [])
    assert await store.load(BIG_CHAT_ID) == newer
    assert await store.order_for_draft("old") == an_order()


async def test_a_draft_without_an_order_has_none(store: SqlStore) -> None:
    """order_for_draft gives None before anything was recorded."""
    await store.save(a_draft())
    assert await store.order_for_draft("d-1") is None


async def test_a_chats_orders_come_newest_first(store: SqlStore) -> None:
    """orders_for_chat lists only that chat's orders, the latest first."""
    for number in range(1, 4):
        placement = await begin(store, a_draft(draft_id=f"d-{number}"))
        await store.complete(placement, an_order(order_id=number, total=f"{number}.50"), [])
    other = await begin(store, a_draft(chat_id=5, draft_id="other"))
    await store.complete(other, an_order(order_id=99), [])
    orders = await store.orders_for_chat(BIG_CHAT_ID)
    assert [order.order_id for order in orders] == [3, 2, 1]
    assert orders[0].total == Money(Decimal("3.50"), "RUB")
    assert await store.orders_for_chat(12345) == []


async def test_every_step_of_a_placement_is_kept(store: SqlStore) -> None:
    """mark_sending, retry_later and order_created come back from the database as written."""
    await begin(store)
    await store.mark_sending("d-1")
    sending = await store.placement("d-1")
    assert sending is not None and sending.uncertain
    await store.retry_later("d-1", attempts=3, uncertain=True, error="x" * 5000, at=T0)
    waiting = await store.placement("d-1")
    assert waiting is not None and (waiting.attempts, waiting.uncertain) == (3, True)
    assert waiting.last_error == "x" * 1000
    created = dataclasses.replace(an_order(), payment_session_id=None, payment_status=None)
    await store.order_created("d-1", created)
    assert await store.placement("d-1") == dataclasses.replace(
        a_placement(),
        state=PlacementState.CREATED,
        attempts=3,
        order=created,
        last_error="x" * 1000,
    )


async def test_a_placement_is_due_at_its_retry_time_and_not_before(store: SqlStore) -> None:
    """retry_later(at=T): take_due before T gives nothing, at T gives the placement."""
    await begin(store)
    at = T0 + timedelta(seconds=30)
    await store.retry_later("d-1", attempts=1, uncertain=False, error="refused", at=at)
    assert await store.take_due(at - timedelta(seconds=1), LEASE, 10) == []
    (due,) = await store.take_due(at, at + timedelta(minutes=2), 10)
    assert due.draft_id == "d-1" and due.attempts == 1 and due.last_error == "refused"
    assert await store.take_due(at + timedelta(minutes=1), LEASE, 10) == []


async def test_concurrent_take_due_calls_never_lease_one_placement_twice(store: SqlStore) -> None:
    """Rounds of eight workers at once: every due placement is taken, each by one worker only."""
    for chat in range(1, 11):
        await begin(store, a_draft(chat_id=chat, draft_id=f"d{chat}"), lease=T0)
    now = T0 + timedelta(seconds=1)
    taken: list[str] = []
    for _ in range(10):
        batches = await asyncio.gather(
            *(store.take_due(now, now + timedelta(minutes=2), 3) for _ in range(8))
        )
        taken += [placement.draft_id for batch in batches for placement in batch]
    assert sorted(taken) == sorted(f"d{chat}" for chat in range(1, 11))
    assert await store.take_due(now + timedelta(minutes=1), LEASE, 50) == []
    again = await store.take_due(now + timedelta(minutes=2), LEASE, 50)
    assert len(again) == 10


async def test_release_leases_makes_every_in_flight_placement_due(store: SqlStore) -> None:
    """At start-up the leases of the gone process end; placed and failed ones stay finished."""
    queued = await begin(store, a_draft(chat_id=1, draft_id="queued"))
    created = await begin(store, a_draft(chat_id=2, draft_id="created"))
    await store.order_created("created", an_order(order_id=2))
    placed = await begin(store, a_draft(chat_id=3, draft_id="placed"))
    await store.complete(placed, an_order(order_id=3), [])
    failed = await begin(store, a_draft(chat_id=4, draft_id="failed"))
    await store.give_up(failed, [])
    assert await store.take_due(T0, LEASE, 50) == []
    assert await store.release_leases(T0) == 2
    due = {p.draft_id: p for p in await store.take_due(T0, LEASE, 50)}
    assert set(due) == {queued.draft_id, created.draft_id}
    assert due["created"].order == an_order(order_id=2)
    assert due["created"].state is PlacementState.CREATED


async def test_giving_up_puts_the_draft_back_at_confirm_and_queues_its_messages(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """give_up fails the placement, reopens the summary and owes the chat and admins a message."""
    placement = await begin(store)
    back = a_draft(step=Step.CONFIRM)
    messages = [
        Outgoing("d-1:failed:1:0", BIG_CHAT_ID, Summary(back, Problem.PLACEMENT_GAVE_UP)),
        Outgoing("d-1:failed:1:admins", None, AdminOrderFailed(back, Problem.PLACEMENT_GAVE_UP)),
    ]
    await store.give_up(placement, messages)
    assert await store.load(BIG_CHAT_ID) == back
    failed = await store.placement("d-1")
    assert failed is not None and failed.state is PlacementState.FAILED
    assert await store.take_due(LATER, LEASE, 50) == []
    assert await outbox.due_messages(LATER) == [OutboxItem(m, 0) for m in messages]
    assert await store.order_for_draft("d-1") is None


async def test_a_failed_placement_can_begin_again_for_the_same_draft(store: SqlStore) -> None:
    """Confirming the reopened summary starts a fresh placement: no attempts, no error, no doubt."""
    placement = await begin(store)
    await store.retry_later("d-1", attempts=7, uncertain=True, error="down", at=T0)
    await store.give_up(placement, [])
    again = a_placement(created_at=T0 + timedelta(hours=1))
    assert await store.begin_placement(again, LEASE)
    assert await store.placement("d-1") == again
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.PLACING


async def test_a_step_this_release_does_not_know_loads_as_cancelled(
    store: SqlStore, engine: AsyncEngine
) -> None:
    """A stored step from another release closes the draft instead of breaking the chat."""
    await store.save(a_draft(step=Step.CONFIRM))
    async with engine.begin() as connection:
        await connection.execute(update(DraftRow).values(step="payment"))
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.CANCELLED and not loaded.is_open


async def test_the_store_never_builds_tables_itself(database_url: str) -> None:
    """On a database the migrations have not run on, saving fails and creates nothing."""
    engine = create_engine(database_url)
    try:
        with pytest.raises(DBAPIError):
            await SqlStore(engine).save(a_draft())
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert tables == []
    finally:
        await engine.dispose()


async def test_every_sqlite_connection_gets_wal_and_a_busy_timeout(sqlite_file_url: str) -> None:
    """SQLite connections run in WAL mode, wait 15 s for locks, sync NORMAL, check foreign keys."""
    engine = create_engine(sqlite_file_url)
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
            }
    finally:
        await engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 15000,
        "synchronous": 1,
        "foreign_keys": 1,
    }


async def test_fifty_sqlite_writers_wait_out_a_long_write_transaction(sqlite_file_url: str) -> None:
    """While another connection holds the write lock for a second, 50 saves wait and succeed."""
    url = sqlite_file_url
    upgrade(url)
    engine = create_engine(url)
    store = SqlStore(engine)
    try:
        drafts = [a_draft(chat_id=chat, draft_id=f"d{chat}", step=Step.NAME) for chat in range(50)]
        for draft in drafts:
            await store.save(draft)

        locked = asyncio.Event()

        async def hold_the_write_lock() -> None:
            path = async_url(url).database
            assert path is not None
            async with aiosqlite.connect(path, isolation_level=None) as other:
                await other.execute("BEGIN IMMEDIATE")
                await other.execute("UPDATE drafts SET name = 'export' WHERE chat_id = 0")
                locked.set()
                await asyncio.sleep(1.0)
                await other.execute("COMMIT")

        holder = asyncio.create_task(hold_the_write_lock())
        await asyncio.wait_for(locked.wait(), timeout=5)
        started = time.monotonic()
        # Readers are not blocked by the writer (WAL).
        assert await asyncio.wait_for(store.load(10), timeout=0.5) == drafts[10]
        await asyncio.gather(
            *(store.save(dataclasses.replace(draft, step=Step.PHONE)) for draft in drafts)
        )
        waited = time.monotonic() - started
        await asyncio.wait_for(holder, timeout=5)

        assert waited > 0.5  # the saves really had to wait for the lock
        for draft in drafts:
            loaded = await store.load(draft.chat_id)
            assert loaded is not None and loaded.step is Step.PHONE
        assert await revision_of(engine, 49) == 2
    finally:
        await store.close()


async def test_the_sqlite_files_folder_is_created(tmp_path: Path) -> None:
    """A SQLite URL pointing into a missing folder creates the folder, then the file."""
    url = f"sqlite:///{tmp_path / 'a' / 'b' / 'bot.db'}"
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    assert (tmp_path / "a" / "b" / "bot.db").is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///bot.db", "sqlite+aiosqlite:///bot.db"),
        ("postgresql://u:p@db:5432/shop", "postgresql+asyncpg://u:p@db:5432/shop"),
        ("postgres://u@db/shop", "postgresql+asyncpg://u@db/shop"),
        ("postgresql+asyncpg://u@db/shop", "postgresql+asyncpg://u@db/shop"),
        ("sqlite+aiosqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ],
)
def test_plain_database_urls_get_their_async_driver(given: str, expected: str) -> None:
    """sqlite:// and postgresql:// URLs are rewritten to aiosqlite and asyncpg."""
    assert async_url(given).render_as_string(hide_password=False) == expected


def test_the_default_database_is_a_sqlite_file_in_the_working_folder() -> None:
    """Without configuration the bot keeps its data in ./order-bot.db."""
    assert default_database_url() == "sqlite+aiosqlite:///./order-bot.db"


# --- the outbox ---------------------------------------------------------------------------------


def every_screen_kind() -> list[Outgoing]:
    draft, order = a_draft(step=Step.CONFIRM), an_order()
    screens: list[Screen | AdminScreen] = [
        OrderConfirmed(order),
        Summary(draft, Problem.ORDER_REJECTED, "formData's marker 'guest_email' is «wrong» 🙃"),
        Notice(NoticeKind.QUEUED),
        AdminOrderPlaced(a_draft(step=Step.PLACING), order),
        AdminOrderFailed(draft, Problem.PLACEMENT_GAVE_UP, ""),
    ]
    return [
        Outgoing(f"d-1:{i}", None if i >= 3 else BIG_CHAT_ID, screen)
        for i, screen in enumerate(screens)
    ]


async def test_every_screen_kind_comes_back_from_the_outbox_as_it_was_queued(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """OrderConfirmed, Summary, Notice and both admin screens round-trip, in queue order."""
    messages = every_screen_kind()
    await store.complete(await begin(store), an_order(), messages)
    assert await outbox.due_messages(LATER) == [OutboxItem(m, 0) for m in messages]
    assert await outbox.due_messages(LATER, draft_id="d-1", limit=2) == [
        OutboxItem(m, 0) for m in messages[:2]
    ]
    assert await outbox.due_messages(LATER, draft_id="another") == []
    assert await outbox.due_messages(datetime.now(UTC) - timedelta(minutes=1)) == []


async def test_delivered_postponed_and_dropped_messages_leave_the_due_list(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """A delivered or dropped message is never due again; a postponed one is due at its time."""
    sent, waiting, refused, *_ = every_screen_kind()
    await store.complete(await begin(store), an_order(), [sent, waiting, refused])
    await outbox.delivered(sent.key, LATER)
    await outbox.postpone(waiting.key, attempts=2, at=LATER + timedelta(hours=1), error="429")
    await outbox.drop(refused.key, "Forbidden: bot was blocked by the user")
    assert await outbox.due_messages(LATER) == []
    later_still = LATER + timedelta(hours=1)
    assert await outbox.due_messages(later_still) == [OutboxItem(waiting, 2)]


async def test_a_due_message_is_claimed_by_one_sender_until_its_claim_runs_out(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """Concurrent claims: one wins; the message is not due while claimed, and due again after."""
    message, *_ = every_screen_kind()
    await store.complete(await begin(store), an_order(), [message])
    until = LATER + timedelta(minutes=2)
    claims = await asyncio.gather(*(outbox.claim(message.key, LATER, until) for _ in range(8)))
    assert sorted(claims) == [False] * 7 + [True]
    assert await outbox.due_messages(LATER) == []
    assert await outbox.due_messages(until) == [OutboxItem(message, 0)]
    await outbox.delivered(message.key, LATER)
    assert not await outbox.claim(message.key, until, until + timedelta(minutes=2))


async def test_a_message_queued_twice_under_one_key_is_kept_once(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """The first message recorded under a key stays; a second with that key is ignored."""
    first = Outgoing("d-1:failed:1:0", BIG_CHAT_ID, Notice(NoticeKind.QUEUED))
    second = dataclasses.replace(first, screen=Notice(NoticeKind.PLACING))
    placement = await begin(store)
    await store.give_up(placement, [first])
    await store.give_up(placement, [second, first])
    assert await outbox.due_messages(LATER) == [OutboxItem(first, 0)]


async def test_a_learnt_setting_is_kept_and_replaced(outbox: SqlOutbox) -> None:
    """learnt gives None until learn, then the latest value."""
    assert await outbox.learnt("admin_chat_id") is None
    await outbox.learn("admin_chat_id", "-100123")
    await outbox.learn("admin_chat_id", str(BIG_CHAT_ID))
    assert await outbox.learnt("admin_chat_id") == str(BIG_CHAT_ID)
    assert await outbox.learnt("something_else") is None


async def test_a_chat_is_unreachable_from_marked_until_reachable_again(outbox: SqlOutbox) -> None:
    """mark_unreachable twice is harmless; mark_reachable clears it, also for unknown chats."""
    assert not await outbox.is_unreachable(BIG_USER_ID)
    await outbox.mark_unreachable(BIG_USER_ID, "bot blocked", T0)
    await outbox.mark_unreachable(BIG_USER_ID, "bot blocked again", T0)
    assert await outbox.is_unreachable(BIG_USER_ID)
    assert not await outbox.is_unreachable(BIG_USER_ID + 1)
    await outbox.mark_reachable(BIG_USER_ID)
    await outbox.mark_reachable(42)
    assert not await outbox.is_unreachable(BIG_USER_ID)


def closing_notice(draft: Draft) -> list[Outgoing]:
    return [Outgoing(f"{draft.draft_id}:closed", draft.chat_id, Notice(NoticeKind.CANCELLED))]


async def test_idle_open_drafts_are_closed_with_a_notice_but_never_one_being_placed(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """Drafts asking a question or at the summary close; PLACING, DONE and fresh ones stay."""
    asking = a_draft(chat_id=1, draft_id="asking", step=Step.EMAIL)
    summary = a_draft(chat_id=2, draft_id="summary", step=Step.CONFIRM)
    finished = a_draft(chat_id=3, draft_id="finished", step=Step.DONE)
    for draft in (asking, summary, finished):
        await store.save(draft)
    placing = await begin(store, a_draft(chat_id=4, draft_id="placing"))
    closed = await store.close_idle(LATER, closing_notice, limit=10)
    assert sorted(d.draft_id for d in closed) == ["asking", "summary"]
    assert {d.step for d in closed} == {Step.CANCELLED}
    assert (await store.load(1)) == dataclasses.replace(asking, step=Step.CANCELLED)
    assert (await store.load(4)) == placing.draft
    keys = [item.message.key for item in await outbox.due_messages(LATER + timedelta(days=1))]
    assert keys == ["asking:closed", "summary:closed"]
    assert await store.close_idle(LATER, closing_notice, limit=10) == []
    assert await store.close_idle(datetime.now(UTC) - timedelta(hours=1), closing_notice, 10) == []


async def test_a_draft_at_a_form_question_round_trips_with_its_questions_and_answers(
    store: SqlStore,
) -> None:
    """The form, the answers (a skipped one as "") and the question being asked come back."""
    draft = dataclasses.replace(
        a_draft(step=Step.QUESTION),
        answers={"delivery": "", "guests": "12"},
        asking="guest_comment",
    )
    await store.save(draft)
    assert await store.load(BIG_CHAT_ID) == draft


async def test_personal_data_of_finished_drafts_is_forgotten_after_the_retention_time(
    store: SqlStore, outbox: SqlOutbox
) -> None:
    """Finished drafts lose their answers, finished placements and sent messages go, orders stay."""
    placement = await begin(store)
    await store.complete(placement, an_order(), every_screen_kind()[:1])
    (message,) = await outbox.due_messages(LATER)
    await outbox.delivered(message.message.key, LATER)
    open_draft = a_draft(chat_id=5, draft_id="open", step=Step.NAME)
    await store.save(open_draft)
    assert await store.forget_personal_data(datetime.now(UTC) - timedelta(hours=1)) == 0
    assert await store.forget_personal_data(LATER) == 3
    done = await store.load(BIG_CHAT_ID)
    assert done is not None and done.step is Step.DONE
    assert (done.name, done.phone, done.email, done.customer.first_name) == (None, None, None, "")
    assert done.answers == {} and done.questions == FORM_QUESTIONS
    assert await store.placement(placement.draft_id) is None
    assert await store.load(5) == open_draft
    assert await store.order_for_draft(placement.draft_id) is not None
    assert await store.forget_personal_data(LATER) == 0
