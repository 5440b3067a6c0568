"""C25, C26: migrations run from inside a running event loop, and alter SQLite tables with rows."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.ordering.model import Customer, Draft, Step
from bot.sandbox.run import Sandbox
from db.engine import create_engine
from db.migrate import MIGRATIONS_FOLDER, alembic_config, check, upgrade_async
from db.store import SqlStore
from tests.adapters.conftest import database_url, postgres_database, sqlite_file_url
from tests.flows.conftest import BotRunner, Chat

__all__ = ["database_url", "postgres_database", "sqlite_file_url"]  # fixtures used below


def code_head(url: str) -> str | None:
    """The newest revision in migrations/versions."""
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def head_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar()
    finally:
        await engine.dispose()


@pytest.fixture
async def migrated_in_a_fixture(sqlite_file_url: str) -> AsyncIterator[str]:
    """An async fixture that migrates: the loop is already running here (C25's second trigger)."""
    await upgrade_async(sqlite_file_url)
    yield sqlite_file_url


async def test_c25_an_async_fixture_can_build_the_schema_through_the_migrations(
    migrated_in_a_fixture: str,
) -> None:
    """C25: upgrade_async inside a pytest-asyncio fixture reaches head, and the loop still runs."""
    assert await head_revision(migrated_in_a_fixture) == code_head(migrated_in_a_fixture)
    await asyncio.sleep(0)  # the test's loop was neither closed nor replaced


async def test_c25_the_bots_startup_hook_migrates_a_new_database_inside_its_loop(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner, settings: Any
) -> None:
    """C25: post_init runs the migrations with the loop running; the bot then answers."""
    database = Path(settings.database_url.split("///", 1)[1])
    assert not await asyncio.to_thread(database.exists)
    async with bot_runner():
        await chat.say("/start", expect="What would you like to order?")
    assert await head_revision(settings.database_url) == code_head(settings.database_url)
    check(settings.database_url)


CUSTOMERS_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "9002"
down_revision = "{down}"


def upgrade():
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("customer_id", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_drafts_customer_id_customers"), "customers", ["customer_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_drafts_user_id"), ["user_id", "step"])


def downgrade():
    with op.batch_alter_table("drafts") as batch:
        batch.drop_constraint(op.f("uq_drafts_user_id"), type_="unique")
        batch.drop_constraint(op.f("fk_drafts_customer_id_customers"), type_="foreignkey")
        batch.drop_column("customer_id")
    op.drop_table("customers")
"""


async def test_c26_a_revision_adding_a_foreign_key_and_a_unique_pair_runs_up_down_up_on_rows(
    database_url: str, tmp_path: Path
) -> None:
    """C26: drafts.customer_id → customers.id and unique (user_id, step), with drafts stored."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__"))
    base = code_head(database_url)
    assert base is not None
    revision = CUSTOMERS_REVISION.replace("{down}", base)
    (folder / "versions" / "v9002_customers.py").write_text(revision)
    config = alembic_config(database_url)
    config.set_main_option("script_location", str(folder))
    await asyncio.to_thread(command.upgrade, config, base)
    drafts = [
        Draft(7_000_000_001, "seed-1", Customer(7_000_000_001, "Пётр"), Step.EMAIL, name="Пётр"),
        Draft(2, "seed-2", Customer(2, "Zoë"), Step.CONFIRM, name="Zoë"),
    ]
    store = SqlStore(create_engine(database_url))
    try:
        for draft in drafts:
            await store.save(draft)
        await store.close()
        for target in ("head", "base", "head", base, "head"):
            command_for = command.upgrade if target == "head" else command.downgrade
            await asyncio.to_thread(command_for, config, target)
            if target == "base":
                await asyncio.to_thread(command.upgrade, config, base)
                for draft in drafts:  # the rows went with the tables; store them again
                    await store.save(draft)
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                foreign_keys, uniques = await connection.run_sync(
                    lambda sync: (
                        inspect(sync).get_foreign_keys("drafts"),
                        inspect(sync).get_unique_constraints("drafts"),
                    )
                )
        finally:
            await engine.dispose()
        assert [fk["name"] for fk in foreign_keys] == ["fk_drafts_customer_id_customers"]
        assert "uq_drafts_user_id" in {u["name"] for u in uniques}
        for draft in drafts:
            assert await store.load(draft.chat_id) == draft
    finally:
        await store.close()
