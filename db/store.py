"""The draft and order store on SQLAlchemy: implements the ordering service's DraftStore."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.ordering.model import Draft, PlacedOrder, Step
from db.engine import WRITE_INTENT
from db.mapping import draft_from_row, draft_values, order_from_row, order_values
from db.tables import DraftRow, OrderRow


class SqlStore:
    """Drafts (one per chat) and placed orders, on an engine whose schema Alembic has built."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._readers = async_sessionmaker(engine, expire_on_commit=False)
        self._writers = async_sessionmaker(
            engine.execution_options(**WRITE_INTENT), expire_on_commit=False
        )

    async def load(self, chat_id: int) -> Draft | None:
        async with self._readers.begin() as session:
            row = await session.get(DraftRow, chat_id)
            return None if row is None else draft_from_row(row)

    async def save(self, draft: Draft) -> None:
        """Insert or replace the chat's draft; every save raises its revision by one."""
        now = _now()
        values = draft_values(draft)
        insert = self._insert(DraftRow).values(**values, revision=1, created_at=now, updated_at=now)
        upsert = insert.on_conflict_do_update(
            index_elements=[DraftRow.chat_id],
            set_={**values, "revision": DraftRow.revision + 1, "updated_at": now},
        )
        async with self._writers.begin() as session:
            await session.execute(upsert)

    async def claim_for_placement(self, chat_id: int, draft_id: str) -> bool:
        """One UPDATE guarded by the step: among concurrent callers only one matches a row."""
        claim = (
            update(DraftRow)
            .where(
                DraftRow.chat_id == chat_id,
                DraftRow.draft_id == draft_id,
                DraftRow.step == Step.CONFIRM.value,
            )
            .values(step=Step.PLACING.value, **_touched())
            .execution_options(synchronize_session=False)
        )
        async with self._writers.begin() as session:
            result = await _execute_counted(session, claim)
            return result.rowcount == 1

    async def record_order(self, draft: Draft, order: PlacedOrder) -> None:
        """Keep the order and mark the draft DONE together; a second call changes nothing."""
        keep = (
            self._insert(OrderRow)
            .values(**order_values(draft, order), created_at=_now())
            .on_conflict_do_nothing(index_elements=[OrderRow.draft_id])
        )
        finish = (
            update(DraftRow)
            .where(
                DraftRow.chat_id == draft.chat_id,
                DraftRow.draft_id == draft.draft_id,
                DraftRow.step != Step.DONE.value,
            )
            .values(step=Step.DONE.value, **_touched())
            .execution_options(synchronize_session=False)
        )
        async with self._writers.begin() as session:
            await session.execute(keep)
            await session.execute(finish)

    async def order_for_draft(self, draft_id: str) -> PlacedOrder | None:
        query = select(OrderRow).where(OrderRow.draft_id == draft_id)
        async with self._readers.begin() as session:
            row = await session.scalar(query)
            return None if row is None else order_from_row(row)

    async def orders_for_chat(self, chat_id: int) -> list[PlacedOrder]:
        """The chat's placed orders, newest first."""
        query = (
            select(OrderRow)
            .where(OrderRow.chat_id == chat_id)
            .order_by(OrderRow.created_at.desc(), OrderRow.id.desc())
        )
        async with self._readers.begin() as session:
            rows = await session.scalars(query)
            return [order_from_row(row) for row in rows]

    async def close(self) -> None:
        """Release the engine's connections (the store owns the engine it was given)."""
        await self._engine.dispose()

    def _insert(self, table: type[DraftRow] | type[OrderRow]) -> sqlite.Insert | postgresql.Insert:
        # ON CONFLICT is spelled the same on both backends, but each dialect has its own construct.
        if self._dialect == "postgresql":
            return postgresql.insert(table)
        if self._dialect == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"unsupported database: {self._dialect}")


def _now() -> datetime:
    return datetime.now(UTC)


def _touched() -> dict[str, Any]:
    return {"revision": DraftRow.revision + 1, "updated_at": _now()}


async def _execute_counted(session: AsyncSession, statement: Any) -> CursorResult[Any]:
    # UPDATE statements return a cursor result, which carries the matched row count.
    return cast(CursorResult[Any], await session.execute(statement))
