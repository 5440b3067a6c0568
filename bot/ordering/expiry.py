"""Drafts that nobody finishes are closed, and personal data is not kept longer than needed.

Rules:
- An open draft untouched for `idle_after` is closed (cancelled) and its customer told so once,
  through the outbox. A draft being placed is never closed: its placement finishes it.
- Names, phones and e-mails of finished drafts, of their placements and of delivered messages
  are blanked `keep_for` after they finished. Placed orders keep theirs: they are the shop's
  record of the order (OneEntry keeps them too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.ordering.model import Draft
from bot.ordering.ports import Courier, DraftCleanup
from bot.ordering.screens import Notice, NoticeKind, Outgoing


@dataclass(frozen=True)
class RetentionPolicy:
    idle_after: timedelta = timedelta(hours=24)
    keep_for: timedelta = timedelta(days=30)


def expiry_notice(draft: Draft) -> list[Outgoing]:
    return [Outgoing(f"{draft.draft_id}:expired", draft.chat_id, Notice(NoticeKind.EXPIRED))]


class DraftExpiry:
    def __init__(
        self,
        store: DraftCleanup,
        courier: Courier,
        policy: RetentionPolicy,
        clock: Callable[[], datetime],
        batch: int = 200,
    ) -> None:
        self._store = store
        self._courier = courier
        self._policy = policy
        self._clock = clock
        self._batch = batch

    async def run_once(self) -> int:
        """Close idle drafts (and tell their customers), forget old personal data; closed count."""
        now = self._clock()
        closed = await self._store.close_idle(
            now - self._policy.idle_after, expiry_notice, self._batch
        )
        await self._store.forget_personal_data(now - self._policy.keep_for)
        if closed:
            await self._courier.deliver()
        return len(closed)
