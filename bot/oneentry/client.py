"""An async client for OneEntry's content API, acting as the shop's shared guest user.

Catalog and form reads go out with the app token only. Order and payment calls need a user:
the client signs the guest in on the first such call and keeps the token pair. When a call
gets 401 it renews the pair once - with the refresh token, or by signing in again when the
refresh token is refused - and retries that call once. Refresh tokens are single-use, so
renewals are serialized by one lock; a task that waited for the lock while another one
renewed simply retries with the new token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar
from urllib.parse import quote

import httpx

from bot.oneentry.errors import (
    OneEntryAuthError,
    OneEntryBadResponse,
    OneEntryError,
    OneEntryNotFound,
    OneEntryRejected,
    OneEntryUnavailable,
)
from bot.oneentry.models import (
    Form,
    FormValue,
    Order,
    OrderPage,
    PaymentAccount,
    PaymentSession,
    Product,
    ProductPage,
    WireError,
    as_list,
    as_object,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MESSAGE_LIMIT = 500

# Failures raised before any byte of the request can have reached the server.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)


def default_timeout(read: float = 10.0) -> httpx.Timeout:
    """Explicit per-phase timeouts for the AsyncClient that talks to OneEntry."""
    return httpx.Timeout(connect=5.0, read=read, write=10.0, pool=5.0)


@dataclass(frozen=True)
class _Tokens:
    access: str = field(repr=False)
    refresh: str = field(repr=False)


class TokenKeeper(Protocol):
    """Keeps the guest session between runs, so a restart does not sign in again."""

    async def load(self) -> tuple[str, str] | None:
        """The access and refresh tokens kept last, if any."""

    async def save(self, access: str, refresh: str) -> None:
        """Keep the current tokens (refresh tokens are single use: keep every new pair)."""


class _RefreshRefused(Exception):
    """The refresh token was not accepted (used, expired, other device); sign in again."""


class OneEntryClient:
    """Typed calls to the content API over an injected httpx.AsyncClient."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        project_url: str,
        app_token: str,
        guest_login: str,
        guest_password: str,
        auth_provider: str = "email",
        fingerprint: str,
        lang: str = "en_US",
        login_marker: str = "email_reg",
        password_marker: str = "password_reg",
        token_keeper: TokenKeeper | None = None,
    ) -> None:
        self._http = http
        self._project_url = project_url.rstrip("/")
        self._base = f"{self._project_url}/api/content"
        self._app_token = app_token
        self._guest_login = guest_login
        self._guest_password = guest_password
        self._auth_path = f"/users-auth-providers/marker/{_segment(auth_provider)}/users"
        self._lang = lang
        self._login_marker = login_marker
        self._password_marker = password_marker
        # one stable fingerprint: refresh tokens are bound to the device that signed in
        self._device_metadata = json.dumps(
            {
                "fingerprint": f"UQ_{fingerprint}",
                "deviceInfo": {
                    "os": "Python",
                    "browser": f"oneentry-order-bot/{fingerprint[:10]}",
                    "location": lang.replace("_", "-"),
                },
            }
        )
        self._tokens: _Tokens | None = None
        self._auth_lock = asyncio.Lock()
        self._keeper = token_keeper

    def __repr__(self) -> str:
        return f"OneEntryClient(project_url={self._project_url!r}, lang={self._lang!r})"

    @property
    def lang(self) -> str:
        return self._lang

    # --- catalog and forms (app token only) ------------------------------------------------

    async def list_products(
        self, offset: int = 0, limit: int = 30, lang: str | None = None
    ) -> ProductPage:
        """One page of products in the shop's position order."""
        lang = lang or self._lang
        params: dict[str, str | int] = {
            "langCode": lang,
            "offset": offset,
            "limit": limit,
            "sortOrder": "ASC",
            "sortKey": "position",
        }
        data = await self._call(
            "POST", "/products/all", params=params, body={"filter": []}, idempotent=True
        )
        return self._parse(
            lambda d: ProductPage.from_wire(d, lang), data, "POST", "/products/all", safe=True
        )

    async def get_product(self, product_id: int, lang: str | None = None) -> Product:
        """One product; raises OneEntryNotFound for an unknown id."""
        lang = lang or self._lang
        path = f"/products/{int(product_id)}"
        data = await self._call("GET", path, params={"langCode": lang})
        return self._parse(lambda d: Product.from_wire(d, lang), data, "GET", path)

    async def get_form(self, marker: str, lang: str | None = None) -> Form:
        """A form with its attributes sorted by position (validators kept as sent)."""
        lang = lang or self._lang
        path = f"/forms/marker/{_segment(marker)}"
        data = await self._call("GET", path, params={"langCode": lang})
        return self._parse(lambda d: Form.from_wire(d, lang), data, "GET", path)

    # --- orders and payments (guest user) --------------------------------------------------

    async def create_order(
        self,
        storage_marker: str,
        form_identifier: str,
        payment_account: str,
        form_data: Sequence[FormValue],
        products: Sequence[tuple[int, int]],
        lang: str | None = None,
    ) -> Order:
        """Create an order. Not idempotent: after maybe_applied errors, look before retrying."""
        lang = lang or self._lang
        path = f"/orders-storage/marker/{_segment(storage_marker)}/orders"
        body = {
            "formIdentifier": form_identifier,
            "paymentAccountIdentifier": payment_account,
            # formData travels keyed by locale; the route takes no langCode query
            "formData": {lang: [value.to_wire() for value in form_data]},
            "products": [
                {"productId": int(product_id), "quantity": int(quantity)}
                for product_id, quantity in products
            ],
        }
        data = await self._call("POST", path, body=body, user=True)
        return self._parse(lambda d: Order.from_wire(d, lang), data, "POST", path)

    async def get_order(self, storage_marker: str, order_id: int, lang: str | None = None) -> Order:
        lang = lang or self._lang
        path = f"/orders-storage/marker/{_segment(storage_marker)}/orders/{int(order_id)}"
        data = await self._call("GET", path, params={"langCode": lang}, user=True)
        return self._parse(lambda d: Order.from_wire(d, lang), data, "GET", path)

    async def list_orders(
        self, storage_marker: str, offset: int = 0, limit: int = 30, lang: str | None = None
    ) -> OrderPage:
        """The guest user's orders in a storage (all the bot's orders share that user)."""
        lang = lang or self._lang
        path = f"/orders-storage/marker/{_segment(storage_marker)}/orders"
        params: dict[str, str | int] = {"langCode": lang, "limit": limit, "offset": offset}
        data = await self._call("GET", path, params=params, user=True)
        return self._parse(lambda d: OrderPage.from_wire(d, lang), data, "GET", path)

    async def create_session(
        self, order_id: int, *, type: str = "session", automatic_tax_enabled: bool = False
    ) -> PaymentSession:
        """Open a payment session for an order (cash accounts answer with paymentUrl null)."""
        path = "/payments/sessions"
        body = {
            "orderId": int(order_id),
            "type": type,
            "automaticTaxEnabled": automatic_tax_enabled,
        }
        data = await self._call("POST", path, body=body, user=True)
        return self._parse(PaymentSession.from_wire, data, "POST", path)

    async def sessions_by_order(self, order_id: int) -> list[PaymentSession]:
        path = f"/payments/sessions/order/{int(order_id)}"
        data = await self._call("GET", path, user=True)
        return self._parse(PaymentSession.list_from_wire, data, "GET", path)

    async def payment_accounts(self, lang: str | None = None) -> list[PaymentAccount]:
        lang = lang or self._lang
        path = "/payments/accounts"
        data = await self._call("GET", path, user=True)

        def parse(d: object) -> list[PaymentAccount]:
            return [PaymentAccount.from_wire(item, lang) for item in as_list(d, "accounts")]

        return self._parse(parse, data, "GET", path)

    # --- calls, auth and errors ------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
        user: bool = False,
        idempotent: bool | None = None,
    ) -> object:
        """Send one call; user calls carry the guest's token and get one renewal on 401."""
        safe = method == "GET" if idempotent is None else idempotent
        if not user:
            response = await self._send(method, path, params, body, None, safe)
            return self._result(response, method, path, safe)
        tokens = await self._signed_in()
        response = await self._send(method, path, params, body, tokens.access, safe)
        if response.status_code == 401:
            logger.info("OneEntry refused the access token on %s %s; renewing", method, path)
            tokens = await self._renew(stale=tokens)
            response = await self._send(method, path, params, body, tokens.access, safe)
        return self._result(response, method, path, safe)

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        body: object,
        access_token: str | None,
        safe: bool,
    ) -> httpx.Response:
        headers = {"x-app-token": self._app_token, "Content-Type": "application/json"}
        if method == "POST":
            headers["x-device-metadata"] = self._device_metadata
        if access_token is not None:
            headers["Authorization"] = f"Bearer {access_token}"
        content = None if body is None else json.dumps(body).encode()
        started = time.monotonic()
        try:
            response = await self._http.request(
                method, self._base + path, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            maybe_applied = not safe and not isinstance(exc, _NOT_SENT)
            detail = self._redact(str(exc))
            message = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            logger.warning("OneEntry %s %s failed: %s", method, path, message)
            # `from None`: the httpx error holds the request, headers and tokens included
            raise OneEntryUnavailable(
                message, maybe_applied=maybe_applied, method=method, path=path
            ) from None
        logger.debug(
            "OneEntry %s %s -> %d in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response

    def _result(self, response: httpx.Response, method: str, path: str, safe: bool) -> object:
        if response.is_success:
            return self._json(response, method, path, safe)
        raise self._error(response, method, path, safe)

    def _json(self, response: httpx.Response, method: str, path: str, safe: bool) -> object:
        if not response.content:
            return {}
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            raise OneEntryBadResponse(
                "the answer is not JSON",
                maybe_applied=not safe,
                status=response.status_code,
                method=method,
                path=path,
            ) from None

    def _parse(
        self,
        parse: Callable[[object], T],
        data: object,
        method: str,
        path: str,
        *,
        safe: bool | None = None,
    ) -> T:
        try:
            return parse(data)
        except WireError as exc:
            raise OneEntryBadResponse(
                f"unexpected answer: {exc}",
                maybe_applied=not (method == "GET" if safe is None else safe),
                method=method,
                path=path,
            ) from None

    def _error(self, response: httpx.Response, method: str, path: str, safe: bool) -> OneEntryError:
        status = response.status_code
        message = self._server_message(response)
        if status == 401:
            return OneEntryAuthError(
                message or "unauthorized", status=status, method=method, path=path
            )
        if message is None or status == 429 or status >= 500 or status < 400:
            if message is None:
                message = f"OneEntry answered HTTP {status} with a non-JSON body"
            elif status < 400:
                message = f"unexpected HTTP status {status}"
            # a 5xx (or an odd status) may come after the server committed the change
            maybe_applied = not safe and status != 429 and not 400 <= status < 500
            return OneEntryUnavailable(
                message, maybe_applied=maybe_applied, status=status, method=method, path=path
            )
        if status == 404:
            return OneEntryNotFound(message, status=status, method=method, path=path)
        return OneEntryRejected(message, status=status, method=method, path=path)

    def _server_message(self, response: httpx.Response) -> str | None:
        """The error body's message (arrays joined); None when the body is not JSON."""
        try:
            data = json.loads(response.content)
        except ValueError:
            return None
        text: str | None = None
        if isinstance(data, Mapping):
            raw = data.get("message")
            if isinstance(raw, list):
                text = "; ".join(str(part) for part in raw if part is not None and part != "")
            elif isinstance(raw, str):
                text = raw
            elif isinstance(data.get("error"), str):
                text = data["error"]
        text = self._redact(text or f"HTTP {response.status_code}")
        return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"

    def _redact(self, text: str) -> str:
        secrets = [self._app_token, self._guest_password]
        if self._tokens is not None:
            secrets += [self._tokens.access, self._tokens.refresh]
        for secret in secrets:
            if len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    async def _signed_in(self) -> _Tokens:
        if self._tokens is not None:
            return self._tokens
        async with self._auth_lock:
            if self._tokens is None:
                self._tokens = await self._kept_tokens()
            if self._tokens is None:
                self._tokens = await self._keep(await self._sign_in())
            return self._tokens

    async def _renew(self, *, stale: _Tokens) -> _Tokens:
        """New tokens after `stale` was refused; one renewal at a time."""
        async with self._auth_lock:
            current = self._tokens
            if current is not None and current is not stale:
                return current  # another task renewed while this one waited
            if current is not None:
                try:
                    self._tokens = await self._keep(await self._refresh(current))
                    return self._tokens
                except _RefreshRefused:
                    logger.info("OneEntry refused the refresh token; signing the guest in again")
            self._tokens = None
            self._tokens = await self._keep(await self._sign_in())
            return self._tokens

    async def _kept_tokens(self) -> _Tokens | None:
        if self._keeper is None:
            return None
        try:
            kept = await self._keeper.load()
        except Exception as exc:  # a store that cannot be read only costs a sign-in
            logger.warning("kept OneEntry session not readable: %s", type(exc).__name__)
            return None
        return None if kept is None else _Tokens(*kept)

    async def _keep(self, tokens: _Tokens) -> _Tokens:
        if self._keeper is not None:
            try:
                await self._keeper.save(tokens.access, tokens.refresh)
            except Exception as exc:  # the session works; only a restart would sign in again
                logger.warning("OneEntry session not kept: %s", type(exc).__name__)
        return tokens

    async def _refresh(self, tokens: _Tokens) -> _Tokens:
        path = f"{self._auth_path}/refresh"
        response = await self._send(
            "POST", path, None, {"refreshToken": tokens.refresh}, None, safe=True
        )
        if response.is_success:
            logger.info("OneEntry guest tokens refreshed")
            return self._tokens_from(response, path)
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise _RefreshRefused
        raise self._error(response, "POST", path, safe=True)

    async def _sign_in(self) -> _Tokens:
        path = f"{self._auth_path}/auth"
        body = {
            "authData": [
                {"marker": self._login_marker, "value": self._guest_login},
                {"marker": self._password_marker, "value": self._guest_password},
            ]
        }
        response = await self._send("POST", path, None, body, None, safe=True)
        if response.is_success:
            logger.info("OneEntry guest signed in")
            return self._tokens_from(response, path)
        error = self._error(response, "POST", path, safe=True)
        if isinstance(error, OneEntryUnavailable):
            raise error
        raise OneEntryAuthError(
            f"guest sign-in refused: {error.message}",
            status=response.status_code,
            method="POST",
            path=path,
        )

    def _tokens_from(self, response: httpx.Response, path: str) -> _Tokens:
        data = self._json(response, "POST", path, safe=True)
        return self._parse(_parse_tokens, data, "POST", path, safe=True)


def _parse_tokens(data: object) -> _Tokens:
    # only the two tokens: newer APIs may leave out userIdentifier/authProviderIdentifier
    obj = as_object(data, "auth answer")
    access, refresh = obj.get("accessToken"), obj.get("refreshToken")
    if not isinstance(access, str) or not access:
        raise WireError("accessToken is missing")
    if not isinstance(refresh, str) or not refresh:
        raise WireError("refreshToken is missing")
    return _Tokens(access, refresh)


def _segment(value: str) -> str:
    """A marker as one URL path segment."""
    return quote(value, safe="")
