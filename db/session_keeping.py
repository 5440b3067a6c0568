"""Small records the bot keeps between runs: the OneEntry guest session, handled updates."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from db.sessions import Sessions, execute_counted, now
from db.tables import OneEntryTokensRow, ProcessedUpdateRow


class SqlTokenKeeper:
    """Implements `bot.oneentry.client.TokenKeeper` for one guest account."""

    def __init__(self, engine: AsyncEngine, account: str) -> None:
        self._db = Sessions(engine)
        self._account = account

    def __repr__(self) -> str:  # never show the tokens
        return f"SqlTokenKeeper(account={self._account!r})"

    async def load(self) -> tuple[str, str] | None:
        async with self._db.read.begin() as session:
            row = await session.get(OneEntryTokensRow, self._account)
            return None if row is None else (row.access_token, row.refresh_token)

    async def save(self, access: str, refresh: str) -> None:
        values = {"access_token": access, "refresh_token": refresh, "updated_at": now()}
        upsert = (
            self._db.insert(OneEntryTokensRow)
            .values(account=self._account, **values)
            .on_conflict_do_update(index_elements=[OneEntryTokensRow.account], set_=values)
        )
        async with self._db.writing() as session:
            await session.execute(upsert)


class SqlUpdateLog:
    """Which Telegram updates were handled, so a redelivered one is handled once."""

    def __init__(self, engine: AsyncEngine, keep: timedelta = timedelta(days=2)) -> None:
        self._db = Sessions(engine)
        self._keep = keep

    async def first_time(self, update_id: int) -> bool:
        """Record the update; False when it was recorded before."""
        record = (
            self._db.insert(ProcessedUpdateRow)
            .values(update_id=update_id, processed_at=now())
            .on_conflict_do_nothing(index_elements=[ProcessedUpdateRow.update_id])
        )
        async with self._db.writing() as session:
            return (await execute_counted(session, record)).rowcount == 1

    async def forget_old(self, moment: datetime | None = None) -> int:
        """Drop records older than the keeping time (Telegram keeps updates for 24 hours)."""
        cutoff = (moment or now()) - self._keep
        drop = delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < cutoff)
        async with self._db.writing() as session:
            return (await execute_counted(session, drop)).rowcount
