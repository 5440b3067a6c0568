"""Async engines for SQLite (the default, one file) and PostgreSQL; writers wait, not fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

# How long a SQLite writer waits for another writer's lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15_000

# Execution option for SQLite connections that will write: their transaction starts with
# BEGIN IMMEDIATE, taking the write lock up front. A deferred transaction that reads first and
# writes later can fail at once with "database is locked" (the busy timeout is not applied).
WRITE_INTENT = {"sqlite_begin": "IMMEDIATE"}

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def default_database_url() -> str:
    """A SQLite file in the working folder."""
    return "sqlite+aiosqlite:///./order-bot.db"


def async_url(url: str | URL) -> URL:
    """The URL with its async driver: sqlite:// -> sqlite+aiosqlite://, postgresql:// -> asyncpg."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for `url`; every SQLite connection gets WAL, a busy timeout, foreign keys."""
    parsed = async_url(url)
    serializer = _json_dumps
    if parsed.get_backend_name() == "sqlite":
        _make_parent_folder(parsed)
        engine = create_async_engine(
            parsed,
            json_serializer=serializer,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_async_engine(
            parsed,
            json_serializer=serializer,
            pool_size=5,
            max_overflow=10,
            pool_timeout=30,
            pool_recycle=1800,
            # A connection the server dropped (restart, idle timeout) is replaced, not handed out.
            pool_pre_ping=True,
            connect_args={"server_settings": {"application_name": "order-bot"}},
        )
    return create_async_engine(parsed, json_serializer=serializer)


def _json_dumps(value: Any) -> str:
    # Readable text in the database (Cyrillic, emoji) instead of \u escapes.
    return json.dumps(value, ensure_ascii=False)


def _make_parent_folder(url: URL) -> None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The driver's own implicit BEGIN is switched off; _on_sqlite_begin emits ours instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    options = connection.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # e.g. VACUUM, which cannot run inside a transaction
    mode = options.get("sqlite_begin", "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
        raise ValueError(f"unknown SQLite transaction mode: {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")
