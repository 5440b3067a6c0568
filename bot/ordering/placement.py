"""Placing a confirmed draft in the shop: a durable process that is resumed, never repeated.

Rules:
- The placement is recorded (with the draft moved to PLACING) before any request to the shop.
- Before a request that creates something goes out, the placement is marked uncertain; only
  a recorded answer clears the mark. An attempt that finds the mark (after a timeout, a 5xx or
  a crash) looks up what the shop has before it creates anything.
- Each step's result is recorded before the next step: the order's id, then its session.
- A failed attempt is retried with exponential backoff and jitter. After `give_up_after` no
  order is created any more: once it is sure there is none (a look-up found none, or no
  request may have been applied), the placement is given up and its draft goes back to the
  summary so the customer can try again. An order that exists is never given up: without a
  payment session after that time, it is placed without one.
- The customer's and the admins' messages are written with the result, in the same
  transaction, and delivered from there (the outbox), so none is lost or sent twice.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.ordering.conversation import Rules, order_request, step
from bot.ordering.events import OrderPlaced, PlacementFailed
from bot.ordering.model import Draft, PlacedOrder, Placement, PlacementState
from bot.ordering.ports import OrderRejected, OutcomeUnknown, PlacementStore, Shop, ShopUnavailable
from bot.ordering.screens import AdminOrderFailed, AdminOrderPlaced, Outgoing, Problem, Screen

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """When to try again: `base` * 2^(attempt-1) seconds, at most `cap`, with jitter."""

    base: float = 2.0
    cap: float = 300.0
    give_up_after: float = 3600.0
    lease: float = 120.0  # longer than one attempt can take (three requests with timeouts)

    def delay(self, attempts: int, jitter: float) -> timedelta:
        """The wait after `attempts` failures; `jitter` in [0, 1) spreads retries apart."""
        ceiling = min(self.cap, self.base * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=ceiling * (0.5 + jitter / 2))

    def expired(self, placement: Placement, now: datetime) -> bool:
        return now - placement.created_at >= timedelta(seconds=self.give_up_after)


def new_placement(draft: Draft, now: datetime) -> Placement:
    return Placement(draft=draft, state=PlacementState.QUEUED, created_at=now)


def _customer_messages(key: str, chat_id: int, screens: tuple[Screen, ...]) -> list[Outgoing]:
    return [Outgoing(f"{key}:{i}", chat_id, screen) for i, screen in enumerate(screens)]


def placed_messages(placement: Placement, order: PlacedOrder, rules: Rules) -> list[Outgoing]:
    """What the conversation says when the order is placed, and the admins' notice."""
    draft = placement.draft
    outcome = step(draft, OrderPlaced(order), rules)
    key = f"{draft.draft_id}:placed"
    return [
        *_customer_messages(key, draft.chat_id, outcome.screens),
        Outgoing(f"{key}:admins", None, AdminOrderPlaced(draft, order)),
    ]


def failed_messages(
    placement: Placement, problem: Problem, detail: str, rules: Rules
) -> list[Outgoing]:
    """What the conversation says when placing fails (the draft is back at its summary)."""
    draft = placement.draft
    outcome = step(draft, PlacementFailed(problem, detail), rules)
    key = f"{draft.draft_id}:failed:{placement.created_at.timestamp():.0f}"
    return [
        *_customer_messages(key, draft.chat_id, outcome.screens),
        Outgoing(f"{key}:admins", None, AdminOrderFailed(draft, problem, detail)),
    ]


class Placer:
    """Runs attempts of placements; every outcome is recorded before `attempt` returns."""

    def __init__(
        self,
        store: PlacementStore,
        shop: Shop,
        rules: Rules,
        policy: RetryPolicy | None = None,
        clock: Clock = utc_now,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._shop = shop
        self._rules = rules
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._jitter = jitter

    def now(self) -> datetime:
        return self._clock()

    async def attempt(self, placement: Placement) -> Placement:
        """Take the placement as far as the shop allows now; the placement as recorded."""
        doubt = placement.uncertain  # an earlier create may have been applied unseen
        sending = False
        request = order_request(placement.draft)
        try:
            order = placement.order
            if order is None:
                if doubt:
                    order = await self._shop.find_order(request, since=placement.created_at)
                if order is None and self.policy.expired(placement, self.now()):
                    # too late to place it, and a look-up (if in doubt) found no order
                    return await self._give_up(placement, Problem.PLACEMENT_GAVE_UP, "")
                if order is None:
                    sending = True
                    await self._store.mark_sending(placement.draft_id)
                    language = placement.draft.customer.language
                    order = await self._shop.create_order(request, language)
                await self._store.order_created(placement.draft_id, order)
                placement = dataclasses.replace(
                    placement, state=PlacementState.CREATED, order=order, uncertain=False
                )
                doubt, sending = False, False
            if order.payment_session_id is None:
                paid = await self._shop.find_payment(order) if doubt else None
                if paid is None:
                    sending = True
                    await self._store.mark_sending(placement.draft_id)
                    paid = await self._shop.open_payment(order)
                order = paid
        except OrderRejected as exc:
            log.warning("order of draft %s rejected by the shop: %s", placement.draft_id, exc)
            return await self._give_up(placement, Problem.ORDER_REJECTED, str(exc))
        except ShopUnavailable as exc:
            # the doubt stands after a failed look-up; a create that surely failed clears it
            uncertain = isinstance(exc, OutcomeUnknown) or (doubt and not sending)
            return await self._retry_later(placement, exc, uncertain)
        return await self._complete(placement, order)

    async def _retry_later(
        self, placement: Placement, exc: ShopUnavailable, uncertain: bool
    ) -> Placement:
        now = self.now()
        attempts = placement.attempts + 1
        if self.policy.expired(placement, now):
            if placement.order is not None:
                # the order exists: it is placed, even without a payment session (also when a
                # session may exist: completing creates nothing, and waiting could last for ever)
                log.warning("draft %s placed without payment session: %s", placement.draft_id, exc)
                return await self._complete(placement, placement.order)
            if not uncertain:
                log.warning("giving up on draft %s: %s", placement.draft_id, exc)
                return await self._give_up(placement, Problem.PLACEMENT_GAVE_UP, "")
        at = now + self.policy.delay(attempts, self._jitter())
        log.warning(
            "placement of draft %s failed (attempt %d), next try at %s: %s",
            placement.draft_id,
            attempts,
            at.isoformat(timespec="seconds"),
            exc,
        )
        await self._store.retry_later(
            placement.draft_id, attempts=attempts, uncertain=uncertain, error=str(exc), at=at
        )
        return dataclasses.replace(
            placement, attempts=attempts, uncertain=uncertain, last_error=str(exc)
        )

    async def _complete(self, placement: Placement, order: PlacedOrder) -> Placement:
        order = dataclasses.replace(order, lines=order.lines or placement.draft.lines)
        messages = placed_messages(placement, order, self._rules)
        await self._store.complete(placement, order, messages)
        return dataclasses.replace(placement, state=PlacementState.PLACED, order=order)

    async def _give_up(self, placement: Placement, problem: Problem, detail: str) -> Placement:
        messages = failed_messages(placement, problem, detail, self._rules)
        await self._store.give_up(placement, messages)
        return dataclasses.replace(placement, state=PlacementState.FAILED, last_error=detail)
