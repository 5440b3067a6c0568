"""The OneEntry sandbox answers like the content API described in the reference."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bot.sandbox.oneentry import SANDBOX_APP_TOKEN, OneEntrySandbox
from bot.sandbox.serving import serve

AUTH = "/api/content/users-auth-providers/marker/email/users/auth"
REFRESH = "/api/content/users-auth-providers/marker/email/users/refresh"
LOGOUT = "/api/content/users-auth-providers/marker/email/users/logout"
ORDERS = "/api/content/orders-storage/marker/guest_orders/orders"
SESSIONS = "/api/content/payments/sessions"
TYPES = {"delivery": "list", "guest_comment": "text"}


def device(fingerprint: str = "UQ_test-device") -> str:
    info = {"os": "Linux", "browser": "bot/1.0", "location": "en-US"}
    return json.dumps({"fingerprint": fingerprint, "deviceInfo": info})


def reference_form_data(**changes: Any) -> list[dict[str, Any]]:
    values = {
        "guest_name": "Christina Thomas",
        "guest_phone": "+18005000500",
        "guest_email": "guest@yourmail.com",
        **changes,
    }
    return [
        {"marker": marker, "type": TYPES.get(marker, "string"), "value": value}
        for marker, value in values.items()
        if value is not None
    ]


def order_body(
    form_data: Any = None, products: Any = None, account: str = "cash"
) -> dict[str, Any]:
    return {
        "formIdentifier": "guest_order",
        "paymentAccountIdentifier": account,
        "formData": {"en_US": reference_form_data()} if form_data is None else form_data,
        "products": [{"productId": 15, "quantity": 1}] if products is None else products,
    }


class Guest:
    """A client of the sandbox speaking as the shared guest user."""

    def __init__(self, http: httpx.AsyncClient, sandbox: OneEntrySandbox) -> None:
        self.http = http
        self.sandbox = sandbox
        self.access = ""
        self.refresh = ""

    def headers(self, *, bearer: bool = True, fingerprint: str | None = None) -> dict[str, str]:
        headers = {"x-app-token": self.sandbox.app_token}
        if bearer and self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        if fingerprint is not None:
            headers["x-device-metadata"] = device(fingerprint)
        return headers

    async def sign_in(self, fingerprint: str = "UQ_test-device") -> httpx.Response:
        body = {
            "authData": [
                {"marker": "email_reg", "value": self.sandbox.guest_login},
                {"marker": "password_reg", "value": self.sandbox.guest_password},
            ]
        }
        answer = await self.http.post(
            AUTH, json=body, headers=self.headers(bearer=False, fingerprint=fingerprint)
        )
        assert answer.status_code == 200, answer.text
        self.access, self.refresh = answer.json()["accessToken"], answer.json()["refreshToken"]
        return answer

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.headers())

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.http.post(
            path, json=body, headers=self.headers(fingerprint="UQ_test-device")
        )

    async def place(self, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.post(ORDERS, order_body() if body is None else body)


@pytest.fixture
def oneentry_sandbox() -> OneEntrySandbox:
    return OneEntrySandbox()


@pytest.fixture
async def guest(oneentry_sandbox: OneEntrySandbox) -> AsyncIterator[Guest]:
    transport = httpx.ASGITransport(app=oneentry_sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://oneentry.test") as http:
        client = Guest(http, oneentry_sandbox)
        await client.sign_in()
        yield client


def assert_error(
    answer: httpx.Response, status: int, message: str | list[str] | None = None
) -> None:
    body = answer.json()
    assert answer.status_code == status
    assert set(body) == {"statusCode", "message", "pageData", "timestamp"}
    assert body["statusCode"] == status and body["pageData"] is None
    if message is not None:
        assert body["message"] == message


# -- the reference flow ---------------------------------------------------------------------


async def test_the_reference_guest_order_flow_gives_order_113_for_400_usd(guest: Guest) -> None:
    """Form, order, cash session and session lookup match the reference example."""
    form = await guest.get("/api/content/forms/marker/guest_order", langCode="en_US")
    markers = [a["marker"] for a in form.json()["attributes"]]
    assert markers[:3] == ["guest_name", "guest_phone", "guest_email"]

    created = await guest.place()
    order = created.json()
    assert created.status_code == 201
    assert (order["id"], order["totalSum"], order["currency"]) == (113, 400, "USD")
    assert order["statusIdentifier"] == "guest_upcoming"
    assert order["statusLocalizeInfos"] == {"en_US": {"title": "Upcoming"}}
    assert order["products"] == [{"productId": 15, "quantity": 1}]
    assert order["formData"] == {"en_US": reference_form_data()}

    started = await guest.post(
        SESSIONS, {"orderId": 113, "type": "session", "automaticTaxEnabled": False}
    )
    session = started.json()
    assert started.status_code == 201
    assert (session["id"], session["type"], session["status"]) == (62, "session", "waiting")
    assert session["paymentUrl"] is None and session["orderId"] == 113
    assert session["paymentAccountId"] == 1

    by_order = await guest.get(f"{SESSIONS}/order/113")
    assert by_order.json() == [session]

    read = (await guest.get(f"{ORDERS}/113", langCode="en_US")).json()
    assert read["totalSum"] == "400.00" and read["currency"] == "USD"
    assert read["products"] == [
        {
            "id": 15,
            "title": "Cappuccino",
            "sku": "CAP-001",
            "previewImage": "https://images.example.com/shop/cappuccino_preview.jpg",
            "price": 400,
            "quantity": 1,
            "isGift": False,
        }
    ]
    assert read["paymentStatusIdentifier"] == "waiting" and read["isCompleted"] is False
    assert guest.sandbox.orders[0]["totalSum"] == Decimal(400)


async def test_a_card_session_links_to_a_payment_page_that_completes_it(guest: Guest) -> None:
    """A stripe account gets a payment URL; paying there marks the order completed."""
    order = (await guest.place(order_body(account="card"))).json()
    session = (await guest.post(SESSIONS, {"orderId": order["id"], "type": "session"})).json()
    assert session["paymentUrl"] == f"http://oneentry.test/_sandbox/pay/{session['id']}"
    assert session["amount"] == 400

    paid = await guest.http.post(session["paymentUrl"])
    assert paid.status_code == 200
    read = (await guest.get(f"{ORDERS}/{order['id']}")).json()
    assert read["paymentStatusIdentifier"] == "completed" and read["isCompleted"] is True
    assert read["paymentUrl"] == session["paymentUrl"]


async def test_statuses_set_by_the_shop_show_on_the_next_read(guest: Guest) -> None:
    """set_order_status and set_session_status are what status polling sees."""
    await guest.place()
    await guest.post(SESSIONS, {"orderId": 113, "type": "session", "automaticTaxEnabled": False})
    guest.sandbox.set_order_status(113, "guest_ready")
    guest.sandbox.set_session_status(62, "paid", payment_url="https://pay.example/62")

    read = (await guest.get(f"{ORDERS}/113", langCode="ru_RU")).json()
    assert read["statusIdentifier"] == "guest_ready"
    assert read["statusLocalizeInfos"] == {"ru_RU": {"title": "Готов"}}
    assert read["paymentUrl"] == "https://pay.example/62" and read["isCompleted"] is True
    assert (await guest.get(f"{SESSIONS}/62")).json()["status"] == "paid"
    with pytest.raises(ValueError):
        guest.sandbox.set_order_status(113, "no_such_status")


async def test_orders_are_listed_newest_first_and_can_be_updated(guest: Guest) -> None:
    """The list has items and total; PUT takes the create body and recomputes the total."""
    await guest.place()
    await guest.place(order_body(products=[{"productId": 17, "quantity": 2}]))
    listed = (await guest.get(ORDERS, langCode="en_US", offset=0, limit=30)).json()
    assert [o["id"] for o in listed["items"]] == [114, 113] and listed["total"] == 2
    assert listed["items"][0]["totalSum"] == "501.00"

    changed = await guest.http.put(
        f"{ORDERS}/113",
        json=order_body(products=[{"productId": 16, "quantity": 3}]),
        headers=guest.headers(),
    )
    assert changed.status_code == 200 and changed.json()["totalSum"] == 1350
    assert (await guest.get(f"{ORDERS}/113")).json()["totalSum"] == "1350.00"


async def test_storages_statuses_and_accounts_have_the_reference_shapes(guest: Guest) -> None:
    """Storages and statuses are plain arrays; accounts are cash (custom) and card (stripe)."""
    storages = (await guest.get("/api/content/orders-storage", langCode="en_US")).json()
    assert [s["identifier"] for s in storages] == ["guest_orders"]
    assert storages[0]["paymentAccountIdentifiers"] == [
        {"identifier": "cash"},
        {"identifier": "card"},
    ]
    assert "currency" not in storages[0] and "statuses" not in storages[0]
    statuses = (await guest.get(f"{ORDERS[:-7]}/order-statuses", langCode="ru_RU")).json()
    default = [s for s in statuses if s["isDefault"]]
    assert default == [
        {
            "id": 1,
            "identifier": "guest_upcoming",
            "localizeInfos": {"ru_RU": {"title": "Предстоящий"}},
            "position": 1,
            "isUsed": True,
            "isDefault": True,
        }
    ]
    accounts = (await guest.get("/api/content/payments/accounts")).json()
    assert [(a["identifier"], a["type"]) for a in accounts] == [
        ("cash", "custom"),
        ("card", "stripe"),
    ]
    assert (await guest.get("/api/content/payments/accounts/2")).json()["identifier"] == "card"


# -- app token, paths, user tokens ---------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"x-app-token": "wrong"}, {"Authorization": "Bearer x"}])
async def test_every_content_route_needs_the_app_token(
    guest: Guest, headers: dict[str, str]
) -> None:
    """No or a wrong x-app-token is 403 `Resource is closed`, even on public routes."""
    for path in ("/api/content/products/15", "/api/content/forms", f"{ORDERS}/113"):
        assert_error(await guest.http.get(path, headers=headers), 403, "Resource is closed")


async def test_an_unknown_path_or_method_answers_cannot_get(guest: Guest) -> None:
    """Paths the API does not have answer 404 `Cannot <METHOD> <path>`."""
    assert_error(await guest.get("/api/content/nothing"), 404, "Cannot GET /api/content/nothing")
    gone = await guest.http.delete("/api/content/products/15", headers=guest.headers())
    assert_error(gone, 404, "Cannot DELETE /api/content/products/15")


@pytest.mark.parametrize(
    "path",
    [
        ORDERS,
        f"{ORDERS}/113",
        "/api/content/orders-storage",
        "/api/content/payments/accounts",
        f"{SESSIONS}/",
        f"{SESSIONS}/order/113",
    ],
)
async def test_user_routes_answer_401_without_a_bearer_token(guest: Guest, path: str) -> None:
    """Orders and payments need the user's access token; products do not."""
    app_only = {"x-app-token": guest.sandbox.app_token}
    assert_error(await guest.http.get(path, headers=app_only), 401)
    forged = {**app_only, "Authorization": "Bearer a.b.c"}
    assert_error(await guest.http.get(path, headers=forged), 401)
    assert (await guest.http.get("/api/content/products/15", headers=app_only)).status_code == 200


async def test_expired_access_tokens_answer_401_until_refreshed(guest: Guest) -> None:
    """expire_access_tokens makes user routes 401; a refresh brings a working token."""
    guest.sandbox.expire_access_tokens()
    assert_error(await guest.get(ORDERS), 401)
    refreshed = await guest.http.post(
        REFRESH,
        json={"refreshToken": guest.refresh},
        headers=guest.headers(bearer=False, fingerprint="UQ_test-device"),
    )
    assert refreshed.status_code == 200
    guest.access = refreshed.json()["accessToken"]
    assert (await guest.get(ORDERS)).status_code == 200


async def test_access_tokens_expire_after_the_configured_ttl(guest: Guest) -> None:
    """A token issued with a short TTL answers 401 once the TTL has passed."""
    guest.sandbox.access_token_ttl = 0.05
    await guest.sign_in()
    assert (await guest.get(ORDERS)).status_code == 200
    await asyncio.sleep(0.1)
    assert_error(await guest.get(ORDERS), 401)


async def test_a_refresh_token_is_used_only_once(guest: Guest) -> None:
    """Refresh rotates the pair: the old refresh token and old access token stop working."""
    old_access, old_refresh = guest.access, guest.refresh
    headers = guest.headers(bearer=False, fingerprint="UQ_test-device")
    first = await guest.http.post(REFRESH, json={"refreshToken": old_refresh}, headers=headers)
    assert first.status_code == 200
    assert first.json()["refreshToken"] != old_refresh
    assert first.json()["accessToken"] != old_access
    again = await guest.http.post(REFRESH, json={"refreshToken": old_refresh}, headers=headers)
    assert_error(again, 400)
    guest.access = old_access
    assert_error(await guest.get(ORDERS), 401)


async def test_refresh_from_another_device_is_refused(guest: Guest) -> None:
    """A refresh token only works with the fingerprint it was issued to."""
    other = guest.headers(bearer=False, fingerprint="UQ_other-device")
    assert_error(
        await guest.http.post(REFRESH, json={"refreshToken": guest.refresh}, headers=other), 400
    )
    same = guest.headers(bearer=False, fingerprint="UQ_test-device")
    assert (
        await guest.http.post(REFRESH, json={"refreshToken": guest.refresh}, headers=same)
    ).status_code == 200


async def test_signing_in_again_on_one_device_ends_its_previous_session(guest: Guest) -> None:
    """Same fingerprint replaces the session; another fingerprint adds a parallel one."""
    first_access = guest.access
    await guest.sign_in("UQ_second-device")
    second_access = guest.access
    await guest.sign_in("UQ_test-device")
    for token, works in ((first_access, False), (second_access, True), (guest.access, True)):
        answer = await guest.http.get(
            ORDERS,
            headers={"x-app-token": guest.sandbox.app_token, "Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == (200 if works else 401)


async def test_logout_ends_the_session(guest: Guest) -> None:
    """After logout the access token is refused and the refresh token is dead."""
    headers = guest.headers(fingerprint="UQ_test-device")
    out = await guest.http.post(LOGOUT, json={"refreshToken": guest.refresh}, headers=headers)
    assert out.status_code == 200 and out.json() is True
    assert_error(await guest.get(ORDERS), 401)
    again = await guest.http.post(REFRESH, json={"refreshToken": guest.refresh}, headers=headers)
    assert_error(again, 400)


async def test_tokens_look_like_a_jwt_and_an_epoch_refresh_token(guest: Guest) -> None:
    """The access token has three base64url parts; the refresh token starts with epoch ms."""
    header, payload, _signature = guest.access.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert json.loads(base64.urlsafe_b64decode(header + "==="))["typ"] == "JWT"
    assert decoded["sub"] == guest.sandbox.guest_login
    assert re.fullmatch(r"\d{13}-[0-9a-f-]+", guest.refresh)
    assert guest.access not in repr(guest.sandbox) and "password" not in repr(guest.sandbox)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (None, "Missing x-device-metadata header"),
        ("not json", "Invalid x-device-metadata format"),
        (json.dumps({"fingerprint": 5, "deviceInfo": {}}), "Invalid x-device-metadata format"),
        (
            json.dumps({"fingerprint": "UQ_x", "deviceInfo": "pc"}),
            "Invalid x-device-metadata format",
        ),
    ],
)
async def test_auth_routes_need_well_formed_device_metadata(
    guest: Guest, metadata: str | None, message: str
) -> None:
    """auth and refresh answer 400 for a missing or malformed x-device-metadata header."""
    headers = guest.headers(bearer=False)
    if metadata is not None:
        headers["x-device-metadata"] = metadata
    assert_error(
        await guest.http.post(REFRESH, json={"refreshToken": guest.refresh}, headers=headers),
        400,
        message,
    )
    body = {
        "authData": [
            {"marker": "email_reg", "value": "x"},
            {"marker": "password_reg", "value": "y"},
        ]
    }
    assert_error(await guest.http.post(AUTH, json=body, headers=headers), 400, message)


@pytest.mark.parametrize("extra", [{"formIdentifier": "reg"}, {"langCode": "en_US"}])
async def test_sign_in_refuses_keys_beyond_auth_data(guest: Guest, extra: dict[str, str]) -> None:
    """Sign-in bodies hold only authData; other keys are 400 with a list of messages."""
    body = {
        "authData": [
            {"marker": "email_reg", "value": guest.sandbox.guest_login},
            {"marker": "password_reg", "value": guest.sandbox.guest_password},
        ],
        **extra,
    }
    answer = await guest.http.post(
        AUTH, json=body, headers=guest.headers(bearer=False, fingerprint="UQ_x")
    )
    assert_error(answer, 400, [f"property {next(iter(extra))} should not exist"])


async def test_a_wrong_password_is_401(guest: Guest) -> None:
    """Bad credentials are refused with 401 and no tokens."""
    body = {
        "authData": [
            {"marker": "email_reg", "value": guest.sandbox.guest_login},
            {"marker": "password_reg", "value": "guess"},
        ]
    }
    answer = await guest.http.post(
        AUTH, json=body, headers=guest.headers(bearer=False, fingerprint="UQ_x")
    )
    assert_error(answer, 401, "Invalid login or password")


# -- order validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "marker"),
    [
        ({"guest_email": None}, "guest_email"),
        ({"guest_email": "guest@"}, "guest_email"),
        ({"guest_name": "C"}, "guest_name"),
        ({"guest_name": "Ж" * 65}, "guest_name"),
        ({"guest_name": "  "}, "guest_name"),
        ({"guest_phone": "call me"}, "guest_phone"),
        ({"delivery": "teleport"}, "delivery"),
        ({"guest_name": "C", "guest_email": "nope"}, "guest_name"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
async def test_the_first_bad_form_field_is_named_in_a_400(
    guest: Guest, changes: dict[str, Any], marker: str
) -> None:
    """formData is checked against the storage's form, first failing field by position."""
    body = order_body(form_data={"en_US": reference_form_data(**changes)})
    assert_error(
        await guest.place(body), 400, f"formData's marker '{marker}' value is missing or incorrect"
    )
    assert guest.sandbox.orders == []


async def test_a_field_sent_with_another_type_is_refused(guest: Guest) -> None:
    """Each entry's type must be its form attribute's type (the comment is `text`)."""
    data = [*reference_form_data(), {"marker": "guest_comment", "type": "string", "value": "hi"}]
    answer = await guest.place(order_body(form_data={"en_US": data}))
    assert_error(answer, 400, "formData's marker 'guest_comment' value is missing or incorrect")


async def test_optional_fields_and_list_choices_are_accepted(guest: Guest) -> None:
    """An optional comment, a list choice (as value or option object) and a 64-char name pass."""
    for delivery in ("courier", {"title": "Pickup", "value": "pickup"}):
        data = reference_form_data(
            guest_name="Ж" * 64, guest_comment="ring twice", delivery=delivery
        )
        assert (await guest.place(order_body(form_data={"en_US": data}))).status_code == 201


@pytest.mark.parametrize(
    ("form_data", "message"),
    [
        ([{"marker": "guest_name", "type": "string", "value": "Ann"}], None),
        ({}, "empty form data section"),
        ({"en_US": []}, "empty form data section"),
    ],
)
async def test_form_data_must_be_keyed_by_locale(
    guest: Guest, form_data: Any, message: str | None
) -> None:
    """formData is `{langCode: [...]}`, not a bare list and not empty."""
    assert_error(await guest.place(order_body(form_data=form_data)), 400, message)


@pytest.mark.parametrize(
    ("products", "account"),
    [
        ([{"productId": 999, "quantity": 1}], "cash"),
        ([{"productId": 21, "quantity": 1}], "cash"),
        ([{"productId": 15, "quantity": 0}], "cash"),
        ([{"productId": 15, "quantity": 1.5}], "cash"),
        ([{"productId": "15", "quantity": 1}], "cash"),
        ([{"productId": 15, "quantity": 1}], "paypal"),
        ([{"productId": 15, "quantity": 1}], ""),
    ],
)
async def test_bad_products_and_payment_accounts_are_refused(
    guest: Guest, products: Any, account: str
) -> None:
    """Unknown or hidden products, bad quantities and unlinked accounts are 400s."""
    assert_error(await guest.place(order_body(products=products, account=account)), 400)
    assert guest.sandbox.orders == []


async def test_unknown_body_keys_and_a_foreign_form_are_refused(guest: Guest) -> None:
    """createOrder refuses keys it does not know and a form that is not the storage's."""
    assert_error(
        await guest.place({**order_body(), "langCode": "en_US"}),
        400,
        ["property langCode should not exist"],
    )
    assert_error(await guest.place({**order_body(), "formIdentifier": "reg"}), 400)
    unknown = await guest.post("/api/content/orders-storage/marker/nowhere/orders", order_body())
    assert_error(unknown, 404)


async def test_a_new_price_applies_to_new_orders_only(guest: Guest) -> None:
    """set_product_price changes the catalogue and later totals; placed orders keep theirs."""
    await guest.place()
    guest.sandbox.set_product_price(15, Decimal("410.50"))
    product = (await guest.get("/api/content/products/15", langCode="en_US")).json()
    assert product["price"] == 410.5
    assert product["attributeValues"]["en_US"]["price"]["value"] == 410.5
    assert (await guest.place()).json()["totalSum"] == 410.5
    assert (await guest.get(f"{ORDERS}/113")).json()["totalSum"] == "400.00"


# -- catalogue and localization --------------------------------------------------------------


async def test_products_lists_only_visible_products_with_paging_and_sorting(guest: Guest) -> None:
    """POST /products/all gives {items,total} of visible products and honours the query."""
    url = "/api/content/products/all"
    everything = (
        await guest.http.post(
            url, params={"langCode": "en_US"}, json={"filter": []}, headers=guest.headers()
        )
    ).json()
    assert everything["total"] == 8 and 21 not in [p["id"] for p in everything["items"]]
    assert [p["id"] for p in everything["items"]][:2] == [23, 22]  # default: position DESC
    page = await guest.http.post(
        url,
        params={
            "langCode": "en_US",
            "offset": 1,
            "limit": 2,
            "sortOrder": "ASC",
            "sortKey": "price",
        },
        json={"filter": []},
        headers=guest.headers(),
    )
    assert [p["id"] for p in page.json()["items"]] == [20, 15] and page.json()["total"] == 8
    cheap = {"attributeMarker": "price", "conditionMarker": "lth", "conditionValue": 400}
    filtered = await guest.http.post(url, json={"filter": [cheap]}, headers=guest.headers())
    assert sorted(p["id"] for p in filtered.json()["items"]) == [17, 20]


async def test_single_products_hide_invisible_and_unknown_ones(guest: Guest) -> None:
    """GET /products/{id} is 404 for unknown or invisible products; ids gives an array."""
    assert_error(await guest.get("/api/content/products/21"), 404)
    assert_error(await guest.get("/api/content/products/999"), 404)
    raw = await guest.http.get(
        httpx.URL("http://oneentry.test/api/content/products/ids?ids=15,21,16&langCode=en_US"),
        headers=guest.headers(),
    )
    encoded = await guest.get("/api/content/products/ids", ids="15,21,16", langCode="en_US")
    assert "%2C" in str(encoded.request.url)
    assert [p["id"] for p in raw.json()] == [p["id"] for p in encoded.json()] == [15, 16]


async def test_titles_come_in_english_and_russian_and_fall_back_to_english(guest: Guest) -> None:
    """ru_RU titles are served; an unknown langCode gets the en_US entry under its own key."""
    russian = (await guest.get("/api/content/products/15", langCode="ru_RU")).json()
    assert russian["localizeInfos"] == {"ru_RU": {"title": "Капучино"}}
    german = (await guest.get("/api/content/products/15", langCode="de_DE")).json()
    assert german["localizeInfos"] == {"en_US": {"title": "Cappuccino"}}
    pizza = (await guest.get("/api/content/products/19", langCode="ru_RU")).json()
    title = pizza["localizeInfos"]["ru_RU"]["title"]
    assert len(re.findall("[А-Яа-яЁё]", title)) == 64 and "🍕" in title
    assert len(title.encode("utf-8")) > 64


async def test_flat_mode_serves_localized_fields_already_unwrapped(guest: Guest) -> None:
    """localized="flat" unwraps localizeInfos, attributeValues, statuses and formData."""
    guest.sandbox.localized = "flat"
    product = (await guest.get("/api/content/products/15", langCode="ru_RU")).json()
    assert product["localizeInfos"] == {"title": "Капучино"}
    assert product["attributeValues"]["price"]["value"] == 400
    created = (await guest.place()).json()
    assert created["formData"] == reference_form_data()
    assert created["statusLocalizeInfos"] == {"title": "Upcoming"}
    read = (await guest.get(f"{ORDERS}/113", langCode="ru_RU")).json()
    assert read["formData"] == reference_form_data()
    assert read["statusLocalizeInfos"] == {"title": "Предстоящий"}
    form = (await guest.get("/api/content/forms/marker/guest_order", langCode="ru_RU")).json()
    assert form["attributes"][0]["localizeInfos"] == {"title": "Ваше имя"}


async def test_keyed_mode_is_the_default(oneentry_sandbox: OneEntrySandbox, guest: Guest) -> None:
    """By default localized fields and order formData are maps keyed by locale."""
    assert oneentry_sandbox.localized == "keyed"
    read_form = (await guest.get("/api/content/forms/marker/guest_order", langCode="en_US")).json()
    assert read_form["localizeInfos"]["en_US"]["title"] == "Guest order"
    await guest.place()
    assert (await guest.get(f"{ORDERS}/113")).json()["formData"] == {"en_US": reference_form_data()}


# -- faults and recording ------------------------------------------------------------------


async def test_an_injected_fault_answers_its_status_count_times(guest: Guest) -> None:
    """fail() makes the next `count` calls of the route answer the error, then recovers."""
    guest.sandbox.fail("product", status=503, count=2)
    for _ in range(2):
        assert_error(await guest.get("/api/content/products/15"), 503)
    assert (await guest.get("/api/content/products/15")).status_code == 200
    with pytest.raises(ValueError, match="unknown route"):
        guest.sandbox.fail("prodcts")


async def test_a_fault_before_commit_stores_nothing_and_after_commit_stores_the_order(
    guest: Guest,
) -> None:
    """A plain fault refuses the work; after_commit does it and still answers the error."""
    guest.sandbox.fail("create_order", status=500)
    assert_error(await guest.place(), 500)
    assert guest.sandbox.orders == []
    guest.sandbox.fail(
        "create_order", status=502, after_commit=True, body="<html>Bad gateway</html>"
    )
    answer = await guest.place()
    assert answer.status_code == 502 and answer.text == "<html>Bad gateway</html>"
    assert [o["id"] for o in guest.sandbox.orders] == [113]


async def test_requests_are_recorded_without_headers(guest: Guest) -> None:
    """Each API request is kept with method, path, route name, query and JSON body."""
    await guest.place()
    await guest.get(f"{ORDERS}/113", langCode="en_US")
    auth, create, read = guest.sandbox.requests
    assert (auth.method, auth.route) == ("POST", "auth")
    assert (create.method, create.path, create.route) == ("POST", ORDERS, "create_order")
    assert create.json == order_body() and create.query == {}
    assert (read.route, read.query) == ("order", {"langCode": "en_US"})
    assert guest.sandbox.guest_password not in repr(guest.sandbox.requests[1:])


async def test_over_loopback_a_slow_commit_times_out_and_control_routes_work() -> None:
    """Served over HTTP: a committed-then-slow order times the client out; controls drive it."""
    sandbox = OneEntrySandbox()
    assert sandbox.app_token == SANDBOX_APP_TOKEN
    async with (
        serve(sandbox.app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=5) as http,
    ):
        guest = Guest(http, sandbox)
        await guest.sign_in()
        fault = {"route": "create_order", "status": 0, "delay": 1.0, "after_commit": True}
        assert (await http.post("/_sandbox/faults", json=fault)).status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            await http.post(
                ORDERS,
                json=order_body(),
                headers=guest.headers(fingerprint="UQ_test-device"),
                timeout=0.2,
            )
        stored = (await http.get("/_sandbox/orders")).json()
        assert [(o["id"], o["totalSum"]) for o in stored] == [(113, 400)]

        await guest.post(
            SESSIONS, {"orderId": 113, "type": "session", "automaticTaxEnabled": False}
        )
        assert (
            await http.post(
                "/_sandbox/orders/113/status", json={"statusIdentifier": "guest_confirmed"}
            )
        ).status_code == 200
        moved = await http.post("/_sandbox/sessions/62/status", json={"status": "completed"})
        assert moved.status_code == 200
        read = (await guest.get(f"{ORDERS}/113", langCode="en_US")).json()
        assert read["statusIdentifier"] == "guest_confirmed" and read["isCompleted"] is True
        assert (await http.get("/_sandbox/sessions")).json()[0]["status"] == "completed"

        config = await http.post(
            "/_sandbox/config", json={"localized": "flat", "access_token_ttl": 60}
        )
        assert config.json() == {"access_token_ttl": 60.0, "localized": "flat"}
        assert (await http.post("/_sandbox/expire-tokens")).status_code == 200
        assert_error(await guest.get(ORDERS), 401)
        recorded = (await http.get("/_sandbox/requests")).json()
        assert [r["route"] for r in recorded][-2:] == ["order", "orders"]
        assert set(recorded[0]) == {"method", "path", "route", "query", "json"}


async def test_control_routes_refuse_bad_requests(guest: Guest) -> None:
    """Control routes answer 400 for a missing field, 404 for an unknown order or session."""
    http = guest.http
    assert (await http.post("/_sandbox/orders/113/status", json={})).status_code == 400
    missing = await http.post("/_sandbox/orders/999/status", json={"statusIdentifier": "x"})
    assert missing.status_code == 404
    assert (
        await http.post("/_sandbox/sessions/999/status", json={"status": "paid"})
    ).status_code == 404
    assert (await http.post("/_sandbox/faults", json={"route": "nope"})).status_code == 400
    assert (await http.post("/_sandbox/config", json={"localized": "sideways"})).status_code == 400
    assert (
        await http.post("/_sandbox/products/15/price", json={"price": "12.5"})
    ).status_code == 200
    assert guest.sandbox.orders == [] and guest.sandbox.localized == "keyed"


async def test_device_binding_of_refresh_tokens_can_be_switched_off() -> None:
    """With refresh_bound_to_device=False a refresh from another fingerprint is accepted."""
    sandbox = OneEntrySandbox(refresh_bound_to_device=False)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://oneentry.test") as http:
        guest = Guest(http, sandbox)
        await guest.sign_in()
        other = guest.headers(bearer=False, fingerprint="UQ_other-module")
        answer = await http.post(REFRESH, json={"refreshToken": guest.refresh}, headers=other)
        assert answer.status_code == 200
