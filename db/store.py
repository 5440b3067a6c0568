"""The draft store on SQLAlchemy: drafts, their placements and the orders placed from them.

Implements the ordering service's DraftStore and PlacementStore. A placement's every step is
one transaction, and the messages it owes are written to the outbox in the same transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.ordering.model import Contacts, Draft, PlacedOrder, Placement, PlacementState, Step
from bot.ordering.screens import Outgoing
from db.mapping import (
    draft_from_row,
    draft_values,
    order_from_row,
    order_to_json,
    order_values,
    placement_from_row,
    screen_to_json,
)
from db.sessions import Sessions, execute_counted, now
from db.tables import DraftRow, OrderRow, OutboxRow, PlacementRow

IN_FLIGHT = (PlacementState.QUEUED.value, PlacementState.CREATED.value)
# Open drafts that may be closed for being idle: any but one being placed.
_CLOSABLE = [s.value for s in Step if s not in (Step.PLACING, Step.DONE, Step.CANCELLED)]
_ERROR_LIMIT = 1000  # characters of an error message kept with a placement


class SqlStore:
    """Drafts (one per chat), placements and placed orders, on an engine Alembic has built."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._db = Sessions(engine)

    # --- drafts --------------------------------------------------------------------------

    async def load(self, chat_id: int) -> Draft | None:
        async with self._db.read.begin() as session:
            row = await session.get(DraftRow, chat_id)
            return None if row is None else draft_from_row(row)

    async def save(self, draft: Draft) -> None:
        """Insert or replace the chat's draft; every save raises its revision by one."""
        moment = now()
        values = draft_values(draft)
        insert = self._db.insert(DraftRow).values(
            **values, revision=1, created_at=moment, updated_at=moment
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[DraftRow.chat_id],
            set_={**values, "revision": DraftRow.revision + 1, "updated_at": moment},
        )
        async with self._db.writing() as session:
            await session.execute(upsert)

    async def save_language(self, draft: Draft) -> None:
        """The customer's language alone when the chat has a draft, else the whole draft.

        One statement: a placement finishing meanwhile keeps the step it wrote.
        """
        moment = now()
        insert = self._db.insert(DraftRow).values(
            **draft_values(draft), revision=1, created_at=moment, updated_at=moment
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[DraftRow.chat_id],
            set_={
                "language": draft.customer.language,
                "revision": DraftRow.revision + 1,
                "updated_at": moment,
            },
        )
        async with self._db.writing() as session:
            await session.execute(upsert)

    async def order_for_draft(self, draft_id: str) -> PlacedOrder | None:
        query = select(OrderRow).where(OrderRow.draft_id == draft_id)
        async with self._db.read.begin() as session:
            row = await session.scalar(query)
            return None if row is None else order_from_row(row)

    async def orders_for_chat(self, chat_id: int) -> list[PlacedOrder]:
        """The chat's placed orders, newest first."""
        query = (
            select(OrderRow)
            .where(OrderRow.chat_id == chat_id)
            .order_by(OrderRow.created_at.desc(), OrderRow.id.desc())
        )
        async with self._db.read.begin() as session:
            rows = await session.scalars(query)
            return [order_from_row(row) for row in rows]

    async def last_contacts(self, chat_id: int) -> Contacts | None:
        """Name, phone and e-mail of the chat's newest order that has all three."""
        query = (
            select(OrderRow.name, OrderRow.phone, OrderRow.email)
            .where(
                OrderRow.chat_id == chat_id,
                OrderRow.name.is_not(None),
                OrderRow.phone.is_not(None),
                OrderRow.email.is_not(None),
            )
            .order_by(OrderRow.created_at.desc(), OrderRow.id.desc())
            .limit(1)
        )
        async with self._db.read.begin() as session:
            row = (await session.execute(query)).first()
        if row is None or not (row.name and row.phone and row.email):
            return None
        return Contacts(row.name, row.phone, row.email)

    # --- placements ----------------------------------------------------------------------

    async def begin_placement(self, placement: Placement, lease_until: datetime) -> bool:
        """One UPDATE guarded by the step: among concurrent callers only one matches a row."""
        draft = placement.draft
        claim = _set_step(draft, Step.PLACING, only_from=Step.CONFIRM)
        values = {
            "chat_id": draft.chat_id,
            "state": PlacementState.QUEUED.value,
            "draft": draft_values(draft),
            "placed_order": None,
            "attempts": 0,
            "uncertain": False,
            "next_attempt_at": lease_until,
            "last_error": "",
            "created_at": placement.created_at,
            "updated_at": now(),
        }
        # A failed placement of the same draft (tried again from its summary) starts over.
        record = (
            self._db.insert(PlacementRow)
            .values(draft_id=draft.draft_id, **values)
            .on_conflict_do_update(index_elements=[PlacementRow.draft_id], set_=values)
        )
        async with self._db.writing() as session:
            if (await execute_counted(session, claim)).rowcount != 1:
                return False
            await session.execute(record)
        return True

    async def mark_sending(self, draft_id: str) -> None:
        await self._update_placement(draft_id, uncertain=True)

    async def order_created(self, draft_id: str, order: PlacedOrder) -> None:
        await self._update_placement(
            draft_id,
            state=PlacementState.CREATED.value,
            placed_order=order_to_json(order),
            uncertain=False,
        )

    async def retry_later(
        self, draft_id: str, *, attempts: int, uncertain: bool, error: str, at: datetime
    ) -> None:
        await self._update_placement(
            draft_id,
            attempts=attempts,
            uncertain=uncertain,
            last_error=error[:_ERROR_LIMIT],
            next_attempt_at=at,
        )

    async def complete(
        self, placement: Placement, order: PlacedOrder, messages: Sequence[Outgoing]
    ) -> None:
        """Order row, DONE draft, PLACED placement and outbox messages, all or nothing."""
        draft = placement.draft
        keep = (
            self._db.insert(OrderRow)
            .values(**order_values(draft, order), created_at=now())
            .on_conflict_do_nothing(index_elements=[OrderRow.draft_id])
        )
        async with self._db.writing() as session:
            await session.execute(keep)
            await session.execute(_set_step(draft, Step.DONE, only_from=Step.PLACING))
            await session.execute(
                _placement_update(
                    draft.draft_id,
                    state=PlacementState.PLACED.value,
                    placed_order=order_to_json(order),
                    uncertain=False,
                )
            )
            await self._queue(session, draft.draft_id, messages)

    async def give_up(self, placement: Placement, messages: Sequence[Outgoing]) -> None:
        draft = placement.draft
        async with self._db.writing() as session:
            await session.execute(
                _placement_update(draft.draft_id, state=PlacementState.FAILED.value)
            )
            await session.execute(_set_step(draft, Step.CONFIRM, only_from=Step.PLACING))
            await self._queue(session, draft.draft_id, messages)

    async def take_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Placement]:
        due = (
            select(PlacementRow.draft_id)
            .where(PlacementRow.state.in_(IN_FLIGHT), PlacementRow.next_attempt_at <= now)
            .order_by(PlacementRow.next_attempt_at)
            .limit(limit)
        )
        taken: list[Placement] = []
        async with self._db.writing() as session:
            for draft_id in list(await session.scalars(due)):
                # leased only if nobody else took it meanwhile
                lease = _placement_update(draft_id, next_attempt_at=lease_until).where(
                    PlacementRow.next_attempt_at <= now, PlacementRow.state.in_(IN_FLIGHT)
                )
                if (await execute_counted(session, lease)).rowcount == 1:
                    row = await session.get(PlacementRow, draft_id)
                    assert row is not None
                    taken.append(placement_from_row(row))
        return taken

    async def release_leases(self, now: datetime) -> int:
        release = (
            update(PlacementRow)
            .where(PlacementRow.state.in_(IN_FLIGHT))
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        async with self._db.writing() as session:
            return (await execute_counted(session, release)).rowcount

    # --- clean-up -------------------------------------------------------------------------

    async def close_idle(
        self, idle_since: datetime, notices: Callable[[Draft], Sequence[Outgoing]], limit: int
    ) -> list[Draft]:
        idle = (
            select(DraftRow)
            .where(DraftRow.step.in_(_CLOSABLE), DraftRow.updated_at < idle_since)
            .order_by(DraftRow.updated_at)
            .limit(limit)
        )
        closed: list[Draft] = []
        async with self._db.writing() as session:
            for row in list(await session.scalars(idle)):
                draft = draft_from_row(row)
                close = (
                    update(DraftRow)
                    # unchanged since it was read: an answer that came in between wins
                    .where(DraftRow.chat_id == row.chat_id, DraftRow.revision == row.revision)
                    .values(step=Step.CANCELLED.value, revision=row.revision + 1, updated_at=now())
                    .execution_options(synchronize_session=False)
                )
                if (await execute_counted(session, close)).rowcount == 1:
                    closed.append(dataclasses.replace(draft, step=Step.CANCELLED))
                    await self._queue(session, draft.draft_id, notices(draft))
        return closed

    async def forget_personal_data(self, finished_before: datetime) -> int:
        finished = [Step.DONE.value, Step.CANCELLED.value]
        blank = (
            update(DraftRow)
            .where(
                DraftRow.step.in_(finished),
                DraftRow.updated_at < finished_before,
                or_(
                    DraftRow.name.is_not(None),
                    DraftRow.phone.is_not(None),
                    DraftRow.email.is_not(None),
                    DraftRow.answers.is_not(None),
                    DraftRow.username.is_not(None),
                    DraftRow.first_name != "",
                ),
            )
            .values(name=None, phone=None, email=None, answers=None, username=None, first_name="")
            .execution_options(synchronize_session=False)
        )
        # finished placements and delivered messages hold copies of the answers: they go
        done = [PlacementState.PLACED.value, PlacementState.FAILED.value]
        placements = delete(PlacementRow).where(
            PlacementRow.state.in_(done), PlacementRow.updated_at < finished_before
        )
        messages = delete(OutboxRow).where(
            OutboxRow.state != "pending", OutboxRow.created_at < finished_before
        )
        touched = 0
        async with self._db.writing() as session:
            for statement in (blank, placements, messages):
                touched += (await execute_counted(session, statement)).rowcount
        return touched

    async def placement(self, draft_id: str) -> Placement | None:
        async with self._db.read.begin() as session:
            row = await session.get(PlacementRow, draft_id)
            return None if row is None else placement_from_row(row)

    async def close(self) -> None:
        """Release the engine's connections (the store owns the engine it was given)."""
        await self._db.engine.dispose()

    async def _update_placement(self, draft_id: str, **values: Any) -> None:
        async with self._db.writing() as session:
            await session.execute(_placement_update(draft_id, **values))

    async def _queue(
        self, session: AsyncSession, draft_id: str, messages: Sequence[Outgoing]
    ) -> None:
        moment = now()
        for message in messages:
            await session.execute(
                self._db.insert(OutboxRow)
                .values(
                    key=message.key,
                    draft_id=draft_id,
                    chat_id=message.chat_id,
                    screen=screen_to_json(message.screen),
                    state="pending",
                    attempts=0,
                    next_attempt_at=moment,
                    last_error="",
                    created_at=moment,
                    sent_at=None,
                )
                .on_conflict_do_nothing(index_elements=[OutboxRow.key])
            )


def _set_step(draft: Draft, step: Step, *, only_from: Step) -> Any:
    return (
        update(DraftRow)
        .where(
            DraftRow.chat_id == draft.chat_id,
            DraftRow.draft_id == draft.draft_id,
            DraftRow.step == only_from.value,
        )
        .values(step=step.value, revision=DraftRow.revision + 1, updated_at=now())
        .execution_options(synchronize_session=False)
    )


def _placement_update(draft_id: str, **values: Any) -> Any:
    return (
        update(PlacementRow)
        .where(PlacementRow.draft_id == draft_id)
        .values(**values, updated_at=now())
        .execution_options(synchronize_session=False)
    )
