"""OneEntry content API sandbox: a Starlette app that behaves like a OneEntry project.

It serves the `/api/content/...` routes the ordering bot uses (auth, products, forms, order
storages, orders, payments) from a JSON seed, and `/_sandbox/...` control routes that let tests
and the demo inject faults, move order and payment statuses, and read what was received.
"""

from __future__ import annotations

import asyncio
import collections
import html
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from importlib import resources
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.sandbox.oneentry_api import API_PREFIX, ApiCall, ContentApi, SandboxConfig
from bot.sandbox.oneentry_auth import TokenStore
from bot.sandbox.oneentry_store import ShopStore
from bot.sandbox.oneentry_wire import error_response, json_response

__all__ = ["SANDBOX_APP_TOKEN", "OneEntrySandbox", "RecordedRequest", "load_seed"]


def load_seed() -> dict[str, Any]:
    """The packaged seed: a small coffee shop with a guest-order form and storage."""
    text = resources.files("bot.sandbox").joinpath("oneentry_seed.json").read_text("utf-8")
    seed: dict[str, Any] = json.loads(text)
    return seed


SANDBOX_APP_TOKEN: str = load_seed()["appToken"]


@dataclass(frozen=True)
class RecordedRequest:
    """One API request as received (headers left out: they carry secrets)."""

    method: str
    path: str
    route: str | None  # None for a path the API does not know
    query: Mapping[str, str]
    json: Any


@dataclass
class _Fault:
    status: int
    delay: float
    after_commit: bool
    body: str | None


class OneEntrySandbox:
    """An in-memory OneEntry project. See the module docstring; `app` is the ASGI app.

    refresh_bound_to_device=False lets a refresh come from another fingerprint than the
    sign-in's (only for clients that cannot keep one fingerprint, like the JS SDK on Node.js).
    """

    def __init__(
        self,
        seed: Mapping[str, Any] | None = None,
        *,
        access_token_ttl: float = 3600.0,
        localized: Literal["keyed", "flat"] = "keyed",
        refresh_bound_to_device: bool = True,
    ) -> None:
        data = dict(seed) if seed is not None else load_seed()
        self.app_token: str = data["appToken"]
        self.guest_login: str = data["guest"]["login"]
        self.guest_password: str = data["guest"]["password"]
        self._config = SandboxConfig(self.app_token, float(access_token_ttl), localized)
        self._store = ShopStore(data)
        self._tokens = TokenStore()
        self._tokens.bind_to_device = refresh_bound_to_device
        self._api = ContentApi(
            self._store,
            self._tokens,
            self._config,
            {
                "provider": data["authProvider"],
                "login": self.guest_login,
                "password": self.guest_password,
            },
        )
        self._faults: dict[str, collections.deque[_Fault]] = collections.defaultdict(
            collections.deque
        )
        self.requests: list[RecordedRequest] = []
        self.app: ASGIApp = self._build_app()

    def __repr__(self) -> str:
        return f"OneEntrySandbox(orders={len(self.orders)}, sessions={len(self.sessions)})"

    # -- settings and state ------------------------------------------------------------------

    @property
    def access_token_ttl(self) -> float:
        return self._config.access_token_ttl

    @access_token_ttl.setter
    def access_token_ttl(self, seconds: float) -> None:
        self._config.access_token_ttl = float(seconds)

    @property
    def localized(self) -> Literal["keyed", "flat"]:
        return self._config.localized

    @localized.setter
    def localized(self, mode: Literal["keyed", "flat"]) -> None:
        if mode not in ("keyed", "flat"):
            raise ValueError(f"localized must be 'keyed' or 'flat', not {mode!r}")
        self._config.localized = mode

    @property
    def orders(self) -> list[dict[str, Any]]:
        """Every created order in creation order, as stored (totalSum and prices are Decimal)."""
        return self._store.orders

    @property
    def sessions(self) -> list[dict[str, Any]]:
        return self._store.sessions

    @property
    def route_names(self) -> frozenset[str]:
        return self._api.route_names

    # -- test controls -----------------------------------------------------------------------

    def fail(
        self,
        route: str,
        *,
        status: int = 500,
        count: int = 1,
        delay: float = 0.0,
        after_commit: bool = False,
        body: str | None = None,
    ) -> None:
        """Make the next `count` calls of `route` answer `status` after sleeping `delay` s.

        status 0 only delays (a slow but normal answer); after_commit=True does the work first
        (e.g. stores the order) and then delays/fails: the ambiguous-outcome case. `body`
        replaces the JSON error body with raw text/html (a proxy's error page).
        """
        if route not in self.route_names:
            raise ValueError(f"unknown route {route!r}; known: {sorted(self.route_names)}")
        if status != 0 and not 400 <= status <= 599:
            raise ValueError("status must be 0 (delay only) or an HTTP error status")
        for _ in range(count):
            self._faults[route].append(_Fault(status, delay, after_commit, body))

    def clear_faults(self) -> None:
        """Forget every prepared fault: the service is healthy again."""
        self._faults.clear()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 (refresh tokens still work)."""
        self._tokens.expire_access_tokens()

    def set_order_status(self, order_id: int, status_identifier: str) -> None:
        self._store.set_order_status(order_id, status_identifier)

    def set_session_status(
        self, session_id: int, status: str, payment_url: str | None = None
    ) -> None:
        self._store.set_session_status(session_id, status, payment_url)

    def set_product_price(self, product_id: int, price: Decimal | float) -> None:
        self._store.set_product_price(product_id, price)

    # -- HTTP ----------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        routes = [
            Route("/_sandbox/orders", self._ctl_orders, methods=["GET"]),
            Route("/_sandbox/sessions", self._ctl_sessions, methods=["GET"]),
            Route("/_sandbox/requests", self._ctl_requests, methods=["GET"]),
            Route("/_sandbox/faults", self._ctl_faults, methods=["POST", "DELETE"]),
            Route("/_sandbox/config", self._ctl_config, methods=["POST"]),
            Route("/_sandbox/expire-tokens", self._ctl_expire, methods=["POST"]),
            Route("/_sandbox/orders/{id:int}/status", self._ctl_order_status, methods=["POST"]),
            Route("/_sandbox/sessions/{id:int}/status", self._ctl_session_status, methods=["POST"]),
            Route("/_sandbox/products/{id:int}/price", self._ctl_price, methods=["POST"]),
            Route("/_sandbox/pay/{id:int}", self._pay_page, methods=["GET", "POST"]),
            Route("/{path:path}", self._content, methods=methods),
        ]
        return Starlette(routes=routes)

    async def _content(self, request: Request) -> Response:
        path = request.url.path
        query = dict(request.query_params)
        raw = await request.body()
        body: Any = None
        bad_json = False
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
        matched = self._api.match(request.method, path) if path.startswith(API_PREFIX) else None
        self.requests.append(
            RecordedRequest(request.method, path, matched[0] if matched else None, query, body)
        )
        if matched is None:
            return error_response(404, f"Cannot {request.method} {path}")
        name, handler, params = matched
        if bad_json:
            return error_response(400, "Unexpected token in JSON body")
        call = ApiCall(
            route=name,
            params=params,
            query=query,
            body=body,
            headers=request.headers,
            base_url=str(request.base_url).rstrip("/"),
        )
        fault = self._faults[name].popleft() if self._faults[name] else None
        if fault is None:
            return await self._api.answer(call, handler)
        if fault.after_commit:
            response = await self._api.answer(call, handler)
            await asyncio.sleep(fault.delay)
            return response if fault.status == 0 else self._fault_response(fault)
        await asyncio.sleep(fault.delay)
        if fault.status == 0:
            return await self._api.answer(call, handler)
        return self._fault_response(fault)

    @staticmethod
    def _fault_response(fault: _Fault) -> Response:
        if fault.body is not None:
            return HTMLResponse(fault.body, status_code=fault.status)
        return error_response(fault.status)

    # -- control routes --------------------------------------------------------------------

    async def _ctl_orders(self, request: Request) -> Response:
        return json_response(self.orders)

    async def _ctl_sessions(self, request: Request) -> Response:
        return json_response(self.sessions)

    async def _ctl_requests(self, request: Request) -> Response:
        return json_response([asdict(r) for r in self.requests])

    async def _ctl_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.clear_faults()
            return json_response({"ok": True})
        body = await _json_object(request)
        try:
            self.fail(
                str(body["route"]),
                status=int(body.get("status", 500)),
                count=int(body.get("count", 1)),
                delay=float(body.get("delay", 0.0)),
                after_commit=bool(body.get("after_commit", False)),
                body=body.get("body"),
            )
        except (KeyError, TypeError, ValueError) as problem:
            return error_response(400, f"bad fault: {problem}")
        return json_response({"ok": True})

    async def _ctl_config(self, request: Request) -> Response:
        body = await _json_object(request)
        try:
            if "access_token_ttl" in body:
                self.access_token_ttl = float(body["access_token_ttl"])
            if "localized" in body:
                self.localized = body["localized"]
        except (TypeError, ValueError) as problem:
            return error_response(400, f"bad config: {problem}")
        return json_response(
            {"access_token_ttl": self.access_token_ttl, "localized": self.localized}
        )

    async def _ctl_expire(self, request: Request) -> Response:
        self.expire_access_tokens()
        return json_response({"ok": True})

    async def _ctl_order_status(self, request: Request) -> Response:
        body = await _json_object(request)
        if not isinstance(body.get("statusIdentifier"), str):
            return error_response(400, "statusIdentifier (a string) is required")
        try:
            self.set_order_status(request.path_params["id"], body["statusIdentifier"])
        except KeyError as problem:
            return error_response(404, f"not found: {problem}")
        except ValueError as problem:
            return error_response(400, str(problem))
        return json_response({"ok": True})

    async def _ctl_session_status(self, request: Request) -> Response:
        body = await _json_object(request)
        if not isinstance(body.get("status"), str):
            return error_response(400, "status (a string) is required")
        url = body.get("paymentUrl")
        try:
            self.set_session_status(request.path_params["id"], body["status"], url)
        except KeyError as problem:
            return error_response(404, f"not found: {problem}")
        return json_response({"ok": True})

    async def _ctl_price(self, request: Request) -> Response:
        body = await _json_object(request)
        try:
            price = Decimal(str(body["price"]))
        except (KeyError, ArithmeticError):
            return error_response(400, "price (a number) is required")
        try:
            self.set_product_price(request.path_params["id"], price)
        except KeyError as problem:
            return error_response(404, f"not found: {problem}")
        return json_response({"ok": True})

    async def _pay_page(self, request: Request) -> Response:
        """The card payment page a Stripe session links to: one button that pays."""
        session_id = request.path_params["id"]
        try:
            session = self._store.session(session_id)
        except KeyError:
            return HTMLResponse("<h1>Unknown payment</h1>", status_code=404)
        if request.method == "POST":
            self.set_session_status(session_id, "completed")
            return HTMLResponse("<h1>Paid. You can return to the chat.</h1>")
        amount = html.escape(str(session["amount"]))
        return HTMLResponse(
            f"<h1>Sandbox payment #{session_id}</h1><p>Amount: {amount}</p>"
            f'<form method="post"><button>Pay</button></form>'
        )


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
