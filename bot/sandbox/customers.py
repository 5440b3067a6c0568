"""Many customers at once, for the stress test and the benchmark: drafts at their summary, and
the Confirm taps Telegram would send for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.ordering.model import CartLine, Customer, Draft, Step

FIRST_CHAT = 810_000_000


def confirmed_draft(number: int, first_chat: int = FIRST_CHAT) -> Draft:
    """A distinct customer's draft at CONFIRM: product 15, one to three cups."""
    chat_id = first_chat + number
    return Draft(
        chat_id=chat_id,
        draft_id=f"crowd{number:05d}",
        customer=Customer(chat_id, f"Customer{number}"),
        step=Step.CONFIRM,
        name=f"Customer {number}",
        phone=f"+1800555{number % 10_000:04d}",
        email=f"customer{number}@example.com",
        lines=(CartLine(15, "Cappuccino", 1 + number % 3, Decimal("400")),),
    )


def confirm_tap(draft: Draft, tap: int = 1) -> dict[str, Any]:
    """A callback query as Telegram sends it for a tap on the summary's Confirm button."""
    user = {"id": draft.chat_id, "is_bot": False, "first_name": draft.customer.first_name}
    return {
        "callback_query": {
            "id": f"{draft.chat_id}{tap}",
            "from": user,
            "chat_instance": f"-{draft.chat_id}",
            "data": f"c:{draft.draft_id}",
            "message": {
                "message_id": 1,
                "date": 1735689600,
                "chat": {"id": draft.chat_id, "type": "private", "first_name": user["first_name"]},
                "text": "Please check your order",
            },
        }
    }
