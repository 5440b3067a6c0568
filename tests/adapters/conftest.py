"""Shared fixtures of the adapter tests.

Databases: a SQLite file per test, a PostgreSQL database per module. PostgreSQL is expected at
127.0.0.1:5432 (user postgres, trust auth); when it is missing the PostgreSQL cases fail rather
than skip.

Telegram: a fresh emulator per test, reached in-process (`api`, httpx over ASGITransport) or
over loopback (`telegram_url`, and `bot`, the real python-telegram-bot `Bot`), and `lossless`,
which checks that python-telegram-bot parses an object the emulator returned without loss.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, TelegramObject

from bot.sandbox.serving import serve
from bot.sandbox.telegram import TelegramEmulator
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


# --- Telegram emulator --------------------------------------------------------------------------

TELEGRAM_TOKEN = "7000000001:AAHtest-token_0123456789abcdefghijk"

# Message flags PTB always sets (to False) and so always writes back, though Telegram only sends
# them when true: to_dict() may add these as False without the emulator having sent them.
PTB_DEFAULT_FLAGS = frozenset(
    {"channel_chat_created", "delete_chat_photo", "group_chat_created", "supergroup_chat_created"}
)


@pytest.fixture
def telegram() -> TelegramEmulator:
    return TelegramEmulator(TELEGRAM_TOKEN)


@pytest.fixture
async def api(telegram: TelegramEmulator) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the emulator, in-process; paths start at /bot<token>/."""
    transport = httpx.ASGITransport(app=telegram.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
async def telegram_url(telegram: TelegramEmulator) -> AsyncIterator[str]:
    """The emulator served over loopback: `http://127.0.0.1:<port>`."""
    async with serve(telegram.app) as url:
        yield url


@pytest.fixture
async def bot(telegram_url: str) -> AsyncIterator[Bot]:
    """The real python-telegram-bot Bot, pointed at the emulator and initialised (getMe)."""
    async with Bot(
        TELEGRAM_TOKEN, base_url=f"{telegram_url}/bot", base_file_url=f"{telegram_url}/file/bot"
    ) as real_bot:
        yield real_bot


def _unknown_fields(obj: Any, path: str = "$") -> dict[str, Any]:
    """Every api_kwargs (fields PTB does not know) in `obj` and the objects it holds."""
    found: dict[str, Any] = {}
    if isinstance(obj, TelegramObject):
        if obj.api_kwargs:
            found[path] = dict(obj.api_kwargs)
        for name, value in obj._get_attrs(recursive=False).items():
            if name != "api_kwargs":
                found.update(_unknown_fields(value, f"{path}.{name}"))
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            found.update(_unknown_fields(item, f"{path}[{index}]"))
    return found


def _written_back(obj: TelegramObject, sent: dict[str, Any]) -> Any:
    """obj.to_dict() without the default flags PTB adds (see PTB_DEFAULT_FLAGS), recursively."""

    def strip(value: Any, original: Any) -> Any:
        if isinstance(value, dict) and isinstance(original, dict):
            return {
                key: strip(item, original.get(key))
                for key, item in value.items()
                if not (key in PTB_DEFAULT_FLAGS and item is False and key not in original)
            }
        if isinstance(value, list) and isinstance(original, list) and len(value) == len(original):
            return [strip(item, before) for item, before in zip(value, original, strict=True)]
        return value

    return strip(obj.to_dict(), sent)


T_obj = TypeVar("T_obj", bound=TelegramObject)


def assert_lossless(cls: type[T_obj], data: Any, bot: Bot | None = None) -> T_obj:
    """PTB parses `data` as `cls` knowing every field, and writes back exactly `data`.

    Dates come back equal too: PTB turns unix times into UTC datetimes and to_dict() turns
    them back into the same integers.
    """
    assert isinstance(data, dict), data
    obj = cls.de_json(copy.deepcopy(data), bot)
    assert obj is not None
    assert _unknown_fields(obj) == {}
    assert _written_back(obj, data) == data
    return obj


@pytest.fixture
def lossless() -> Callable[..., Any]:
    """`lossless(cls, data, bot=None)`: see assert_lossless."""
    return assert_lossless
