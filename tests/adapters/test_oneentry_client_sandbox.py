"""OneEntryClient and OneEntryShop against the OneEntry sandbox (in-process and over loopback)."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import httpx
import pytest

from bot.oneentry import (
    OneEntryAuthError,
    OneEntryClient,
    OneEntryRejected,
    OneEntryShop,
    OneEntryUnavailable,
    default_timeout,
)
from bot.oneentry.models import FormValue
from bot.ordering.model import CartLine, Money, OrderRequest, PlacedOrder
from bot.ordering.ports import OrderRejected, OutcomeUnknown, ShopUnavailable
from bot.sandbox.oneentry import OneEntrySandbox, load_seed
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


def shop_for(
    client: OneEntryClient, reference_marker: str | None = None, clock: Clock | None = None
) -> OneEntryShop:
    return OneEntryShop(
        client,
        storage_marker=STORAGE,
        form_marker="guest_order",
        payment_account="cash",
        lang="en_US",
        reference_marker=reference_marker,
        catalogue_ttl=60.0,
        clock=clock or Clock(),
    )


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def place(shop: OneEntryShop, request: OrderRequest) -> PlacedOrder:
    """The whole placement: the order, then its payment session."""
    return await shop.open_payment(await shop.create_order(request))


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
    placed = await place(shop, REFERENCE)
    assert placed.total == Money(Decimal("400"), "USD")
    assert (placed.status_id, placed.status_title) == ("guest_upcoming", "Upcoming")
    assert (placed.payment_status, placed.payment_url) == ("waiting", None)
    assert placed.payment_session_id == sandbox.sessions[0]["id"]
    assert placed.order_id == sandbox.orders[0]["id"]
    assert routes(sandbox) == ["auth", "create_order", "create_session"]

    again = await place(shop, REFERENCE)
    assert again.order_id != placed.order_id
    assert routes(sandbox, 3) == ["create_order", "create_session"]
    assert sandbox.sessions[1]["type"] == "session"


async def test_the_order_is_stored_with_the_guest_form_data(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """The sandbox received formData keyed by locale with the three guest fields."""
    await shop.create_order(REFERENCE)
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
    assert [p.id for p in products] == [15, 16, 17, 18, 19, 20, 22]  # 23 is out of stock
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
    assert page.total == 8


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
    placed = await place(shop, REFERENCE)
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
    await place(shop, REFERENCE)
    sandbox.expire_access_tokens()
    await place(shop, REFERENCE)
    assert routes(sandbox, 3) == ["create_order", "refresh", "create_order", "create_session"]
    assert len(sandbox.orders) == 2


async def test_tokens_past_their_lifetime_are_refreshed(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """With a short access-token TTL the client keeps working, one refresh at a time."""
    sandbox.access_token_ttl = 0.05
    await place(shop, REFERENCE)
    await asyncio.sleep(0.1)
    await place(shop, REFERENCE)
    assert routes(sandbox).count("refresh") == 1
    assert routes(sandbox).count("auth") == 1
    assert len(sandbox.orders) == 2


async def test_concurrent_orders_share_one_refresh(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """Several orders hitting 401 together cause a single refresh; all are placed."""
    await place(shop, REFERENCE)
    sandbox.expire_access_tokens()
    placed = await asyncio.gather(*(place(shop, REFERENCE) for _ in range(4)))
    assert len({p.order_id for p in placed}) == 4
    assert routes(sandbox).count("refresh") == 1
    assert routes(sandbox).count("auth") == 1
    assert len(sandbox.orders) == 5


async def test_a_used_refresh_token_leads_to_a_new_sign_in(
    http: httpx.AsyncClient, sandbox: OneEntrySandbox
) -> None:
    """Another device signing in with the same fingerprint kills our pair; we sign in again."""
    ours, theirs = client_for(http, sandbox), client_for(http, sandbox)
    await place(shop_for(ours), REFERENCE)
    await place(shop_for(theirs), REFERENCE)  # same fingerprint: replaces our session
    sandbox.expire_access_tokens()
    start = len(sandbox.requests)
    await place(shop_for(ours), REFERENCE)
    assert routes(sandbox, start)[:3] == ["create_order", "refresh", "auth"]
    assert len(sandbox.orders) == 3


async def test_invalid_form_data_is_rejected_with_the_server_message(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """A bad e-mail is OrderRejected naming the field; nothing is stored, no session opened."""
    bad = OrderRequest("d2", "Ann", "+15550100", "not-an-email", REFERENCE.lines)
    with pytest.raises(OrderRejected, match="guest_email"):
        await shop.create_order(bad)
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


async def test_a_server_error_after_commit_is_reported_as_an_unknown_outcome(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """500 after the order was stored: the shop says the outcome is unknown, not 'failed'."""
    sandbox.fail("create_order", status=500, after_commit=True)
    with pytest.raises(OutcomeUnknown):
        await shop.create_order(REFERENCE)
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
    # the shop retries a catalogue read once
    sandbox.fail("products", status=502, body="<html><h1>502 Bad Gateway</h1></html>", count=2)
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
        await shop_for(client).create_order(REFERENCE)


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
        placed = await place(shop, REFERENCE)
        await place(shop, REFERENCE)
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
        with pytest.raises(OutcomeUnknown) as caught:
            await shop_for(client).create_order(REFERENCE)
        cause = caught.value.__cause__
        assert isinstance(cause, OneEntryUnavailable) and cause.maybe_applied
        assert "ReadTimeout" in str(cause)
    assert len(sandbox.orders) == 1
    assert routes(sandbox).count("create_order") == 1


# --- finding what a lost answer created ----------------------------------------------------


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


async def test_find_order_finds_the_order_a_timed_out_create_stored(
    sandbox: OneEntrySandbox,
) -> None:
    """After a read timeout on a committed create, the look-up returns that very order."""
    since = a_minute_ago()
    timeout = httpx.Timeout(5.0, read=0.2)
    async with serve(sandbox.app) as url, httpx.AsyncClient(timeout=timeout) as http:
        shop = shop_for(client_for(http, sandbox, project_url=url))
        sandbox.fail("create_order", status=0, delay=0.6, after_commit=True)
        with pytest.raises(OutcomeUnknown):
            await shop.create_order(REFERENCE)
        found = await shop.find_order(REFERENCE, since=since)
        assert found is not None
        placed = await shop.open_payment(found)
    (stored,) = sandbox.orders
    assert found.order_id == stored["id"] and found.total == Money(Decimal("400"), "USD")
    assert (found.status_id, found.status_title) == ("guest_upcoming", "Upcoming")
    assert found.payment_session_id is None and found.lines == REFERENCE.lines
    assert placed.payment_session_id == sandbox.sessions[0]["id"]
    assert routes(sandbox).count("create_order") == 1


async def test_find_order_ignores_orders_with_other_contacts_or_products(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """Another e-mail, phone, product or quantity is another order; the exact one is found."""
    since = a_minute_ago()
    latte = CartLine(product_id=16, title="Latte", quantity=1, unit_price=Decimal("450"))
    others = [
        dataclasses.replace(REFERENCE, email="someone@else.example"),
        dataclasses.replace(REFERENCE, phone="+18005000501"),
        dataclasses.replace(REFERENCE, lines=(latte,)),
        dataclasses.replace(
            REFERENCE, lines=(dataclasses.replace(REFERENCE.lines[0], quantity=2),)
        ),
        dataclasses.replace(REFERENCE, lines=(*REFERENCE.lines, latte)),
    ]
    for other in others:
        await shop.create_order(other)
    assert await shop.find_order(REFERENCE, since=since) is None
    mine = await shop.create_order(REFERENCE)
    for other in others:
        await shop.create_order(other)
    found = await shop.find_order(REFERENCE, since=since)
    assert found is not None and found.order_id == mine.order_id
    assert len(sandbox.orders) == 11


async def test_find_order_ignores_an_order_older_than_since_less_the_clock_skew(
    shop: OneEntryShop,
) -> None:
    """An identical order placed well before the placement began is not taken for its own."""
    created = await shop.create_order(REFERENCE)
    now = datetime.now(UTC)
    assert await shop.find_order(REFERENCE, since=now + timedelta(minutes=6)) is None
    within_skew = await shop.find_order(REFERENCE, since=now + timedelta(minutes=4))
    assert within_skew is not None and within_skew.order_id == created.order_id


def seed_with_reference_field() -> dict[str, Any]:
    """The packaged seed, with an optional `order_reference` string field in guest_order."""
    seed = copy.deepcopy(load_seed())
    form = next(f for f in seed["forms"] if f["identifier"] == "guest_order")
    field = copy.deepcopy(next(a for a in form["attributes"] if a["marker"] == "guest_name"))
    field.update(
        marker="order_reference",
        position=max(int(a["position"]) for a in form["attributes"]) + 1,
        localizeInfos={"en_US": {"title": "Bot reference"}},
        validators={},
    )
    form["attributes"].append(field)
    return seed


@pytest.mark.parametrize("localized", LOCALIZATIONS)
async def test_with_a_reference_field_orders_carry_the_draft_id_and_are_found_by_it(
    localized: Literal["keyed", "flat"],
) -> None:
    """formData names the draft; find_order picks the draft's order among identical ones."""
    sandbox = OneEntrySandbox(seed_with_reference_field(), localized=localized)
    since = a_minute_ago()
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        shop = shop_for(client_for(http, sandbox), reference_marker="order_reference")
        first = await shop.create_order(REFERENCE)
        await shop.create_order(dataclasses.replace(REFERENCE, draft_id="draft-2"))
        found = await shop.find_order(REFERENCE, since=since)
        unknown = await shop.find_order(
            dataclasses.replace(REFERENCE, draft_id="draft-3"), since=since
        )
    values = {v["marker"]: v["value"] for v in sandbox.orders[0]["formData"]["en_US"]}
    assert values["order_reference"] == "draft-1"
    assert found is not None and found.order_id == first.order_id
    assert unknown is None
    assert routes(sandbox).count("form") == 1


async def test_find_payment_finds_the_orders_session_or_none(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """No session yet: None; after open_payment: that session, with its status."""
    order = await shop.create_order(REFERENCE)
    assert await shop.find_payment(order) is None
    opened = await shop.open_payment(order)
    found = await shop.find_payment(order)
    assert found == opened
    assert found is not None and found.payment_session_id == sandbox.sessions[0]["id"]
    assert found.payment_status == "waiting"


# -- the catalogue cache -------------------------------------------------------------------------


async def test_a_thousand_concurrent_browsers_cost_one_catalogue_read(
    client: OneEntryClient, sandbox: OneEntrySandbox
) -> None:
    """Concurrent readers of a cold cache wait for one read; a fresh copy costs nothing."""
    shop = shop_for(client)
    results = await asyncio.gather(*(shop.list_products() for _ in range(1000)))
    assert len({tuple(r) for r in results}) == 1
    await shop.get_product(16)
    assert routes(sandbox).count("products") == 1
    assert "product" not in routes(sandbox)  # a listed product comes from the copy


async def test_the_catalogue_is_read_again_after_its_time_to_live(
    client: OneEntryClient, sandbox: OneEntrySandbox
) -> None:
    """Within the TTL the copy is served; after it, OneEntry is asked again (new prices)."""
    clock = Clock()
    shop = shop_for(client, clock=clock)
    await shop.list_products()
    sandbox.set_product_price(15, 410)
    clock.now += 59
    assert (await shop.get_product(15)).price == Decimal(400)  # type: ignore[union-attr]
    clock.now += 2
    assert (await shop.get_product(15)).price == Decimal(410)  # type: ignore[union-attr]
    assert routes(sandbox).count("products") == 2


async def test_a_failing_oneentry_gets_a_retry_then_the_last_good_copy_is_served(
    client: OneEntryClient, sandbox: OneEntrySandbox
) -> None:
    """One failure is retried; with OneEntry down, browsing goes on from the last copy."""
    clock = Clock()
    shop = shop_for(client, clock=clock)
    sandbox.fail("products", status=503)
    first = await shop.list_products()
    assert routes(sandbox).count("products") == 2
    clock.now += 61
    sandbox.fail("products", status=503, count=2)
    assert await shop.list_products() == first
    assert routes(sandbox).count("products") == 4
    assert await shop.list_products() == first  # not asked again at once
    assert routes(sandbox).count("products") == 4


async def test_hidden_out_of_stock_and_unknown_products_cannot_be_ordered(
    shop: OneEntryShop,
) -> None:
    """Product 21 is hidden, 23 out of stock, 999 unknown: none is listed or found."""
    listed = {p.id for p in await shop.list_products()}
    assert not listed & {21, 23, 999}
    for product_id in (21, 23, 999):
        assert await shop.get_product(product_id) is None
    assert [p.id for p in await shop.current_products([15, 23, 21, 15])] == [15]


async def test_current_products_are_read_now_not_from_the_cache(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """Prices at confirmation come from OneEntry even while the catalogue copy is fresh."""
    await shop.list_products()
    sandbox.set_product_price(15, 420)
    (product,) = await shop.current_products([15])
    assert product.price == Decimal(420)
    assert (await shop.get_product(15)).price == Decimal(400)  # type: ignore[union-attr]


async def test_an_orders_status_and_payment_status_are_read_from_oneentry(
    shop: OneEntryShop, sandbox: OneEntrySandbox
) -> None:
    """order_status reads the order's status title and its newest session's status."""
    placed = await place(shop, REFERENCE)
    sandbox.set_order_status(placed.order_id, "guest_confirmed")
    assert placed.payment_session_id is not None
    sandbox.set_session_status(placed.payment_session_id, "completed")
    current = await shop.order_status(placed)
    assert (current.status_id, current.payment_status) == ("guest_confirmed", "completed")
    assert current.status_title and current.status_title != "Upcoming"
