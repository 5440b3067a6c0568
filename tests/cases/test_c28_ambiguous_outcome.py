"""C28: a create-order POST whose outcome is unknown is reported as such and never resent.

Client and shop level only; what the bot does with an unknown outcome is built elsewhere.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bot.oneentry import OneEntryClient, OneEntryShop, OneEntryUnavailable, default_timeout
from bot.ordering.model import CartLine, OrderRequest
from bot.ordering.ports import OutcomeUnknown, ShopUnavailable
from bot.sandbox.oneentry import OneEntrySandbox
from bot.sandbox.serving import serve

REQUEST = OrderRequest(
    draft_id="draft-c28",
    name="Christina Thomas",
    phone="+18005000500",
    email="guest@yourmail.com",
    lines=(CartLine(product_id=15, title="Cappuccino", quantity=1, unit_price=Decimal("400")),),
)
BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def shop_on(http: httpx.AsyncClient, sandbox: OneEntrySandbox, url: str) -> OneEntryShop:
    client = OneEntryClient(
        http,
        project_url=url,
        app_token=sandbox.app_token,
        guest_login=sandbox.guest_login,
        guest_password=sandbox.guest_password,
        fingerprint="c28-tests",
    )
    return OneEntryShop(
        client, storage_marker="guest_orders", form_marker="guest_order", payment_account="cash"
    )


def create_order_posts(sandbox: OneEntrySandbox) -> int:
    return sum(1 for r in sandbox.requests if r.route == "create_order")


async def test_c28_a_read_timeout_after_the_order_was_stored_is_maybe_placed_and_not_resent() -> (
    None
):
    """C28: OneEntry stores the order, answers after the read timeout (case: 8 s vs 5 s; scaled)."""
    sandbox = OneEntrySandbox()
    sandbox.fail("create_order", status=0, delay=0.8, after_commit=True)
    async with (
        serve(sandbox.app) as url,
        httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.3)) as http,
    ):
        with pytest.raises(OutcomeUnknown) as caught:
            await shop_on(http, sandbox, url).create_order(REQUEST)
    cause = caught.value.__cause__
    assert isinstance(cause, OneEntryUnavailable) and cause.maybe_applied
    assert cause.status is None and "ReadTimeout" in cause.message
    assert len(sandbox.orders) == 1  # it was stored…
    assert create_order_posts(sandbox) == 1  # …and not posted a second time


async def test_c28_a_502_with_an_html_body_on_create_order_is_a_clean_maybe_placed_error() -> None:
    """C28: a proxy's HTML 502 becomes OutcomeUnknown with a short message and no HTML."""
    sandbox = OneEntrySandbox()
    sandbox.fail("create_order", status=502, body=BAD_GATEWAY)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, timeout=default_timeout()) as http:
        with pytest.raises(OutcomeUnknown) as caught:
            await shop_on(http, sandbox, "http://oneentry.sandbox").create_order(REQUEST)
    cause = caught.value.__cause__
    assert isinstance(cause, OneEntryUnavailable) and cause.maybe_applied
    assert cause.status == 502
    for text in (str(caught.value), str(cause), repr(cause)):
        assert "<html" not in text and "nginx" not in text and "\n" not in text
    assert create_order_posts(sandbox) == 1


async def test_c28_a_connect_error_on_create_order_is_provably_not_placed() -> None:
    """C28: when OneEntry cannot be reached at all the order was not sent: a retry is safe."""
    sandbox = OneEntrySandbox()
    async with httpx.AsyncClient(timeout=default_timeout()) as http:
        async with serve(sandbox.app) as url:
            shop = shop_on(http, sandbox, url)
            await shop.create_order(REQUEST)  # signed in, one order
        # the server is gone: its port on 127.0.0.1 is closed now
        with pytest.raises(ShopUnavailable) as caught:
            await shop.create_order(REQUEST)
    assert not isinstance(caught.value, OutcomeUnknown)
    cause = caught.value.__cause__
    assert isinstance(cause, OneEntryUnavailable) and not cause.maybe_applied
    assert len(sandbox.orders) == 1 and create_order_posts(sandbox) == 1


def test_c28_every_phase_of_a_oneentry_call_has_an_explicit_timeout() -> None:
    """C28: connect, read, write and pool timeouts are all set, none left to a library default."""
    timeout = default_timeout()
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    assert all(isinstance(p, float) and 0 < p <= 30 for p in phases)
