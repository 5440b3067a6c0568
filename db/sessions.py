"""Sessions for readers and writers on one engine, and the dialect's INSERT ... ON CONFLICT."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import WRITE_INTENT
from db.tables import Base

# SQLite has one writer at a time. Writers of this process queue on a lock in the event loop
# instead of in SQLite's busy handler, which sleeps in steps of up to 100 ms when contended.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[AsyncEngine, asyncio.Lock] = weakref.WeakKeyDictionary()


class Sessions:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.read = async_sessionmaker(engine, expire_on_commit=False)
        self._write = async_sessionmaker(
            engine.execution_options(**WRITE_INTENT), expire_on_commit=False
        )
        self._writers = (
            _SQLITE_WRITERS.setdefault(engine, asyncio.Lock()) if self.dialect == "sqlite" else None
        )

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction, committed when the block ends."""
        async with contextlib.AsyncExitStack() as stack:
            if self._writers is not None:
                await stack.enter_async_context(self._writers)
            session = await stack.enter_async_context(self._write.begin())
            yield session

    def insert(self, table: type[Base]) -> sqlite.Insert | postgresql.Insert:
        # ON CONFLICT is spelled the same on both backends, but each dialect has its own construct.
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        if self.dialect == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"unsupported database: {self.dialect}")


def now() -> datetime:
    return datetime.now(UTC)


async def execute_counted(session: AsyncSession, statement: Any) -> CursorResult[Any]:
    # UPDATE statements return a cursor result, which carries the matched row count.
    return cast(CursorResult[Any], await session.execute(statement))
