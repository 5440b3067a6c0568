"""What the ordering service needs from the outside world; adapters implement these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.ordering.model import (
    Contacts,
    Draft,
    OrderRequest,
    PlacedOrder,
    Placement,
    Product,
    Question,
)
from bot.ordering.screens import Outgoing


class ShopUnavailable(Exception):
    """The shop backend could not be reached or failed; the request may be retried."""


class OutcomeUnknown(ShopUnavailable):
    """A request that creates something got no answer but may have been applied.

    Never resend it blindly: look up what exists first.
    """


class OrderRejected(Exception):
    """The shop backend refused the order (bad form data, unknown product, ...)."""


class DraftStore(Protocol):
    async def load(self, chat_id: int) -> Draft | None:
        """The chat's current draft (open or finished), or None."""

    async def save(self, draft: Draft) -> None:
        """Insert or replace the chat's draft."""

    async def orders_for_chat(self, chat_id: int) -> list[PlacedOrder]:
        """The chat's placed orders, newest first (as recorded when they were placed)."""

    async def last_contacts(self, chat_id: int) -> Contacts | None:
        """The contact details of the chat's newest placed order, if it has one."""

    async def save_language(self, draft: Draft) -> None:
        """Keep the language of the draft's customer: only that, when the chat has a draft (so a
        draft being placed is not set back), else the draft itself."""


class PlacementStore(Protocol):
    """The durable record of placements, and of the messages they owe (the outbox)."""

    async def begin_placement(self, placement: Placement, lease_until: datetime) -> bool:
        """Move the draft from CONFIRM to PLACING and record the placement, atomically.

        False, with nothing written, when the draft is not at CONFIRM any more (a second tap).
        The placement is leased to the caller until `lease_until`.
        """

    async def mark_sending(self, draft_id: str) -> None:
        """Note, before a create request goes out, that its outcome is unknown until recorded."""

    async def order_created(self, draft_id: str, order: PlacedOrder) -> None:
        """OneEntry has the order: keep its id, so no later attempt creates it again."""

    async def retry_later(
        self, draft_id: str, *, attempts: int, uncertain: bool, error: str, at: datetime
    ) -> None:
        """The attempt failed; the placement is due again at `at`."""

    async def complete(
        self, placement: Placement, order: PlacedOrder, messages: Sequence[Outgoing]
    ) -> None:
        """Keep the order, finish the draft and the placement, queue the messages; atomically."""

    async def give_up(self, placement: Placement, messages: Sequence[Outgoing]) -> None:
        """Mark the placement failed, put its draft back at CONFIRM, queue the messages."""

    async def take_due(self, now: datetime, lease_until: datetime, limit: int) -> list[Placement]:
        """In-flight placements due by `now`, each leased to the caller until `lease_until`."""

    async def release_leases(self, now: datetime) -> int:
        """Make every in-flight placement due now (at start-up: the previous process is gone)."""


class Shop(Protocol):
    """The shop's backend. `language` is the customer's (`Customer.language`, e.g. "ru"): the
    titles of products and statuses come back in it when the shop has them; None, or a
    language the shop lacks, means the shop's own."""

    async def list_products(self, language: str | None = None) -> Sequence[Product]:
        """Products that can be ordered (visible, available, priced), in the shop's order.

        May be a copy a few seconds old. Raises ShopUnavailable when there is none to give.
        """

    async def get_product(self, product_id: int, language: str | None = None) -> Product | None:
        """One product that can be ordered, or None (unknown, hidden or unavailable)."""

    async def current_products(
        self, product_ids: Sequence[int], language: str | None = None
    ) -> Sequence[Product]:
        """These products as the shop has them now (not a cached copy); gone ones left out."""

    async def order_questions(self, language: str | None = None) -> Sequence[Question]:
        """The order form's questions, in its order (may be a copy a few seconds old).

        Never raises: when the form cannot be read, the guest questions (name, phone, e-mail).
        """

    async def order_status(self, order: PlacedOrder, language: str | None = None) -> PlacedOrder:
        """The order with its current status and payment status. Raises ShopUnavailable."""

    async def create_order(self, request: OrderRequest, language: str | None = None) -> PlacedOrder:
        """Create the order (without a payment session yet).

        Raises OrderRejected, ShopUnavailable, or OutcomeUnknown when it may exist anyway.
        """

    async def find_order(self, request: OrderRequest, since: datetime) -> PlacedOrder | None:
        """The order created for this request at or after `since`, if OneEntry has one."""

    async def find_payment(self, order: PlacedOrder) -> PlacedOrder | None:
        """The order with the payment session OneEntry already has for it, if any."""

    async def open_payment(self, order: PlacedOrder) -> PlacedOrder:
        """The order with a new payment session. Raises ShopUnavailable or OutcomeUnknown."""


class Courier(Protocol):
    async def deliver(self, draft_id: str | None = None) -> None:
        """Send the outbox's due messages: only those of `draft_id` when it is given."""


@dataclass(frozen=True)
class OutboxItem:
    message: Outgoing
    attempts: int


class OutboxStore(Protocol):
    """Messages owed to chats, and what the bot learns about the chats while sending."""

    async def due_messages(
        self, now: datetime, draft_id: str | None = None, limit: int = 50
    ) -> list[OutboxItem]:
        """Undelivered messages due by `now`, oldest first (only `draft_id`'s when given)."""

    async def claim(self, key: str, now: datetime, until: datetime) -> bool:
        """Take a due message for sending until `until`; False when another sender has it."""

    async def delivered(self, key: str, now: datetime) -> None:
        """The message reached its chat."""

    async def postpone(self, key: str, *, attempts: int, at: datetime, error: str) -> None:
        """Sending failed for now; try again at `at`."""

    async def drop(self, key: str, reason: str) -> None:
        """The message can never be delivered (e.g. the customer blocked the bot)."""

    async def learnt(self, name: str) -> str | None:
        """A setting learnt at run time (e.g. the admin group's new id), if any."""

    async def learn(self, name: str, value: str) -> None:
        """Keep a setting learnt at run time."""

    async def mark_unreachable(self, chat_id: int, reason: str, now: datetime) -> None:
        """The chat cannot receive messages (blocked, deactivated, kicked)."""

    async def mark_reachable(self, chat_id: int) -> None:
        """The chat can receive messages again (unblocked, wrote to the bot)."""

    async def is_unreachable(self, chat_id: int) -> bool:
        """Whether the chat is marked unreachable."""


class DraftCleanup(Protocol):
    """Closing drafts nobody finishes, and forgetting personal data that is no longer needed."""

    async def close_idle(
        self, idle_since: datetime, notices: Callable[[Draft], Sequence[Outgoing]], limit: int
    ) -> list[Draft]:
        """Close open drafts untouched since `idle_since` (never one being placed), queueing
        `notices(draft)` for each in the same transaction; the closed drafts."""

    async def forget_personal_data(self, finished_before: datetime) -> int:
        """Blank names, phones and e-mails of drafts, placements and sent messages finished
        before `finished_before`; how many records were touched."""
