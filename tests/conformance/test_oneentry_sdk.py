"""The official OneEntry JS SDK accepts what the OneEntry sandbox answers.

`oneentry_sdk/guest_order.mjs` runs OneEntry's guest-order example through the SDK (pinned in
`oneentry_sdk/package.json`) with strict response validation, so every answer is checked
against the SDK's own zod schemas; the script checks the few answers the SDK leaves unchecked
with the SDK's exported schemas. It prints one JSON report, which these tests read.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.sandbox.oneentry import OneEntrySandbox
from bot.sandbox.serving import serve

SDK_DIR = Path(__file__).parent / "oneentry_sdk"
SCRIPT = SDK_DIR / "guest_order.mjs"
RUN_TIMEOUT = 60.0  # seconds; a run takes about one
ORDERS_PATH = "/api/content/orders-storage/marker/guest_orders/orders"
REFRESH_PATH = "/api/content/users-auth-providers/marker/email/users/refresh"
AUTH_PATH = "/api/content/users-auth-providers/marker/email/users/auth"

# Every SDK call of the script, and who checks its answer against the SDK's schema.
EXPECTED_CHECKS = {
    ("AuthProvider.auth", "sdk"),
    ("AuthProvider.getAuthProviders", "sdk"),
    ("AuthProvider.getAuthProviderByMarker", "script"),
    ("Products.getProducts", "sdk"),
    ("Products.getProductById", "sdk"),
    ("Forms.getFormByMarker", "sdk"),
    ("Orders.getAllOrdersStorage", "script"),
    ("Orders.getOrdersStorageByMarker", "script"),
    ("Payments.getAccounts", "sdk"),
    ("Payments.getAccountById", "script"),
    ("Orders.createOrder", "sdk"),
    ("Payments.createSession", "sdk"),
    ("Payments.getSessionByOrderId", "sdk"),
    ("Payments.getSessionById", "script"),
    ("Payments.getSessions", "sdk"),
    ("Orders.getOrderByMarkerAndId", "sdk"),
    ("Orders.getAllOrdersByMarker", "sdk"),
}
REFERENCE_FORM_DATA = [
    {"marker": "guest_name", "type": "string", "value": "Christina Thomas"},
    {"marker": "guest_phone", "type": "string", "value": "+18005000500"},
    {"marker": "guest_email", "type": "string", "value": "guest@yourmail.com"},
]


@dataclass(frozen=True)
class SdkRun:
    """What the SDK script did: its exit code, its JSON report and its stderr."""

    exit_code: int
    report: dict[str, Any]
    stderr: str

    @property
    def results(self) -> dict[str, Any]:
        results: dict[str, Any] = self.report.get("results", {})
        return results

    @property
    def exchanges(self) -> list[tuple[str, str, int]]:
        return [(e["method"], e["path"], e["status"]) for e in self.report.get("exchanges", [])]

    def fingerprint_of(self, path: str) -> str:
        """The device fingerprint the first request to `path` carried."""
        return str(next(e["fingerprint"] for e in self.report["exchanges"] if e["path"] == path))

    def explain(self) -> str:
        failure = json.dumps(self.report.get("failure"), indent=2)
        return f"exit {self.exit_code}, failure: {failure}\nstderr:\n{self.stderr}"


def node_binary() -> str:
    """The `node` to run the script with; fails (never skips) when Node.js or the SDK is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: the SDK conformance tests need Node.js 20+ and npm")
    if not (SDK_DIR / "node_modules" / "oneentry" / "package.json").is_file():
        pytest.fail(
            "the OneEntry SDK is not installed: run `make test`, "
            "or `npm ci` in tests/conformance/oneentry_sdk"
        )
    return node


async def run_sdk(url: str, sandbox: OneEntrySandbox, *, pause_before_order: float = 0.0) -> SdkRun:
    """Run the guest-order script against `url` and parse its report."""
    node = node_binary()
    env = {
        **os.environ,
        # secrets go through the environment, not the command line
        "ONEENTRY_URL": url,
        "ONEENTRY_APP_TOKEN": sandbox.app_token,
        "ONEENTRY_GUEST_LOGIN": sandbox.guest_login,
        "ONEENTRY_GUEST_PASSWORD": sandbox.guest_password,
        "ONEENTRY_PAUSE_BEFORE_ORDER_MS": str(round(pause_before_order * 1000)),
    }
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        cwd=SDK_DIR,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"the SDK script did not finish within {RUN_TIMEOUT:.0f} s")
    assert process.returncode is not None
    try:
        report = json.loads(stdout)
    except ValueError:
        pytest.fail(
            f"the SDK script printed no JSON report (exit {process.returncode}):\n"
            f"stdout:\n{stdout.decode(errors='replace')}\nstderr:\n{stderr.decode(errors='replace')}"
        )
    return SdkRun(process.returncode, report, stderr.decode(errors="replace"))


# -- a corrupting proxy, to prove the checks can fail ---------------------------------------------


def set_field(path: tuple[str | int, ...], value: Any) -> Callable[[Any], None]:
    """A change that puts `value` at `path` inside a JSON answer."""

    def change(body: Any) -> None:
        for step in path[:-1]:
            body = body[step]
        body[path[-1]] = value

    return change


class CorruptOneAnswer:
    """Serves `app`, but alters the JSON body of successful answers to one method and path."""

    def __init__(self, app: ASGIApp, method: str, path: str, change: Callable[[Any], None]) -> None:
        self.app = app
        self.method = method
        self.path = re.compile(path)
        self.change = change
        self.altered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hit = (
            scope["type"] == "http"
            and scope["method"] == self.method
            and self.path.fullmatch(scope["path"])
        )
        if not hit:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def altered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if 200 <= start["status"] < 300:
                data = json.loads(body)
                self.change(data)
                body = json.dumps(data).encode()
                self.altered += 1
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, altered_send)


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("localized", ["keyed", "flat"])
async def test_the_sdk_places_the_reference_guest_order_and_accepts_every_answer(
    localized: Literal["keyed", "flat"],
) -> None:
    """Sign-in, catalogue, form, storages, accounts, order and session pass the SDK's schemas."""
    sandbox = OneEntrySandbox(localized=localized)
    async with serve(sandbox.app) as url:
        run = await run_sdk(url, sandbox)

    assert run.exit_code == 0 and run.report["ok"] is True, run.explain()
    checks = run.report["checks"]
    assert {(c["call"], c["checkedBy"]) for c in checks} == EXPECTED_CHECKS
    assert all(c["passed"] for c in checks)

    results = run.results
    assert results["signIn"] == {
        "userIdentifier": sandbox.guest_login,
        "authProviderIdentifier": "email",
    }
    assert results["product"] == {"id": 15, "title": "Cappuccino", "price": 400}
    assert results["form"]["markers"][:3] == ["guest_name", "guest_phone", "guest_email"]
    assert results["storage"]["paymentAccounts"] == ["cash", "card"]
    assert results["account"] == {"id": 1, "identifier": "cash", "type": "custom"}

    order = results["order"]
    assert (order["totalSum"], order["currency"]) == (400, "USD")
    assert order["products"] == [{"productId": 15, "quantity": 1}]
    assert order["statusIdentifier"] == "guest_upcoming"
    # Strict mode returns what the zod schema parsed, and the 1.0.149 CreateOrderResponseSchema
    # has no statusLocalizeInfos: the status title is read back from the order instead.
    read = results["orderRead"]
    assert read["statusIdentifier"] == "guest_upcoming"
    assert read["statusLocalizeInfos"] == {"title": "Upcoming"}
    assert (read["id"], read["totalSum"], read["currency"]) == (order["id"], "400.00", "USD")

    session = results["session"]
    assert (session["type"], session["status"]) == ("session", "waiting")
    assert (session["orderId"], session["paymentUrl"]) == (order["id"], None)
    assert results["sessionsByOrder"] == [session]
    assert results["sessionById"] == session
    assert results["orders"] == {"total": 1, "ids": [order["id"]]}

    assert len(sandbox.orders) == 1 and len(sandbox.sessions) == 1
    stored = sandbox.orders[0]
    assert (stored["id"], stored["totalSum"]) == (order["id"], Decimal(400))
    # the SDK wraps formData in a locale map on the wire
    assert stored["formData"] == {"en_US": REFERENCE_FORM_DATA}
    assert sandbox.sessions[0]["orderId"] == order["id"]
    assert "refresh" not in {r.route for r in sandbox.requests}


async def test_an_expired_access_token_is_refreshed_and_the_order_call_retried() -> None:
    """With a 1 s token lifetime the SDK's 401 -> refresh -> retry places the order once."""
    # The SDK on Node.js gives each of its modules its own random device fingerprint, so the
    # refresh (sent by the Orders module) never carries the fingerprint AuthProvider signed in
    # with; a refresh bound to the device would be refused and the order call fail with 401.
    sandbox = OneEntrySandbox(access_token_ttl=1.0, refresh_bound_to_device=False)
    async with serve(sandbox.app) as url:
        # the pause outlasts the token, whenever it was issued: the order call must get a 401
        run = await run_sdk(url, sandbox, pause_before_order=1.5)

    assert run.exit_code == 0 and run.report["ok"] is True, run.explain()
    routes = [r.route for r in sandbox.requests]
    first_order = routes.index("create_order")
    assert routes[first_order : first_order + 3] == ["create_order", "refresh", "create_order"]
    at = run.exchanges.index(("POST", ORDERS_PATH, 401))
    assert run.exchanges[at : at + 3] == [
        ("POST", ORDERS_PATH, 401),
        ("POST", REFRESH_PATH, 200),
        ("POST", ORDERS_PATH, 201),
    ]
    assert run.fingerprint_of(REFRESH_PATH) != run.fingerprint_of(AUTH_PATH)
    refreshes = [c for c in run.report["checks"] if c["call"] == "token refresh"]
    assert refreshes and all(c["passed"] for c in refreshes)
    assert len(sandbox.orders) == 1 and len(sandbox.sessions) == 1
    assert run.results["order"]["totalSum"] == 400


@dataclass(frozen=True)
class Breakage:
    """One field of one answer turned into a wrong type, and the check that must catch it."""

    method: str
    path: str
    change: Callable[[Any], None]
    call: str
    schema: str
    checked_by: Literal["sdk", "script"]
    field: list[str | int]


BREAKAGES = [
    pytest.param(
        Breakage(
            "POST",
            ORDERS_PATH,
            set_field(("formIdentifier",), 7),
            "Orders.createOrder",
            "CreateOrderResponseSchema",
            "sdk",
            ["formIdentifier"],
        ),
        id="create-order-form-identifier-as-number",
    ),
    pytest.param(
        Breakage(
            "POST",
            "/api/content/products/all",
            set_field(("items", 0, "price"), "400"),
            "Products.getProducts",
            "ProductsResponseSchema",
            "sdk",
            ["items", 0, "price"],
        ),
        id="products-price-as-string",
    ),
    pytest.param(
        Breakage(
            "GET",
            r"/api/content/payments/accounts/\d+",
            set_field(("identifier",), 1),
            "Payments.getAccountById",
            "PaymentAccountSchema",
            "script",
            ["identifier"],
        ),
        id="account-identifier-as-number",
    ),
]


@pytest.mark.parametrize("breakage", BREAKAGES)
async def test_one_broken_field_makes_the_sdk_script_fail_with_a_schema_error(
    breakage: Breakage,
) -> None:
    """A test of the test: an answer that breaks the SDK's schema is reported and stops the run."""
    sandbox = OneEntrySandbox()
    proxy = CorruptOneAnswer(sandbox.app, breakage.method, breakage.path, breakage.change)
    async with serve(proxy) as url:
        run = await run_sdk(url, sandbox)

    assert proxy.altered == 1
    assert run.exit_code == 1 and run.report["ok"] is False, run.explain()
    failure = run.report["failure"]
    assert (failure["call"], failure["statusCode"]) == (breakage.call, 422), run.explain()
    assert failure["message"] == "Response validation failed"
    assert failure["schemaValidation"] is True
    assert [issue["path"] for issue in failure["issues"]] == [breakage.field]
    assert run.report["checks"][-1] == {
        "call": breakage.call,
        "schema": breakage.schema,
        "checkedBy": breakage.checked_by,
        "passed": False,
    }
    assert sandbox.sessions == []


async def test_an_error_answer_makes_the_sdk_script_fail() -> None:
    """An HTTP error from the service is reported with its status, not taken as data."""
    sandbox = OneEntrySandbox()
    sandbox.fail("create_session", status=503)
    async with serve(sandbox.app) as url:
        run = await run_sdk(url, sandbox)

    assert run.exit_code == 1 and run.report["ok"] is False, run.explain()
    failure = run.report["failure"]
    assert (failure["call"], failure["statusCode"]) == ("Payments.createSession", 503)
    assert failure["schemaValidation"] is False
    assert len(sandbox.orders) == 1 and sandbox.sessions == []
