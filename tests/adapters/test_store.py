"""The SQL draft store against SQLite files and PostgreSQL, on schemas built by the migrations."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from decimal import Decimal
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ordering.model import CartLine, Customer, Draft, Money, PlacedOrder, Product, Step
from db.engine import async_url, create_engine, default_database_url
from db.migrate import upgrade
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


async def test_only_one_of_twenty_concurrent_claims_wins(store: SqlStore) -> None:
    """Twenty simultaneous claims of a confirmed draft give exactly one True."""
    await store.save(a_draft(step=Step.CONFIRM))
    results = await asyncio.gather(
        *(store.claim_for_placement(BIG_CHAT_ID, "d-1") for _ in range(20))
    )
    assert results.count(True) == 1
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.PLACING


async def test_a_claim_needs_the_confirm_step_and_the_current_draft(store: SqlStore) -> None:
    """Claims of another draft id, or of a draft not at CONFIRM, change nothing."""
    await store.save(a_draft(step=Step.EMAIL))
    assert not await store.claim_for_placement(BIG_CHAT_ID, "d-1")
    await store.save(a_draft(step=Step.CONFIRM))
    assert not await store.claim_for_placement(BIG_CHAT_ID, "some-older-draft")
    assert not await store.claim_for_placement(BIG_CHAT_ID + 1, "d-1")
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.CONFIRM


async def test_recording_an_order_keeps_it_and_finishes_the_draft(store: SqlStore) -> None:
    """After record_order the order is found by draft id, exactly, and the draft is DONE."""
    draft = a_draft(step=Step.PLACING)
    await store.save(draft)
    order = an_order(total="3000.80")
    await store.record_order(draft, order)
    assert await store.order_for_draft("d-1") == order
    kept = await store.order_for_draft("d-1")
    assert kept is not None and str(kept.total.amount) == "3000.80"
    loaded = await store.load(BIG_CHAT_ID)
    assert loaded is not None and loaded.step is Step.DONE


async def test_recording_the_same_draft_twice_keeps_one_order(
    store: SqlStore, engine: AsyncEngine
) -> None:
    """record_order is idempotent, also when the repeats run at the same time."""
    draft = a_draft(step=Step.PLACING)
    await store.save(draft)
    await store.record_order(draft, an_order())
    await asyncio.gather(*(store.record_order(draft, an_order()) for _ in range(5)))
    assert await count_orders(engine) == 1
    assert await store.orders_for_chat(BIG_CHAT_ID) == [an_order()]


async def test_recording_an_order_leaves_a_newer_draft_of_the_chat_alone(store: SqlStore) -> None:
    """Finishing an old draft does not close the chat's newer draft."""
    old = a_draft(draft_id="old", step=Step.PLACING)
    await store.save(old)
    newer = a_draft(draft_id="newer", step=Step.NAME)
    await store.save(newer)
    await store.record_order(old, an_order())
    assert await store.load(BIG_CHAT_ID) == newer
    assert await store.order_for_draft("old") == an_order()


async def test_a_draft_without_an_order_has_none(store: SqlStore) -> None:
    """order_for_draft gives None before anything was recorded."""
    await store.save(a_draft())
    assert await store.order_for_draft("d-1") is None


async def test_a_chats_orders_come_newest_first(store: SqlStore) -> None:
    """orders_for_chat lists only that chat's orders, the latest first."""
    for number in range(1, 4):
        draft = a_draft(draft_id=f"d-{number}", step=Step.PLACING)
        await store.save(draft)
        await store.record_order(draft, an_order(order_id=number, total=f"{number}.50"))
    other = a_draft(chat_id=5, draft_id="other", step=Step.PLACING)
    await store.save(other)
    await store.record_order(other, an_order(order_id=99))
    orders = await store.orders_for_chat(BIG_CHAT_ID)
    assert [order.order_id for order in orders] == [3, 2, 1]
    assert orders[0].total == Money(Decimal("3.50"), "RUB")
    assert await store.orders_for_chat(12345) == []


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
