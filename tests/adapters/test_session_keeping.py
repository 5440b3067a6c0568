"""The OneEntry guest session and the log of handled updates, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from db.session_keeping import SqlTokenKeeper, SqlUpdateLog


async def test_the_newest_token_pair_is_kept_per_account(engine: AsyncEngine) -> None:
    """Each save replaces the pair (refresh tokens are single use); accounts are apart."""
    guest, other = SqlTokenKeeper(engine, "guest@shop"), SqlTokenKeeper(engine, "other@shop")
    assert await guest.load() is None
    await guest.save("access-1", "refresh-1")
    await guest.save("access-2", "refresh-2")
    await other.save("access-x", "refresh-x")
    assert await guest.load() == ("access-2", "refresh-2")
    assert await other.load() == ("access-x", "refresh-x")
    assert "access" not in repr(guest)


async def test_an_update_is_handled_the_first_time_only(engine: AsyncEngine) -> None:
    """Of many concurrent claims on one update id exactly one wins, also across ids."""
    log = SqlUpdateLog(engine)
    claims = await asyncio.gather(*(log.first_time(9_000_000_001) for _ in range(10)))
    assert sorted(claims) == [False] * 9 + [True]
    assert await log.first_time(9_000_000_002)


async def test_old_update_records_are_forgotten(engine: AsyncEngine) -> None:
    """Records older than the keeping time go; an update seen again after that is new."""
    log = SqlUpdateLog(engine, keep=timedelta(hours=1))
    assert await log.first_time(1)
    assert await log.forget_old(datetime.now(UTC) + timedelta(minutes=30)) == 0
    assert await log.forget_old(datetime.now(UTC) + timedelta(hours=2)) == 1
    assert await log.first_time(1)
