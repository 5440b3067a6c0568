"""`order-bot demo`, scripted as the README shows, places the reference order."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "examples" / "reference-order.txt"


async def test_the_scripted_demo_places_the_reference_order_and_prints_the_confirmation() -> None:
    """The customer's lines from examples/ end in a placed order that the admins see too."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(SCRIPT.read_bytes()), 120)
    text = out.decode()
    assert process.returncode == 0, err.decode()[-2000:]
    placed = re.search(r"bot> ✅ Order #(\d+) placed", text)
    assert placed is not None, text[-2000:]
    confirmation = text[placed.start() :]
    assert "Total: 400 USD" in confirmation and "Order status: Upcoming" in confirmation
    assert "Payment: awaiting payment" in confirmation
    assert f"[admin group] 🛒 New order #{placed.group(1)}" in confirmation
