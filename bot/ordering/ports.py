"""What the ordering service needs from the outside world; adapters implement these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.ordering.model import Draft, OrderRequest, PlacedOrder, Product


class ShopUnavailable(Exception):
    """The shop backend could not be reached or failed; the request may be retried."""


class OrderRejected(Exception):
    """The shop backend refused the order (bad form data, unknown product, ...)."""


class DraftStore(Protocol):
    async def load(self, chat_id: int) -> Draft | None:
        """The chat's current draft (open or finished), or None."""

    async def save(self, draft: Draft) -> None:
        """Insert or replace the chat's draft."""

    async def claim_for_placement(self, chat_id: int, draft_id: str) -> bool:
        """Atomically move the draft from CONFIRM to PLACING; True for the one caller that won."""

    async def record_order(self, draft: Draft, order: PlacedOrder) -> None:
        """Keep the placed order (with its OneEntry ids) and mark the draft DONE, atomically."""

    async def order_for_draft(self, draft_id: str) -> PlacedOrder | None:
        """The order placed from this draft, if any."""


class Shop(Protocol):
    async def list_products(self) -> Sequence[Product]:
        """Visible products, in the shop's order."""

    async def get_product(self, product_id: int) -> Product | None:
        """One product, or None when it does not exist."""

    async def place_order(self, request: OrderRequest) -> PlacedOrder:
        """Create the order and its payment session. Raises ShopUnavailable or OrderRejected."""


class AdminNotifier(Protocol):
    async def order_placed(self, draft: Draft, order: PlacedOrder) -> None:
        """Tell the shop's admins about a new order."""
