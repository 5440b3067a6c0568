"""OneEntryClient and OneEntryShop against the OneEntry sandbox (in-process and over loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from bot.oneentry import (
    OneEntryAuthError,
    OneEntryClient,
    OneEntryRejected,
    OneEntryShop,
    OneEntryUnavailable,
    OrderMaybePlaced,
    default_timeout,
)
from bot.oneentry.models import FormValue
from bot.ordering.model import CartLine, Money, OrderRequest
from bot.ordering.ports import OrderRejected, ShopUnavailable
from bot.sandbox.oneentry import OneEntrySandbox
from bot.sandbox.serving import serve

BASE_URL = "http://oneentry.sandbox"
STORAGE = "guest_orders"

REFERENCE = OrderRequest(
    draft_id="draft-1",
    name="Christina Thomas",
    phone="+18005000500",
    email="guest@yourmail.com",
    lines=(CartLine(product_id=15, title="Cappuccino", quantity=1, unit_price=Decimal("400")),),
)

LOCALIZATIONS = ["keyed", "flat"]


@pytest.fixture(params=LOCALIZATIONS)
def sandbox(request: pytest.FixtureRequest) -> OneEntrySandbox:
    return OneEntrySandbox(localized=request.param)


@pytest.fixture
async def http(sandbox: OneEntrySandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, timeout=default_timeout()
    ) as client:
        yield client


def client_for(
    http: httpx.AsyncClient,
    sandbox: OneEntrySandbox,
    *,
    project_url: str = BASE_URL,
    password: str | None = None,
    app_token: str | None = None,
) -> OneEntryClient:
    return OneEntryClient(
        http,
        project_url=project_url,
        app_token=app_token or sandbox.app_token,
        guest_login=sandbox.guest_login,
        guest_password=password or sandbox.guest_password,
        fingerprint="adapter-tests",
    )


def shop_for(client: OneEntryClient) -> OneEntryShop:
    return OneEntryShop(
        client,
        storage_marker=STORAGE,
        form_marker="guest_order",
        payment_account="cash",
        lang="en_US",
    )


@pytest.fixture
def client(http: httpx.AsyncClient, sandbox: OneEntrySandbox) -> OneEntryClient:
    return client_for(http, sandbox)


@pytest.fixture
def shop(client: OneEntryClient) -> OneEntryShop:
    return shop_for(client)


def routes(sandbox: OneEntrySandbox, start: int = 0) -> list[str | None]:
    return [request.route for request in sandbox.requests[start:]]


async def test_the_reference_order_costs_three_requests_then_two(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """Sign-in, order, session the first time; only order and session afterwards."""
    placed = await shop.place_order(REFERENCE)
    assert placed.total == Money(Decimal("400"), "USD")
    assert (placed.status_id, placed.status_title) == ("guest_upcoming", "Upcoming")
    assert (placed.payment_status, placed.payment_url) == ("waiting", None)
    assert placed.payment_session_id == sandbox.sessions[0]["id"]
    assert placed.order_id == sandbox.orders[0]["id"]
    assert routes(sandbox) == ["auth", "create_order", "create_session"]

    again = await shop.place_order(REFERENCE)
    assert again.order_id != placed.order_id
    assert routes(sandbox, 3) == ["create_order", "create_session"]
    assert sandbox.sessions[1]["type"] == "session"


async def test_the_order_is_stored_with_the_guest_form_data(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """The sandbox received formData keyed by locale with the three guest fields."""
    await shop.place_order(REFERENCE)
    (order,) = sandbox.orders
    assert order["formData"] == {
        "en_US": [
            {"marker": "guest_name", "type": "string", "value": "Christina Thomas"},
            {"marker": "guest_phone", "type": "string", "value": "+18005000500"},
            {"marker": "guest_email", "type": "string", "value": "guest@yourmail.com"},
        ]
    }
    create = sandbox.requests[1]
    assert "langCode" not in create.query
    assert create.json["paymentAccountIdentifier"] == "cash"


async def test_the_catalog_lists_visible_products_in_shop_order(shop: OneEntryShop) -> None:
    """Hidden products are left out; prices are exact Decimals; images come from attributes."""
    products = await shop.list_products()
    assert [p.id for p in products] == [15, 16, 17, 18, 19, 20]
    by_id = {p.id: p for p in products}
    assert by_id[15].title == "Cappuccino"
    assert by_id[17].price == Decimal("250.5")
    assert by_id[15].image_url == "https://images.example.com/shop/cappuccino.jpg"
    assert (await shop.get_product(16)) == by_id[16]
    assert await shop.get_product(21) is None  # hidden
    assert await shop.get_product(999) is None  # unknown


async def test_titles_follow_the_requested_language(client: OneEntryClient) -> None:
    """A ru_RU read gets Russian titles in both localization shapes."""
    page = await client.list_products(0, 2, lang="ru_RU")
    assert [p.title for p in page.items] == ["Капучино", "Латте"]
    assert page.total == 6


async def test_the_guest_order_form_is_read_in_position_order(client: OneEntryClient) -> None:
    """The form's fields come sorted with their validators; e-mail is recognised."""
    form = await client.get_form("guest_order")
    markers = [a.marker for a in form.attributes]
    assert markers[:3] == ["guest_name", "guest_phone", "guest_email"]
    name, phone, email = form.attributes[:3]
    assert name.title == "Your name" and name.is_required
    assert phone.validators["regExpValidator"]["patternValue"] == "^\\+?[0-9 ()-]{7,20}$"
    assert email.is_email and not name.is_email
    delivery = next(a for a in form.attributes if a.marker == "delivery")
    assert [o.value for o in delivery.options] == ["pickup", "courier"]


async def test_an_order_reads_back_with_its_session(
    client: OneEntryClient, shop: OneEntryShop
) -> None:
    """get_order (string total), list_orders and sessions_by_order agree with the placement."""
    placed = await shop.place_order(REFERENCE)
    order = await client.get_order(STORAGE, placed.order_id)
    assert order.total_sum == Decimal("400.00")
    assert order.status_title == "Upcoming"
    assert order.lines[0].product_id == 15 and order.lines[0].title == "Cappuccino"
    page = await client.list_orders(STORAGE)
    assert [o.id for o in page.items] == [placed.order_id] and page.total == 1
    (session,) = await client.sessions_by_order(placed.order_id)
    assert (session.id, session.status) == (placed.payment_session_id, "waiting")
    accounts = {a.identifier: a for a in await client.payment_accounts()}
    assert accounts["cash"].title == "Cash" and accounts["card"].type == "stripe"


async def test_expired_tokens_are_refreshed_and_the_order_placed_once(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """401 on create_order -> refresh -> one retry; exactly one new order is stored."""
    await shop.place_order(REFERENCE)
    sandbox.expire_access_tokens()
    await shop.place_order(REFERENCE)
    assert routes(sandbox, 3) == ["create_order", "refresh", "create_order", "create_session"]
    assert len(sandbox.orders) == 2


async def test_tokens_past_their_lifetime_are_refreshed(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """With a short access-token TTL the client keeps working, one refresh at a time."""
    sandbox.access_token_ttl = 0.05
    await shop.place_order(REFERENCE)
    await asyncio.sleep(0.1)
    await shop.place_order(REFERENCE)
    assert routes(sandbox).count("refresh") == 1
    assert routes(sandbox).count("auth") == 1
    assert len(sandbox.orders) == 2


async def test_concurrent_orders_share_one_refresh(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """Several orders hitting 401 together cause a single refresh; all are placed."""
    await shop.place_order(REFERENCE)
    sandbox.expire_access_tokens()
    placed = await asyncio.gather(*(shop.place_order(REFERENCE) for _ in range(4)))
    assert len({p.order_id for p in placed}) == 4
    assert routes(sandbox).count("refresh") == 1
    assert routes(sandbox).count("auth") == 1
    assert len(sandbox.orders) == 5


async def test_a_used_refresh_token_leads_to_a_new_sign_in(
    http: httpx.AsyncClient, sandbox: OneEntrySandbox
) -> None:
    """Another device signing in with the same fingerprint kills our pair; we sign in again."""
    ours, theirs = client_for(http, sandbox), client_for(http, sandbox)
    await shop_for(ours).place_order(REFERENCE)
    await shop_for(theirs).place_order(REFERENCE)  # same fingerprint: replaces our session
    sandbox.expire_access_tokens()
    start = len(sandbox.requests)
    await shop_for(ours).place_order(REFERENCE)
    assert routes(sandbox, start)[:3] == ["create_order", "refresh", "auth"]
    assert len(sandbox.orders) == 3


async def test_invalid_form_data_is_rejected_with_the_server_message(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """A bad e-mail is OrderRejected naming the field; nothing is stored, no session opened."""
    bad = OrderRequest("d2", "Ann", "+15550100", "not-an-email", REFERENCE.lines)
    with pytest.raises(OrderRejected, match="guest_email"):
        await shop.place_order(bad)
    assert sandbox.orders == [] and "create_session" not in routes(sandbox)


async def test_an_unknown_product_is_rejected(client: OneEntryClient) -> None:
    """createOrder with a hidden product answers 400: OneEntryRejected with status and text."""
    with pytest.raises(OneEntryRejected) as caught:
        await client.create_order(
            STORAGE,
            "guest_order",
            "cash",
            [
                FormValue("guest_name", "Ann"),
                FormValue("guest_phone", "+15550100"),
                FormValue("guest_email", "ann@example.com"),
            ],
            [(21, 1)],
        )
    assert caught.value.status == 400
    assert "21" in caught.value.message


async def test_a_server_error_after_commit_is_reported_as_maybe_placed(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """500 after the order was stored: the shop says the outcome is unknown, not 'failed'."""
    sandbox.fail("create_order", status=500, after_commit=True)
    with pytest.raises(OrderMaybePlaced):
        await shop.place_order(REFERENCE)
    assert len(sandbox.orders) == 1
    assert routes(sandbox).count("create_order") == 1  # no blind retry


async def test_a_proxy_html_page_becomes_a_clean_unavailable_error(
    client: OneEntryClient, shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """An HTML 502 is OneEntryUnavailable without the page in its message."""
    sandbox.fail("products", status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    with pytest.raises(OneEntryUnavailable) as caught:
        await client.list_products()
    assert caught.value.status == 502 and "<html" not in str(caught.value)
    sandbox.fail("products", status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    with pytest.raises(ShopUnavailable):
        await shop.list_products()


async def test_wrong_credentials_are_an_auth_error(
    http: httpx.AsyncClient, sandbox: OneEntrySandbox
) -> None:
    """The sandbox refuses the password: OneEntryAuthError, and the password is not shown."""
    client = client_for(http, sandbox, password="definitely-wrong-password")
    with pytest.raises(OneEntryAuthError) as caught:
        await client.get_order(STORAGE, 1)
    assert "definitely-wrong-password" not in str(caught.value)
    assert routes(sandbox) == ["auth"]
    with pytest.raises(ShopUnavailable):
        await shop_for(client).place_order(REFERENCE)


async def test_a_wrong_app_token_is_refused(
    http: httpx.AsyncClient, sandbox: OneEntrySandbox
) -> None:
    """403 'Resource is closed' is OneEntryRejected; the token is not in the message."""
    client = client_for(http, sandbox, app_token="not-the-app-token")
    with pytest.raises(OneEntryRejected) as caught:
        await client.list_products()
    assert caught.value.status == 403
    assert "not-the-app-token" not in str(caught.value)


async def test_a_whole_order_over_loopback_http(sandbox: OneEntrySandbox) -> None:
    """The real HTTP stack: three requests for the first order, then two."""
    async with (
        serve(sandbox.app) as url,
        httpx.AsyncClient(timeout=default_timeout()) as http,
    ):
        shop = shop_for(client_for(http, sandbox, project_url=url))
        placed = await shop.place_order(REFERENCE)
        await shop.place_order(REFERENCE)
    assert str(placed.total) == "400 USD" and placed.status_title == "Upcoming"
    assert routes(sandbox) == [
        "auth",
        "create_order",
        "create_session",
        "create_order",
        "create_session",
    ]


async def test_a_read_timeout_on_create_order_may_have_placed_it(
    sandbox: OneEntrySandbox,
) -> None:
    """The sandbox stores the order, then answers too late: maybe_applied, no retry."""
    timeout = httpx.Timeout(5.0, read=0.2)
    async with serve(sandbox.app) as url, httpx.AsyncClient(timeout=timeout) as http:
        client = client_for(http, sandbox, project_url=url)
        sandbox.fail("create_order", status=0, delay=0.6, after_commit=True)
        with pytest.raises(OrderMaybePlaced) as caught:
            await shop_for(client).place_order(REFERENCE)
        cause = caught.value.__cause__
        assert isinstance(cause, OneEntryUnavailable) and cause.maybe_applied
        assert "ReadTimeout" in str(cause)
    assert len(sandbox.orders) == 1
    assert routes(sandbox).count("create_order") == 1
