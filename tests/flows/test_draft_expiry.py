"""Abandoned drafts: closed with a short notice, and their personal data forgotten later."""

from __future__ import annotations

import asyncio

from bot.ordering.model import Step
from bot.sandbox.run import Sandbox
from db.engine import create_engine
from db.store import SqlStore
from tests.flows.conftest import CUSTOMER_ID, Chat, bot_with

QUICKLY = {
    "draft_idle_hours": str(1.5 / 3600),  # idle for 1.5 s
    "personal_data_retention_days": str(2 / 86400),  # kept for 2 s after closing
    "cleanup_interval_seconds": "0.2",
}


async def test_an_abandoned_draft_is_closed_with_a_notice_and_its_answers_forgotten(
    sandbox: Sandbox, chat: Chat, environment: dict[str, str]
) -> None:
    """Idle past the limit: told once; later the draft's personal data leaves the database."""
    store = SqlStore(create_engine(environment["DATABASE_URL"]))
    try:
        async with bot_with(environment, **QUICKLY):
            await chat.say("/start", expect="")
            await chat.expect("was closed", seconds=10)
            for _ in range(100):  # bounded: 10 s
                draft = await store.load(CUSTOMER_ID)
                if draft is not None and draft.customer.first_name == "":
                    break
                await asyncio.sleep(0.1)
    finally:
        await store.close()
    assert draft is not None and draft.step is Step.CANCELLED
    assert draft.customer.first_name == "" and draft.customer.username is None
    closed = [m for m in chat.bot_messages() if "was closed" in m.text]
    assert len(closed) == 1 and chat.bot_messages()[-1] == closed[0]
