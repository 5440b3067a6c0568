"""The Alembic migrations: up and down on seeded databases, from async code, against the models."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.ordering.model import (
    Customer,
    Draft,
    FieldKind,
    Money,
    Option,
    PlacedOrder,
    Placement,
    PlacementState,
    Question,
    Step,
)
from bot.ordering.screens import AdminOrderPlaced, OrderConfirmed, Outgoing
from db.engine import create_engine
from db.migrate import (
    MIGRATIONS_FOLDER,
    SchemaDrift,
    alembic_config,
    check,
    downgrade,
    upgrade,
    upgrade_async,
    upgrade_connection,
)
from db.outbox import SqlOutbox
from db.session_keeping import SqlTokenKeeper, SqlUpdateLog
from db.store import SqlStore

APP_TABLES = {
    "drafts",
    "orders",
    "placements",
    "outbox",
    "bot_settings",
    "unreachable_chats",
    "processed_updates",
    "oneentry_tokens",
}


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def seed(url: str) -> Draft:
    """Rows in every table: placed and in-flight placements, messages, settings; the open draft."""
    engine = create_engine(url)
    store, outbox = SqlStore(engine), SqlOutbox(engine)
    created = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    try:
        done = Draft(7_000_000_001, "seed-1", Customer(7_000_000_001, "Пётр"), Step.CONFIRM)
        await store.save(done)
        placing = dataclasses.replace(done, step=Step.PLACING)
        placement = Placement(placing, PlacementState.QUEUED, created)
        assert await store.begin_placement(placement, created)
        order = PlacedOrder(1, Money(Decimal("5.25"), "RUB"), "new", "New", None, None, None)
        messages = [
            Outgoing("seed-1:placed:0", done.chat_id, OrderConfirmed(order)),
            Outgoing("seed-1:placed:admins", None, AdminOrderPlaced(placing, order)),
        ]
        await store.complete(placement, order, messages)
        await outbox.learn("admin_chat_id", "-1001234567890")
        await outbox.mark_unreachable(done.chat_id, "bot was blocked", created)
        waiting = Draft(3, "seed-3", Customer(3, "Ann"), Step.CONFIRM, "Ann", "+15550100", "a@b.co")
        await store.save(waiting)
        in_flight = Placement(
            dataclasses.replace(waiting, step=Step.PLACING), PlacementState.QUEUED, created
        )
        assert await store.begin_placement(in_flight, created)
        await SqlTokenKeeper(engine, "guest@example.com").save("access", "refresh")
        assert await SqlUpdateLog(engine).first_time(500000001)
        open_draft = Draft(2, "seed-2", Customer(2, "Zoë"), Step.EMAIL, name="Zoë")
        await store.save(open_draft)
        return open_draft
    finally:
        await store.close()


async def row_counts(url: str) -> dict[str, int]:
    """How many rows each application table holds (tables that do not exist are left out)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            present = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            return {
                table: int(
                    (await connection.exec_driver_sql(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                )
                for table in sorted(APP_TABLES & set(present))
            }
    finally:
        await engine.dispose()


async def load(url: str, chat_id: int) -> Draft | None:
    store = SqlStore(create_engine(url))
    try:
        return await store.load(chat_id)
    finally:
        await store.close()


async def test_the_stairway_up_down_up_works_on_a_seeded_database(database_url: str) -> None:
    """head -> each revision down with rows in every table -> each revision up, down and up."""
    upgrade(database_url)
    open_draft = await seed(database_url)
    counts = await row_counts(database_url)
    assert set(counts) == APP_TABLES and all(counts.values()), counts

    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert script.get_current_head() == "0004"
    for revision in script.walk_revisions():  # newest first: down a step, rows still there
        downgrade(database_url, revision.down_revision or "base")  # type: ignore[arg-type]
        if revision.down_revision is not None:  # older schemas: today's store cannot read them
            assert (await row_counts(database_url))["drafts"] == counts["drafts"]
    assert await table_names(database_url) <= {"alembic_version"}

    for revision in reversed(list(script.walk_revisions())):
        upgrade(database_url, revision.revision)
        downgrade(database_url, revision.down_revision or "base")  # type: ignore[arg-type]
        upgrade(database_url, revision.revision)
    assert await table_names(database_url) >= APP_TABLES
    check(database_url)
    open_draft = await seed(database_url)
    assert await load(database_url, 2) == open_draft


FORM = (
    Question("guest_name", "Your name", FieldKind.NAME),
    Question("delivery", "Delivery", FieldKind.CHOICE, False, (Option("pickup", "Pickup"),)),
    Question("guest_comment", "Comment", required=False),
)


async def test_a_draft_at_a_form_question_keeps_its_answers_and_goes_back_to_its_cart_on_downgrade(
    database_url: str,
) -> None:
    """At 0004 the form and its answers round-trip; down to 0003 the draft is at its cart."""
    upgrade(database_url)
    draft = Draft(
        4,
        "seed-4",
        Customer(4, "Ann"),
        Step.QUESTION,
        name="Ann",
        questions=FORM,
        answers={"delivery": "pickup"},
        asking="guest_comment",
    )
    store = SqlStore(create_engine(database_url))
    try:
        await store.save(draft)
    finally:
        await store.close()
    assert await load(database_url, 4) == draft
    downgrade(database_url, "0003")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.exec_driver_sql("SELECT step, name FROM drafts WHERE chat_id = 4")
            ).one()
    finally:
        await engine.dispose()
    assert tuple(row) == ("cart", "Ann")
    upgrade(database_url)
    assert await load(database_url, 4) == Draft(4, "seed-4", Customer(4, "Ann"), Step.CART, "Ann")


async def test_upgrade_async_works_inside_a_running_loop(database_url: str) -> None:
    """Awaiting upgrade_async from async code builds the schema (no nested asyncio.run)."""
    await upgrade_async(database_url)
    assert await table_names(database_url) >= APP_TABLES


async def test_the_blocking_upgrade_also_works_inside_a_running_loop(database_url: str) -> None:
    """Calling the sync upgrade from a coroutine still migrates instead of raising."""
    upgrade(database_url)
    assert await table_names(database_url) >= APP_TABLES


async def test_upgrading_on_a_held_connection_uses_that_connection(database_url: str) -> None:
    """upgrade_connection migrates through the caller's own async connection."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await upgrade_connection(connection)
    finally:
        await engine.dispose()
    assert await table_names(database_url) >= APP_TABLES
    check(database_url)


def test_the_models_match_the_migrations(migrated_url: str) -> None:
    """The schema built by the migrations is exactly what db.tables describes."""
    check(migrated_url)


async def test_a_schema_that_differs_from_the_models_is_reported(migrated_url: str) -> None:
    """The drift check fails when the database lacks something the models have."""
    engine = create_engine(migrated_url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP INDEX ix_orders_chat_id")
    finally:
        await engine.dispose()
    with pytest.raises(SchemaDrift, match="ix_orders_chat_id"):
        check(migrated_url)


async def test_every_constraint_in_the_migrated_schema_has_a_name(migrated_url: str) -> None:
    """Primary keys, unique constraints and indexes carry the naming convention's names."""
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(
                lambda sync: {
                    table: (
                        inspect(sync).get_pk_constraint(table)["name"],
                        sorted(str(c["name"]) for c in inspect(sync).get_unique_constraints(table)),
                        sorted(
                            str(index["name"])
                            for index in inspect(sync).get_indexes(table)
                            # PostgreSQL also lists the indexes behind unique constraints.
                            if "duplicates_constraint" not in index
                        ),
                    )
                    for table in APP_TABLES
                }
            )
    finally:
        await engine.dispose()
    assert names == {
        "drafts": ("pk_drafts", ["uq_drafts_draft_id"], []),
        "orders": (
            "pk_orders",
            ["uq_orders_draft_id", "uq_orders_oneentry_order_id"],
            ["ix_orders_chat_id"],
        ),
        "placements": (
            "pk_placements",
            [],
            ["ix_placements_chat_id", "ix_placements_next_attempt_at"],
        ),
        "outbox": ("pk_outbox", [], ["ix_outbox_draft_id", "ix_outbox_next_attempt_at"]),
        "bot_settings": ("pk_bot_settings", [], []),
        "unreachable_chats": ("pk_unreachable_chats", [], []),
        "oneentry_tokens": ("pk_oneentry_tokens", [], []),
        "processed_updates": ("pk_processed_updates", [], ["ix_processed_updates_processed_at"]),
    }


BATCH_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"


def upgrade():
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("customer_ref", sa.String(32), nullable=True))
        batch.drop_constraint("uq_drafts_draft_id", type_="unique")
        batch.create_unique_constraint("uq_drafts_user_id", ["user_id", "draft_id"])


def downgrade():
    with op.batch_alter_table("drafts") as batch:
        batch.drop_constraint("uq_drafts_user_id", type_="unique")
        batch.create_unique_constraint("uq_drafts_draft_id", ["draft_id"])
        batch.drop_column("customer_ref")
"""


async def test_a_later_revision_can_alter_constraints_on_a_seeded_database(
    database_url: str, tmp_path: Path
) -> None:
    """A batch revision that drops a named constraint and adds columns works on stored rows."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__"))
    config = alembic_config(database_url)
    config.set_main_option("script_location", str(folder))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    (folder / "versions" / "v9001_alter_drafts.py").write_text(
        BATCH_REVISION.replace("{head}", head)
    )
    assert ScriptDirectory.from_config(config).get_heads() == ["9001"]
    await asyncio.to_thread(command.upgrade, config, head)
    open_draft = await seed(database_url)

    await asyncio.to_thread(command.upgrade, config, "head")
    assert await load(database_url, 2) == open_draft
    await asyncio.to_thread(command.downgrade, config, head)
    assert await load(database_url, 2) == open_draft
    check(database_url)


async def test_migrations_run_from_any_working_folder(
    sqlite_file_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migrations are found next to the code, not relative to the working folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    await upgrade_async(sqlite_file_url)
    assert await table_names(sqlite_file_url) >= APP_TABLES
    assert list(elsewhere.iterdir()) == []


def test_migrating_leaves_the_applications_logging_alone(sqlite_file_url: str) -> None:
    """Alembic configures no logging: the app's loggers stay enabled, root handlers unchanged."""
    app_logger = logging.getLogger("bot.ordering.service")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    upgrade(sqlite_file_url)
    check(sqlite_file_url)
    assert not app_logger.disabled
    assert root.handlers == handlers and root.level == level
