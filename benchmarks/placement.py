"""How fast the bot places orders: N customers tap Confirm at once, against both emulators.

    .venv/bin/python benchmarks/placement.py [--customers 200] [--failing 0.2]

Prints the wall time until every customer was told their order is placed, orders per second,
the tap-to-confirmation latency (p50, p95, max), and the OneEntry and Telegram requests per
order. Everything runs on 127.0.0.1; the database is a SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from bot.app import build_application, running
from bot.logs import configure_logging
from bot.sandbox.customers import confirm_tap, confirmed_draft
from bot.sandbox.run import running_sandbox
from bot.settings import load_settings
from db.engine import create_engine
from db.migrate import upgrade_async
from db.store import SqlStore

POLL = 0.02  # seconds between looks at the customers' chats
LIMIT = 600.0  # the longest a run may take


async def seed(url: str, customers: int) -> None:
    await upgrade_async(url)
    engine = create_engine(url)
    store = SqlStore(engine)
    try:
        drafts = [confirmed_draft(n) for n in range(customers)]
        for draft in drafts:
            await store.save(draft)
    finally:
        await store.close()


async def run(customers: int, failing: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await seed(url, customers)
        async with running_sandbox() as box:
            env = {k.lower(): v for k, v in box.settings().items()}
            settings = load_settings(
                _env_file=None,
                **env,
                database_url=url,
                worker_interval_seconds=0.1,
                retry_base_seconds=0.1,
                retry_max_seconds=0.5,
                telegram_messages_per_second=100_000,
                telegram_group_messages_per_minute=100_000,
            )
            configure_logging("ERROR", settings.secrets())
            box.oneentry.fail("create_order", status=500, count=int(customers * failing) or 1)
            async with running(build_application(settings), poll_timeout=1):
                loop = asyncio.get_running_loop()
                start = loop.time()
                for n in range(customers):
                    box.telegram.inject(confirm_tap(confirmed_draft(n)))
                told: dict[int, float] = {}
                seen = 0
                while len(told) < customers and loop.time() - start < LIMIT:
                    await asyncio.sleep(POLL)
                    calls = box.telegram.calls[seen:]
                    seen += len(calls)
                    for call in calls:
                        if call.method != "sendMessage" or not isinstance(call.result, dict):
                            continue
                        if "placed" in str(call.result.get("text", "")):
                            told.setdefault(int(call.chat_id or 0), loop.time() - start)
                wall = loop.time() - start
        oneentry_calls = len(box.oneentry.requests)
        telegram_calls = len([c for c in box.telegram.calls if c.method != "getUpdates"])
    latencies = sorted(told.values())
    placed = len(box.oneentry.orders)
    print(f"customers                 {customers} ({failing:.0%} of first creates fail)")
    print(f"orders placed             {placed} (told: {len(told)})")
    print(f"wall time                 {wall:.2f} s")
    print(f"orders per second         {placed / wall:.1f}")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        print(
            f"latency p50 / p95 / max   {statistics.median(latencies):.2f} / {p95:.2f} / "
            f"{latencies[-1]:.2f} s"
        )
    print(f"OneEntry requests/order   {oneentry_calls / max(placed, 1):.2f}")
    print(f"Telegram requests/order   {telegram_calls / max(placed, 1):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--failing", type=float, default=0.2, help="share of failing creates")
    args = parser.parse_args()
    asyncio.run(run(args.customers, args.failing))


if __name__ == "__main__":
    main()
