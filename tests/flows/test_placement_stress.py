"""Two hundred customers confirm at once, each tapping Confirm twice, while OneEntry fails
a fifth of the create-order calls (half of them after storing the order)."""

from __future__ import annotations

from collections import Counter

from bot.sandbox.customers import confirm_tap, confirmed_draft
from bot.sandbox.run import ADMIN_CHAT_ID, Sandbox
from db.engine import create_engine
from db.migrate import upgrade_async
from db.store import SqlStore
from tests.flows.conftest import admin_messages, bot_with

CUSTOMERS = 200
SETTLE = 120.0


async def test_two_hundred_double_confirms_with_failing_oneentry_place_each_order_once(
    sandbox: Sandbox, environment: dict[str, str]
) -> None:
    """200 orders, one session each, every customer told once, every admin notice once."""
    url = environment["DATABASE_URL"]
    await upgrade_async(url)
    engine = create_engine(url)
    drafts = [confirmed_draft(n) for n in range(CUSTOMERS)]
    try:
        store = SqlStore(engine)
        for draft in drafts:
            await store.save(draft)
    finally:
        await engine.dispose()
    oneentry, telegram = sandbox.oneentry, sandbox.telegram
    oneentry.fail("create_order", status=500, count=CUSTOMERS // 10)
    oneentry.fail("create_order", status=502, count=CUSTOMERS // 10, after_commit=True)
    unlimited = {
        "telegram_messages_per_second": "100000",
        "telegram_group_messages_per_minute": "100000",
    }
    async with bot_with(environment, **unlimited):
        for draft in drafts:
            telegram.inject(confirm_tap(draft, 1))
            telegram.inject(confirm_tap(draft, 2))

        def all_told() -> bool:
            notices = sum("New order" in text for text in admin_messages(sandbox))
            return notices >= CUSTOMERS and len(oneentry.sessions) >= CUSTOMERS

        await telegram.wait_for(all_told, SETTLE)

    emails = Counter(
        next(v["value"] for v in next(iter(o["formData"].values())) if v["marker"] == "guest_email")
        for o in oneentry.orders
    )
    assert len(emails) == CUSTOMERS and max(emails.values()) == 1
    assert Counter(s["orderId"] for s in oneentry.sessions) == Counter(
        o["id"] for o in oneentry.orders
    )
    for draft in drafts:
        told = [m for m in telegram.messages(draft.chat_id) if m.from_bot and "placed" in m.text]
        assert len(told) == 1, draft.chat_id
    notices = [t for t in admin_messages(sandbox) if "New order" in t]
    assert len(notices) == len(set(notices)) == CUSTOMERS
    answers = [telegram.callback_answer(f"{d.chat_id}{tap}") for d in drafts for tap in (1, 2)]
    assert all(a is not None for a in answers)
    assert sum("already been submitted" in (a or {}).get("text", "") for a in answers) == CUSTOMERS
    assert ADMIN_CHAT_ID not in {m.chat_id for m in telegram.calls if not m.ok}
