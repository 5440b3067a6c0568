"""OneEntryClient against a scripted fake content API (httpx.MockTransport, no server)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.oneentry import (
    OneEntryAuthError,
    OneEntryBadResponse,
    OneEntryClient,
    OneEntryNotFound,
    OneEntryRejected,
    OneEntryShop,
    OneEntryUnavailable,
    default_timeout,
)
from bot.oneentry.models import FormValue, Order, Product
from bot.ordering.model import CartLine, OrderRequest, PlacedOrder
from bot.ordering.ports import OrderRejected, OutcomeUnknown, ShopUnavailable

PROJECT = "https://shop.example"
APP_TOKEN = "app-token-5ecret-value"
LOGIN = "guest@shop.example"
PASSWORD = "guest-pa55word-value"
STORAGE = "guest_orders"
ORDERS_PATH = f"/orders-storage/marker/{STORAGE}/orders"
AUTH_PATH = "/users-auth-providers/marker/email/users/auth"
REFRESH_PATH = "/users-auth-providers/marker/email/users/refresh"

Handler = Callable[[httpx.Request], httpx.Response]

CREATED_ORDER: dict[str, Any] = {
    "id": 113,
    "formIdentifier": "guest_order",
    "paymentAccountIdentifier": "cash",
    "formData": {"en_US": [{"marker": "guest_name", "type": "string", "value": "Ann"}]},
    "products": [{"productId": 15, "quantity": 1}],
    "currency": "USD",
    "totalSum": 400,
    "statusIdentifier": "guest_upcoming",
    "statusLocalizeInfos": {"en_US": {"title": "Upcoming"}},
    "createdDate": "2025-06-04T04:38:32.849Z",
}
READ_ORDER: dict[str, Any] = {
    "id": 113,
    "storageId": 3,
    "statusIdentifier": "guest_upcoming",
    "statusLocalizeInfos": {"title": "Upcoming"},
    "formData": [{"marker": "guest_name", "type": "string", "value": "Ann"}],
    "totalSum": "300.10",
    "currency": "",
    "paymentUrl": None,
    "products": [{"id": 15, "title": "Cup", "sku": None, "price": "150.05", "quantity": 2}],
    "isCompleted": False,
}
SESSION: dict[str, Any] = {
    "id": 62,
    "type": "session",
    "status": "waiting",
    "paymentAccountId": 1,
    "orderId": 113,
    "amount": None,
    "paymentUrl": None,
}


def error_body(status: int, message: Any) -> httpx.Response:
    body = {"statusCode": status, "message": message, "pageData": None, "timestamp": "t"}
    return httpx.Response(status, json=body)


class FakeOneEntry:
    """A content API that issues rotating tokens and answers scripted routes."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.live_access: set[str] = set()
        self.live_refresh: set[str] = set()
        self.issued = 0
        self.refresh_delay = 0.0
        self.refresh_failure: httpx.Response | None = None
        self.routes: dict[tuple[str, str], tuple[Handler, bool]] = {}
        self.route("POST", ORDERS_PATH, lambda r: httpx.Response(201, json=CREATED_ORDER))
        self.route("GET", f"{ORDERS_PATH}/113", lambda r: httpx.Response(200, json=READ_ORDER))
        self.route("POST", "/payments/sessions", lambda r: httpx.Response(201, json=SESSION))

    def route(self, method: str, path: str, handler: Handler, *, user: bool = True) -> None:
        self.routes[(method, path)] = (handler, user)

    def expire_access_tokens(self) -> None:
        self.live_access.clear()

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path.removeprefix('/api/content')}" for r in self.requests]

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path.endswith(path))

    def _issue(self) -> httpx.Response:
        self.issued += 1
        access = f"access-{self.issued}-0123456789"
        refresh = f"refresh-{self.issued}-0123456789"
        self.live_access.add(access)
        self.live_refresh.add(refresh)
        return httpx.Response(200, json={"accessToken": access, "refreshToken": refresh})

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/api/content")
        if request.headers.get("x-app-token") != APP_TOKEN:
            return error_body(403, "Resource is closed")
        if path == AUTH_PATH:
            values = {d["marker"]: d["value"] for d in json.loads(request.content)["authData"]}
            if values != {"email_reg": LOGIN, "password_reg": PASSWORD}:
                return error_body(401, f"wrong password {values.get('password_reg')}")
            return self._issue()
        if path == REFRESH_PATH:
            await asyncio.sleep(self.refresh_delay)
            if self.refresh_failure is not None:
                return self.refresh_failure
            token = json.loads(request.content)["refreshToken"]
            if token not in self.live_refresh:
                return error_body(400, "Refresh token is invalid")
            self.live_refresh.discard(token)
            return self._issue()
        handler, user = self.routes[(request.method, path)]
        if user:
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
            if bearer not in self.live_access:
                return error_body(401, "Unauthorized")
        return handler(request)


@pytest.fixture
def server() -> FakeOneEntry:
    return FakeOneEntry()


@pytest.fixture
async def client(server: FakeOneEntry) -> AsyncIterator[OneEntryClient]:
    transport = httpx.MockTransport(server)
    async with httpx.AsyncClient(transport=transport, timeout=default_timeout()) as http:
        yield OneEntryClient(
            http,
            project_url=PROJECT + "/",
            app_token=APP_TOKEN,
            guest_login=LOGIN,
            guest_password=PASSWORD,
            fingerprint="bot-fp-1",
        )


async def place(client: OneEntryClient) -> Order:
    return await client.create_order(
        STORAGE,
        "guest_order",
        "cash",
        [FormValue("guest_name", "Ann"), FormValue("guest_phone", "+15550100")],
        [(15, 1)],
    )


# --- sign-in and token renewal -------------------------------------------------------------


async def test_the_guest_signs_in_once_for_many_calls(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Sign-in is lazy and cached: five orders cost one sign-in and ten business calls."""
    for _ in range(5):
        order = await place(client)
        await client.create_session(order.id)
    assert server.count("/users/auth") == 1
    assert len(server.requests) == 11
    assert server.paths()[:3] == [
        f"POST {AUTH_PATH}",
        f"POST {ORDERS_PATH}",
        "POST /payments/sessions",
    ]


async def test_catalog_reads_go_out_with_the_app_token_only(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Reading products signs nobody in and sends no Authorization header."""
    server.route(
        "POST",
        "/products/all",
        lambda r: httpx.Response(200, json={"items": [], "total": 0}),
        user=False,
    )
    page = await client.list_products(0, 10)
    assert page.items == () and page.total == 0
    (request,) = server.requests
    assert "authorization" not in request.headers
    assert request.headers["content-type"] == "application/json"
    assert dict(request.url.params) == {
        "langCode": "en_US",
        "offset": "0",
        "limit": "10",
        "sortOrder": "ASC",
        "sortKey": "position",
    }
    assert json.loads(request.content) == {"filter": []}


async def test_posts_carry_device_metadata_with_the_stable_fingerprint(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Every POST has x-device-metadata as a JSON string; GETs do not need it."""
    await place(client)
    await client.get_order(STORAGE, 113)
    auth, create, read = server.requests
    for request in (auth, create):
        metadata = json.loads(request.headers["x-device-metadata"])
        assert metadata["fingerprint"] == "UQ_bot-fp-1"
        assert isinstance(metadata["deviceInfo"], dict)
    assert "x-device-metadata" not in read.headers
    assert read.headers["authorization"].startswith("Bearer access-1-")
    assert all(r.headers["x-app-token"] == APP_TOKEN for r in server.requests)


async def test_an_order_is_sent_with_locale_keyed_form_data_and_no_lang_query(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """createOrder wraps formData in {lang: [...]} and sends no langCode."""
    order = await place(client)
    create = server.requests[1]
    assert create.url.params.get("langCode") is None
    assert json.loads(create.content) == {
        "formIdentifier": "guest_order",
        "paymentAccountIdentifier": "cash",
        "formData": {
            "en_US": [
                {"marker": "guest_name", "type": "string", "value": "Ann"},
                {"marker": "guest_phone", "type": "string", "value": "+15550100"},
            ]
        },
        "products": [{"productId": 15, "quantity": 1}],
    }
    assert order.total_sum == Decimal("400") and order.currency == "USD"
    assert (order.status_id, order.status_title) == ("guest_upcoming", "Upcoming")


async def test_an_expired_access_token_is_refreshed_and_the_call_retried_once(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """401 -> refresh -> the same call again, with the new token."""
    await client.get_order(STORAGE, 113)
    server.expire_access_tokens()
    order = await client.get_order(STORAGE, 113)
    assert order.id == 113
    assert server.paths()[2:] == [
        f"GET {ORDERS_PATH}/113",
        f"POST {REFRESH_PATH}",
        f"GET {ORDERS_PATH}/113",
    ]
    refresh = server.requests[3]
    assert "authorization" not in refresh.headers
    assert json.loads(refresh.headers["x-device-metadata"])["fingerprint"] == "UQ_bot-fp-1"
    assert server.requests[4].headers["authorization"] == "Bearer access-2-0123456789"


async def test_a_refresh_token_is_used_only_once(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Each refresh sends the token from the previous rotation, never a used one."""
    await client.get_order(STORAGE, 113)
    for _ in range(3):
        server.expire_access_tokens()
        await client.get_order(STORAGE, 113)
    sent = [
        json.loads(r.content)["refreshToken"]
        for r in server.requests
        if r.url.path.endswith("/refresh")
    ]
    assert sent == ["refresh-1-0123456789", "refresh-2-0123456789", "refresh-3-0123456789"]
    assert server.count("/users/auth") == 1


async def test_a_refused_refresh_token_leads_to_a_new_sign_in(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Refresh answers 400 (dead token): sign in again, then retry the call once."""
    await client.get_order(STORAGE, 113)
    server.expire_access_tokens()
    server.live_refresh.clear()
    order = await client.get_order(STORAGE, 113)
    assert order.id == 113
    assert server.paths()[2:] == [
        f"GET {ORDERS_PATH}/113",
        f"POST {REFRESH_PATH}",
        f"POST {AUTH_PATH}",
        f"GET {ORDERS_PATH}/113",
    ]


async def test_a_refresh_that_fails_with_a_server_error_is_reported_without_signing_in(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """A 503 on refresh is an outage, not a dead token: no sign-in, OneEntryUnavailable."""
    await client.get_order(STORAGE, 113)
    server.expire_access_tokens()
    server.refresh_failure = error_body(503, "maintenance")
    with pytest.raises(OneEntryUnavailable) as caught:
        await client.get_order(STORAGE, 113)
    assert caught.value.status == 503
    assert server.count("/users/auth") == 1


async def test_concurrent_401s_cause_exactly_one_refresh(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Tasks that hit 401 together wait for one renewal and retry with its token."""
    await client.get_order(STORAGE, 113)
    server.expire_access_tokens()
    server.refresh_delay = 0.02
    orders = await asyncio.gather(*(client.get_order(STORAGE, 113) for _ in range(6)))
    assert [o.id for o in orders] == [113] * 6
    assert server.count("/users/refresh") == 1
    assert server.count("/users/auth") == 1


async def test_concurrent_first_calls_sign_in_once(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Several tasks starting cold share one sign-in."""
    await asyncio.gather(*(client.get_order(STORAGE, 113) for _ in range(4)))
    assert server.count("/users/auth") == 1


async def test_wrong_guest_credentials_raise_an_auth_error_without_refreshing(
    server: FakeOneEntry,
) -> None:
    """A refused sign-in is OneEntryAuthError; the auth route itself is never refreshed."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as http:
        client = OneEntryClient(
            http,
            project_url=PROJECT,
            app_token=APP_TOKEN,
            guest_login=LOGIN,
            guest_password="not-the-right-password",
            fingerprint="fp",
        )
        with pytest.raises(OneEntryAuthError) as caught:
            await place(client)
    assert caught.value.status == 401
    assert "not-the-right-password" not in str(caught.value)
    assert "not-the-right-password" not in repr(caught.value)
    assert server.paths() == [f"POST {AUTH_PATH}"]


async def test_a_sign_in_answer_without_tokens_is_a_bad_response(server: FakeOneEntry) -> None:
    """Only the two tokens are required from the auth answer; missing ones fail cleanly."""

    async def no_tokens(request: httpx.Request) -> httpx.Response:
        server.requests.append(request)
        return httpx.Response(200, json={"userIdentifier": LOGIN})

    async with httpx.AsyncClient(transport=httpx.MockTransport(no_tokens)) as http:
        client = OneEntryClient(
            http,
            project_url=PROJECT,
            app_token=APP_TOKEN,
            guest_login=LOGIN,
            guest_password=PASSWORD,
            fingerprint="fp",
        )
        with pytest.raises(OneEntryBadResponse, match="accessToken"):
            await place(client)
    assert server.paths() == [f"POST {AUTH_PATH}"]


async def test_a_route_that_stays_401_after_renewal_fails_without_looping(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """One renewal and one retry, then OneEntryAuthError."""
    server.route("GET", "/payments/accounts", lambda r: error_body(401, "closed"), user=False)
    with pytest.raises(OneEntryAuthError):
        await client.payment_accounts()
    assert server.paths() == [
        f"POST {AUTH_PATH}",
        "GET /payments/accounts",
        f"POST {REFRESH_PATH}",
        "GET /payments/accounts",
    ]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind", "status", "message"),
    [
        (error_body(400, "formData's marker 'guest_email' value is missing or incorrect"),
         OneEntryRejected, 400, "formData's marker 'guest_email' value is missing or incorrect"),
        (error_body(400, ["quantity must be positive", "productId must be a number"]),
         OneEntryRejected, 400, "quantity must be positive; productId must be a number"),
        (error_body(403, "Resource is closed"), OneEntryRejected, 403, "Resource is closed"),
        (error_body(404, "Storage not found"), OneEntryNotFound, 404, "Storage not found"),
        (httpx.Response(400, json={"statusCode": 400, "error": "Bad Request"}),
         OneEntryRejected, 400, "Bad Request"),
        (error_body(429, "Too many requests"), OneEntryUnavailable, 429, "Too many requests"),
        (error_body(500, "Internal server error"), OneEntryUnavailable, 500,
         "Internal server error"),
        (httpx.Response(502, text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                        headers={"content-type": "text/html"}),
         OneEntryUnavailable, 502, "OneEntry answered HTTP 502 with a non-JSON body"),
    ],
)  # fmt: skip
async def test_error_answers_become_typed_exceptions(
    client: OneEntryClient,
    server: FakeOneEntry,
    answer: httpx.Response,
    kind: type[Exception],
    status: int,
    message: str,
) -> None:
    """Status and body decide the exception; the server's message is kept clean."""
    server.route("POST", ORDERS_PATH, lambda r: answer)
    with pytest.raises(kind) as caught:
        await place(client)
    error = caught.value
    assert type(error) is kind
    assert getattr(error, "status", None) == status
    assert getattr(error, "message", None) == message
    assert "<html" not in str(error)


@pytest.mark.parametrize(
    ("status", "method", "maybe_applied"),
    [(500, "POST", True), (502, "POST", True), (429, "POST", False), (500, "GET", False)],
)
async def test_server_errors_say_whether_a_change_may_have_been_applied(
    client: OneEntryClient, server: FakeOneEntry, status: int, method: str, maybe_applied: bool
) -> None:
    """A 5xx on a POST may follow a commit; a 429 or a GET never applies anything."""
    answer = error_body(status, "boom")
    server.route("POST", ORDERS_PATH, lambda r: answer)
    server.route("GET", f"{ORDERS_PATH}/113", lambda r: answer)
    with pytest.raises(OneEntryUnavailable) as caught:
        if method == "POST":
            await place(client)
        else:
            await client.get_order(STORAGE, 113)
    assert caught.value.maybe_applied is maybe_applied


def raising(exc: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


@pytest.mark.parametrize(
    ("failure", "method", "maybe_applied"),
    [
        (httpx.ReadTimeout("timed out"), "POST", True),
        (httpx.RemoteProtocolError("server disconnected"), "POST", True),
        (httpx.ConnectError("connection refused"), "POST", False),
        (httpx.ConnectTimeout("timed out"), "POST", False),
        (httpx.PoolTimeout("timed out"), "POST", False),
        (httpx.ReadTimeout("timed out"), "GET", False),
    ],
)
async def test_network_failures_are_unavailable_and_say_if_the_request_may_have_landed(
    client: OneEntryClient,
    server: FakeOneEntry,
    failure: Exception,
    method: str,
    maybe_applied: bool,
) -> None:
    """A read timeout on a POST may have created the order; a refused connection did not."""
    server.route("POST", ORDERS_PATH, raising(failure))
    server.route("GET", f"{ORDERS_PATH}/113", raising(failure))
    with pytest.raises(OneEntryUnavailable) as caught:
        if method == "POST":
            await place(client)
        else:
            await client.get_order(STORAGE, 113)
    assert caught.value.maybe_applied is maybe_applied
    assert caught.value.status is None
    assert type(failure).__name__ in str(caught.value)
    assert caught.value.__cause__ is None


async def test_a_success_answer_that_is_not_json_is_a_bad_response(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """2xx with HTML, or JSON without the fields the client needs, is OneEntryBadResponse."""
    server.route("POST", ORDERS_PATH, lambda r: httpx.Response(201, text="<html>ok</html>"))
    with pytest.raises(OneEntryBadResponse) as caught:
        await place(client)
    assert caught.value.maybe_applied is True
    server.route("POST", ORDERS_PATH, lambda r: httpx.Response(201, json={"id": 5}))
    with pytest.raises(OneEntryBadResponse, match="totalSum"):
        await place(client)


async def test_no_secret_appears_in_exception_text_or_logs(
    client: OneEntryClient, server: FakeOneEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Server messages that echo secrets are redacted; logs never carry tokens."""
    caplog.set_level(logging.DEBUG)

    def echo(request: httpx.Request) -> httpx.Response:
        leaked = f"{request.headers['x-app-token']} {request.headers['authorization']} {PASSWORD}"
        return error_body(400, f"bad request from {leaked}")

    await place(client)
    server.expire_access_tokens()
    await place(client)  # refresh path, logged
    server.route("POST", ORDERS_PATH, echo)
    with pytest.raises(OneEntryRejected) as caught:
        await place(client)
    secrets = [APP_TOKEN, PASSWORD, "access-1-0123456789", "access-2-0123456789"]
    secrets += ["refresh-1-0123456789", "refresh-2-0123456789"]
    texts = [str(caught.value), repr(caught.value), caught.value.message, repr(client)]
    texts += [record.getMessage() for record in caplog.records]
    for secret in secrets:
        assert all(secret not in text for text in texts), secret
    assert "bad request from" in caught.value.message


# --- shapes --------------------------------------------------------------------------------

KEYED_PRODUCT = {
    "id": 15,
    "localizeInfos": {"en_US": {"title": "Cup", "plainContent": "A cup"}},
    "price": 400,
    "isVisible": True,
    "statusIdentifier": "in_stock",
    "attributeValues": {
        "en_US": {
            "price": {"type": "float", "value": "400", "position": 1},
            "pic": {
                "type": "image",
                "position": 2,
                "value": [{"downloadLink": "https://cdn.example/cup.png", "filename": "c"}],
            },
        }
    },
}
FLAT_PRODUCT = {
    **KEYED_PRODUCT,
    "localizeInfos": {"title": "Cup", "plainContent": "A cup"},
    "attributeValues": {
        "price": {"type": "float", "value": "400", "position": 1},
        "pic": {
            "type": "image",
            "position": 2,
            "value": {"downloadLink": "https://cdn.example/cup.png"},
        },
    },
}


@pytest.mark.parametrize("wire", [KEYED_PRODUCT, FLAT_PRODUCT], ids=["keyed", "flat"])
def test_products_read_the_same_from_keyed_and_flat_shapes(wire: dict[str, Any]) -> None:
    """Title, price, description and image come out alike from both localization shapes."""
    product = Product.from_wire(wire, "en_US")
    assert product.title == "Cup"
    assert product.description == "A cup"
    assert product.price == Decimal("400")
    assert product.image_url == "https://cdn.example/cup.png"
    assert [a.marker for a in product.attributes] == ["price", "pic"]


def test_a_product_in_another_locale_only_still_has_its_title() -> None:
    """A map keyed by other locales yields the translation that exists."""
    product = Product.from_wire({"id": 1, "localizeInfos": {"de_DE": {"title": "Tasse"}}}, "en_US")
    assert product.title == "Tasse"
    assert product.price is None and product.image_url is None


@pytest.mark.parametrize(
    ("wire", "total"),
    [(CREATED_ORDER, Decimal("400")), (READ_ORDER, Decimal("300.10"))],
    ids=["created-number", "read-string"],
)
def test_order_totals_are_decimals_whether_sent_as_number_or_string(
    wire: dict[str, Any], total: Decimal
) -> None:
    """createOrder sends totalSum as a number, reads as a string; both become Decimal."""
    order = Order.from_wire(wire, "en_US")
    assert order.total_sum == total and isinstance(order.total_sum, Decimal)
    assert order.status_title == "Upcoming"
    assert order.form_data == (FormValue("guest_name", "Ann"),)
    assert order.lines[0].product_id == 15


async def test_a_float_total_is_read_without_binary_noise(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """0.1 + 0.2 style totals stay exact: JSON numbers are parsed as Decimal."""
    server.route(
        "POST", ORDERS_PATH, lambda r: httpx.Response(201, json={**CREATED_ORDER, "totalSum": 10.1})
    )
    order = await place(client)
    assert order.total_sum == Decimal("10.1")


async def test_a_form_lists_its_attributes_by_position_with_validators(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """get_form sorts attributes and keeps validators; email is known by its validator."""
    form = {
        "id": 7,
        "identifier": "guest_order",
        "type": "order",
        "localizeInfos": {"en_US": {"title": "Guest order"}},
        "attributes": [
            {
                "marker": "guest_email",
                "type": "string",
                "position": 3,
                "localizeInfos": {"en_US": {"title": "E-mail"}},
                "validators": {
                    "requiredValidator": {"strict": True},
                    "emailInspectionValidator": True,
                },
            },
            {
                "marker": "guest_name",
                "type": "string",
                "position": 1,
                "localizeInfos": {"title": "Your name"},
                "validators": {"stringInspectionValidator": {"stringMin": "2", "stringMax": "64"}},
                "additionalFields": [{"marker": "placeholder", "type": "string", "value": "Ann"}],
            },
        ],
    }
    server.route(
        "GET", "/forms/marker/guest_order", lambda r: httpx.Response(200, json=form), user=False
    )
    result = await client.get_form("guest_order")
    assert result.title == "Guest order"
    assert [a.marker for a in result.attributes] == ["guest_name", "guest_email"]
    name, email = result.attributes
    assert name.title == "Your name" and not name.is_required and not name.is_email
    assert name.validators["stringInspectionValidator"]["stringMax"] == "64"
    assert name.additional_fields["placeholder"]["value"] == "Ann"
    assert email.is_required and email.is_email
    assert server.requests[0].url.params["langCode"] == "en_US"


async def test_an_empty_form_sends_attributes_as_an_object(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """`attributes: {}` means no attributes."""
    form = {"id": 8, "identifier": "empty", "attributes": {}}
    server.route("GET", "/forms/marker/empty", lambda r: httpx.Response(200, json=form), user=False)
    assert (await client.get_form("empty")).attributes == ()


@pytest.mark.parametrize("answer", [[SESSION], SESSION], ids=["array", "single-object"])
async def test_sessions_by_order_accepts_an_array_or_a_single_object(
    client: OneEntryClient, server: FakeOneEntry, answer: Any
) -> None:
    """The route answers a plain array; a lone object is tolerated."""
    server.route("GET", "/payments/sessions/order/113", lambda r: httpx.Response(200, json=answer))
    (session,) = await client.sessions_by_order(113)
    assert (session.id, session.status, session.payment_url) == (62, "waiting", None)


async def test_payment_accounts_keep_no_settings(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Accounts are read with their titles; provider settings are not kept."""
    accounts = [
        {
            "id": 1,
            "identifier": "stripe",
            "type": "stripe",
            "isVisible": True,
            "isUsed": True,
            "testMode": True,
            "settings": {"secret": "sk_live_value"},
            "localizeInfos": {"en_US": {"title": "Card"}},
        }
    ]
    server.route("GET", "/payments/accounts", lambda r: httpx.Response(200, json=accounts))
    (account,) = await client.payment_accounts()
    assert (account.identifier, account.title, account.test_mode) == ("stripe", "Card", True)
    assert "sk_live_value" not in repr(account)


async def test_list_orders_reads_a_page(client: OneEntryClient, server: FakeOneEntry) -> None:
    """The storage's orders come as {items, total}."""
    page = {"items": [READ_ORDER], "total": 41}
    server.route("GET", ORDERS_PATH, lambda r: httpx.Response(200, json=page))
    result = await client.list_orders(STORAGE, offset=30, limit=10)
    assert result.total == 41 and result.items[0].total_sum == Decimal("300.10")
    assert server.requests[-1].url.params["offset"] == "30"


# --- the Shop adapter ----------------------------------------------------------------------


def shop_for(client: OneEntryClient, reference_marker: str | None = None) -> OneEntryShop:
    return OneEntryShop(
        client,
        storage_marker=STORAGE,
        form_marker="guest_order",
        payment_account="cash",
        reference_marker=reference_marker,
    )


async def place_order(shop: OneEntryShop, request: OrderRequest) -> PlacedOrder:
    """The whole placement: the order, then its payment session."""
    return await shop.open_payment(await shop.create_order(request))


REQUEST = OrderRequest(
    draft_id="d1",
    name="Ann",
    phone="+15550100",
    email="ann@example.com",
    lines=(CartLine(product_id=15, title="Cup", quantity=1, unit_price=Decimal("400")),),
)


async def test_the_shop_places_an_order_and_opens_its_payment_session(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """create_order then open_payment: one order, one session, mapped to PlacedOrder."""
    placed = await place_order(shop_for(client), REQUEST)
    assert placed.order_id == 113 and str(placed.total) == "400 USD"
    assert (placed.status_id, placed.status_title) == ("guest_upcoming", "Upcoming")
    assert (placed.payment_session_id, placed.payment_status, placed.payment_url) == (
        62,
        "waiting",
        None,
    )
    assert placed.lines == REQUEST.lines
    session_body = json.loads(server.requests[-1].content)
    assert session_body == {"orderId": 113, "type": "session", "automaticTaxEnabled": False}
    form_data = json.loads(server.requests[1].content)["formData"]["en_US"]
    assert [(v["marker"], v["type"]) for v in form_data] == [
        ("guest_name", "string"),
        ("guest_phone", "string"),
        ("guest_email", "string"),
    ]


@pytest.mark.parametrize(
    ("handler", "kind"),
    [
        (
            lambda r: error_body(400, "formData's marker 'guest_email' value is missing"),
            OrderRejected,
        ),
        (lambda r: error_body(404, "Storage not found"), OrderRejected),
        (lambda r: error_body(503, "down"), OutcomeUnknown),
        (lambda r: error_body(429, "slow down"), ShopUnavailable),
        (raising(httpx.ConnectError("refused")), ShopUnavailable),
        (raising(httpx.ReadTimeout("timed out")), OutcomeUnknown),
    ],
)
async def test_the_shop_maps_failures_to_the_domain_errors(
    client: OneEntryClient,
    server: FakeOneEntry,
    handler: Handler,
    kind: type[Exception],
) -> None:
    """Refusals become OrderRejected with the server's text; outages ShopUnavailable."""
    server.route("POST", ORDERS_PATH, handler)
    with pytest.raises(kind) as caught:
        await shop_for(client).create_order(REQUEST)
    assert type(caught.value) is kind
    if kind is OrderRejected:
        assert str(caught.value) in {
            "formData's marker 'guest_email' value is missing",
            "Storage not found",
        }
    assert server.count("/payments/sessions") == 0


async def test_a_failed_payment_session_does_not_hide_the_created_order(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """The order is reported by create_order; a failing session is a separate, typed error."""
    server.route("POST", "/payments/sessions", lambda r: error_body(500, "boom"))
    shop = shop_for(client)
    created = await shop.create_order(REQUEST)
    assert created.order_id == 113
    assert created.payment_session_id is None and created.payment_status is None
    with pytest.raises(OutcomeUnknown, match="payment session"):
        await shop.open_payment(created)
    server.route("POST", "/payments/sessions", lambda r: error_body(429, "slow down"))
    with pytest.raises(ShopUnavailable) as caught:
        await shop.open_payment(created)
    assert type(caught.value) is ShopUnavailable


async def test_the_shop_hides_invisible_and_unknown_products(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Only visible products are listed; an unknown id is None."""
    hidden = {**FLAT_PRODUCT, "id": 16, "isVisible": False}
    pages = {
        "0": {"items": [KEYED_PRODUCT, hidden], "total": 3},
        "2": {"items": [{**FLAT_PRODUCT, "id": 17, "price": "9.50"}], "total": 3},
    }

    def products(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params["offset"]])

    server.route("POST", "/products/all", products, user=False)
    server.route("GET", "/products/99", lambda r: error_body(404, "Not found"), user=False)
    server.route("GET", "/products/16", lambda r: httpx.Response(200, json=hidden), user=False)
    shop = shop_for(client)
    listed = await shop.list_products()
    assert [(p.id, p.price) for p in listed] == [(15, Decimal("400")), (17, Decimal("9.50"))]
    assert listed[0].image_url == "https://cdn.example/cup.png"
    assert await shop.get_product(99) is None
    assert await shop.get_product(16) is None


async def test_the_shop_reports_a_catalog_outage_as_shop_unavailable(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """A failing catalog read raises ShopUnavailable, not a OneEntry error."""
    server.route("POST", "/products/all", lambda r: error_body(500, "boom"), user=False)
    with pytest.raises(ShopUnavailable):
        await shop_for(client).list_products()


# --- finding what a lost answer created ----------------------------------------------------

SINCE = datetime(2025, 6, 4, 4, 30, tzinfo=UTC)


def form_with(*markers: str) -> dict[str, Any]:
    attributes = [
        {"marker": marker, "type": "string", "position": i, "validators": {}}
        for i, marker in enumerate(markers, 1)
    ]
    return {"id": 7, "identifier": "guest_order", "attributes": attributes}


def serve_form(server: FakeOneEntry, form: dict[str, Any] | None) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=form) if form else error_body(503, "down")

    server.route("GET", "/forms/marker/guest_order", answer, user=False)


def listed_order(order_id: int, created: datetime, **answers: str) -> dict[str, Any]:
    """An order as the storage's listing sends it, placed by REQUEST unless told otherwise."""
    values = {"guest_name": "Ann", "guest_phone": "+15550100", "guest_email": "ann@example.com"}
    values.update(answers)
    return {
        **READ_ORDER,
        "id": order_id,
        "createdDate": created.isoformat().replace("+00:00", "Z"),
        "formData": [{"marker": m, "type": "string", "value": v} for m, v in values.items()],
        "products": [{"id": 15, "title": "Cup", "price": "400", "quantity": 1}],
    }


def serve_orders(server: FakeOneEntry, orders: list[dict[str, Any]]) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        return httpx.Response(
            200, json={"items": orders[offset : offset + limit], "total": len(orders)}
        )

    server.route("GET", ORDERS_PATH, page)


def sent_form_data(request: httpx.Request) -> dict[str, str]:
    values = json.loads(request.content)["formData"]["en_US"]
    return {value["marker"]: value["value"] for value in values}


async def test_a_reference_field_in_the_form_carries_the_draft_id_and_is_read_once(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """With reference_marker set the form is read once; every order then names its draft."""
    serve_form(server, form_with("guest_name", "guest_phone", "guest_email", "order_reference"))
    shop = shop_for(client, reference_marker="order_reference")
    await shop.create_order(REQUEST)
    await shop.create_order(dataclasses.replace(REQUEST, draft_id="d2"))
    creates = [r for r in server.requests if r.method == "POST" and r.url.path.endswith("/orders")]
    assert [sent_form_data(r)["order_reference"] for r in creates] == ["d1", "d2"]
    assert server.count("/forms/marker/guest_order") == 1


async def test_a_form_without_the_reference_field_gets_orders_without_it(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """A shop that has not added the field gets the three guest fields, and one form read."""
    serve_form(server, form_with("guest_name", "guest_phone", "guest_email"))
    shop = shop_for(client, reference_marker="order_reference")
    await shop.create_order(REQUEST)
    await shop.create_order(REQUEST)
    assert set(sent_form_data(server.requests[-1])) == {"guest_name", "guest_phone", "guest_email"}
    assert server.count("/forms/marker/guest_order") == 1


async def test_an_unreadable_form_is_asked_for_again_on_the_next_order(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """A failed form read sends the order without reference and is not remembered."""
    serve_form(server, None)
    shop = shop_for(client, reference_marker="order_reference")
    await shop.create_order(REQUEST)
    assert "order_reference" not in sent_form_data(server.requests[-1])
    serve_form(server, form_with("guest_name", "guest_phone", "guest_email", "order_reference"))
    await shop.create_order(REQUEST)
    assert sent_form_data(server.requests[-1])["order_reference"] == "d1"
    assert server.count("/forms/marker/guest_order") == 2


async def test_find_order_skips_orders_older_than_since_less_the_clock_skew(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """The same customer's identical order of yesterday is not taken for today's lost one."""
    serve_orders(server, [listed_order(200, SINCE - timedelta(days=1))])
    assert await shop_for(client).find_order(REQUEST, since=SINCE) is None
    serve_orders(server, [listed_order(201, SINCE - timedelta(minutes=4))])
    found = await shop_for(client).find_order(REQUEST, since=SINCE)
    assert found is not None and found.order_id == 201


async def test_an_oldest_first_listing_is_read_from_its_end_back_to_its_first_order(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """With 120 orders listed oldest first, the look-up reaches the oldest page too."""
    orders = [
        listed_order(300 + i, SINCE + timedelta(seconds=i), guest_name=f"Other {i}")
        for i in range(120)
    ]
    orders[5] = listed_order(305, SINCE + timedelta(seconds=5))
    serve_orders(server, orders)
    found = await shop_for(client).find_order(REQUEST, since=SINCE)
    assert found is not None and found.order_id == 305
    assert found.payment_session_id is None and found.lines == REQUEST.lines


async def test_find_payment_takes_the_newest_session_of_the_order(
    client: OneEntryClient, server: FakeOneEntry
) -> None:
    """Several sessions: the one with the highest id; none: None."""
    sessions = [SESSION, {**SESSION, "id": 64, "status": "paid"}, {**SESSION, "id": 63}]
    server.route(
        "GET", "/payments/sessions/order/113", lambda r: httpx.Response(200, json=sessions)
    )
    shop = shop_for(client)
    order = await shop.create_order(REQUEST)
    found = await shop.find_payment(order)
    assert found is not None and (found.payment_session_id, found.payment_status) == (64, "paid")
    assert found.order_id == 113
    server.route("GET", "/payments/sessions/order/113", lambda r: httpx.Response(200, json=[]))
    assert await shop.find_payment(order) is None
