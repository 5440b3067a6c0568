"""Databases for the adapter tests: a SQLite file per test, a PostgreSQL database per module.

PostgreSQL is expected at 127.0.0.1:5432 (user postgres, trust auth); when it is missing the
PostgreSQL cases fail rather than skip.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.migrate import upgrade
from db.store import SqlStore

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"

T = TypeVar("T")


def run_in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine from a sync fixture without touching the test's event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def execute_on_postgres(database: str, *statements: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    engine = create_engine(f"{POSTGRES_SERVER}/{database}").execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_file_url(tmp_path: Path) -> str:
    """The URL of a SQLite file (not yet created) in the test's own folder."""
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}"


@pytest.fixture(scope="module")
def postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a PostgreSQL database made for this test module, dropped after it."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    name = f"{module}_{uuid.uuid4().hex[:10]}"
    run_in_own_loop(lambda: execute_on_postgres("postgres", f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        run_in_own_loop(lambda: execute_on_postgres("postgres", drop))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_file_url: str) -> str:
    """The URL of an empty database: a new SQLite file, or the module's emptied PostgreSQL one."""
    if request.param == "sqlite":
        return sqlite_file_url
    url: str = request.getfixturevalue("postgres_database")
    name = url.rsplit("/", 1)[-1]
    run_in_own_loop(
        lambda: execute_on_postgres(
            name, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public AUTHORIZATION postgres"
        )
    )
    return url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """The database, with its schema built by the migrations (the only way it is ever built)."""
    upgrade(database_url)
    return database_url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> SqlStore:
    return SqlStore(engine)
