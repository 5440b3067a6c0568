"""The outbox on SQLAlchemy: messages owed to chats, and what sending them teaches the bot.

Implements the ordering service's OutboxStore; messages are written by db.store together with
the placement results they announce.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ordering.ports import OutboxItem
from bot.ordering.screens import Outgoing
from db.mapping import screen_from_json
from db.sessions import Sessions, execute_counted
from db.tables import BotSettingRow, OutboxRow, UnreachableChatRow

_ERROR_LIMIT = 1000


class SqlOutbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self._db = Sessions(engine)

    async def due_messages(
        self, now: datetime, draft_id: str | None = None, limit: int = 50
    ) -> list[OutboxItem]:
        query = (
            select(OutboxRow)
            .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.created_at, OutboxRow.key)
            .limit(limit)
        )
        if draft_id is not None:
            query = query.where(OutboxRow.draft_id == draft_id)
        async with self._db.read.begin() as session:
            rows = list(await session.scalars(query))
        return [
            OutboxItem(Outgoing(r.key, r.chat_id, screen_from_json(r.screen)), r.attempts)
            for r in rows
        ]

    async def claim(self, key: str, now: datetime, until: datetime) -> bool:
        take = (
            update(OutboxRow)
            .where(
                OutboxRow.key == key,
                OutboxRow.state == "pending",
                OutboxRow.next_attempt_at <= now,
            )
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
        async with self._db.writing() as session:
            return (await execute_counted(session, take)).rowcount == 1

    async def delivered(self, key: str, now: datetime) -> None:
        await self._set(key, state="sent", sent_at=now)

    async def postpone(self, key: str, *, attempts: int, at: datetime, error: str) -> None:
        await self._set(key, attempts=attempts, next_attempt_at=at, last_error=error[:_ERROR_LIMIT])

    async def drop(self, key: str, reason: str) -> None:
        await self._set(key, state="dropped", last_error=reason[:_ERROR_LIMIT])

    async def learnt(self, name: str) -> str | None:
        async with self._db.read.begin() as session:
            row = await session.get(BotSettingRow, name)
            return None if row is None else row.value

    async def learn(self, name: str, value: str) -> None:
        upsert = (
            self._db.insert(BotSettingRow)
            .values(key=name, value=value)
            .on_conflict_do_update(index_elements=[BotSettingRow.key], set_={"value": value})
        )
        async with self._db.writing() as session:
            await session.execute(upsert)

    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None:
        upsert = (
            self._db.insert(UnreachableChatRow)
            .values(chat_id=chat_id, reason=reason[:_ERROR_LIMIT], since=now)
            .on_conflict_do_nothing(index_elements=[UnreachableChatRow.chat_id])
        )
        async with self._db.writing() as session:
            await session.execute(upsert)

    async def mark_reachable(self, chat_id: int) -> None:
        async with self._db.writing() as session:
            await session.execute(
                delete(UnreachableChatRow).where(UnreachableChatRow.chat_id == chat_id)
            )

    async def is_unreachable(self, chat_id: int) -> bool:
        async with self._db.read.begin() as session:
            return await session.get(UnreachableChatRow, chat_id) is not None

    async def _set(self, key: str, **values: object) -> None:
        change = (
            update(OutboxRow)
            .where(OutboxRow.key == key)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        async with self._db.writing() as session:
            await session.execute(change)
