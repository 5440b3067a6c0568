"""The `/api/content` routes of the OneEntry sandbox: routing, token checks and handlers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response

from bot.sandbox.oneentry_auth import AuthError, TokenStore, parse_device_metadata
from bot.sandbox.oneentry_store import Rejected, ShopStore, unknown_keys
from bot.sandbox.oneentry_wire import (
    DEFAULT_LOCALE,
    Localized,
    error_response,
    json_response,
    localize,
)

API_PREFIX = "/api/content"
_LIST_LIMIT = 30


@dataclass
class SandboxConfig:
    """Settings a test may change while the sandbox runs."""

    app_token: str
    access_token_ttl: float
    localized: Localized

    def __repr__(self) -> str:  # the app token is a secret
        return f"SandboxConfig(ttl={self.access_token_ttl}, localized={self.localized!r})"


@dataclass(frozen=True)
class ApiCall:
    """One matched request: its route, path parameters, query and parsed JSON body."""

    route: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    headers: Headers
    base_url: str

    @property
    def lang(self) -> str:
        return self.query.get("langCode") or DEFAULT_LOCALE


Handler = Callable[[ApiCall], Awaitable[Response]]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler


def _compile(template: str) -> re.Pattern[str]:
    # Express routing is not strict: one trailing slash is optional (`/payments/sessions/`).
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{re.escape(API_PREFIX)}{regex}/?$")


def _paging(call: ApiCall) -> tuple[int, int]:
    try:
        offset = max(int(call.query.get("offset") or 0), 0)
        limit = max(int(call.query.get("limit") or _LIST_LIMIT), 0)
    except ValueError:
        raise Rejected(400, "offset and limit must be integers") from None
    return offset, limit


def _int_param(call: ApiCall, name: str, what: str) -> int:
    try:
        return int(call.params[name])
    except ValueError:
        raise Rejected(404, f"{what} with id {call.params[name]} not found") from None


class ContentApi:
    """Answers `/api/content/...` like OneEntry does, from a ShopStore and a TokenStore."""

    def __init__(
        self, store: ShopStore, tokens: TokenStore, config: SandboxConfig, auth: Mapping[str, Any]
    ) -> None:
        self.store = store
        self.tokens = tokens
        self.config = config
        self._provider = dict(auth["provider"])
        self._login: str = auth["login"]
        self._password: str = auth["password"]
        provider = "/users-auth-providers/marker/{marker}"
        storage = "/orders-storage/marker/{marker}"
        table: list[tuple[str, str, str, Handler]] = [
            ("POST", f"{provider}/users/auth", "auth", self.sign_in),
            ("POST", f"{provider}/users/refresh", "refresh", self.refresh),
            ("POST", f"{provider}/users/logout", "logout", self.logout),
            ("POST", f"{provider}/users/logout-all", "logout_all", self.logout_all),
            ("GET", "/users-auth-providers", "providers", self.providers),
            ("GET", provider, "provider", self.provider),
            ("POST", "/products/all", "products", self.products),
            ("GET", "/products/ids", "products_by_ids", self.products_by_ids),
            ("GET", "/products/{id}", "product", self.product),
            ("GET", "/product-statuses", "product_statuses", self.product_statuses),
            ("GET", "/forms", "forms", self.forms),
            ("GET", "/forms/marker/{marker}", "form", self.form),
            ("GET", "/orders-storage", "storages", self.storages),
            ("GET", storage, "storage", self.storage),
            ("GET", f"{storage}/order-statuses", "statuses", self.statuses),
            ("POST", f"{storage}/orders", "create_order", self.create_order),
            ("GET", f"{storage}/orders", "orders", self.orders),
            ("GET", f"{storage}/orders/{{id}}", "order", self.order),
            ("PUT", f"{storage}/orders/{{id}}", "update_order", self.update_order),
            ("GET", "/payments/accounts", "accounts", self.accounts),
            ("GET", "/payments/accounts/{id}", "account", self.account),
            ("POST", "/payments/sessions", "create_session", self.create_session),
            ("GET", "/payments/sessions", "sessions", self.sessions),
            ("GET", "/payments/sessions/order/{id}", "sessions_by_order", self.sessions_by_order),
            ("GET", "/payments/sessions/{id}", "session", self.session),
        ]
        self._routes = [_Route(m, _compile(t), n, h) for m, t, n, h in table]

    @property
    def route_names(self) -> frozenset[str]:
        return frozenset(route.name for route in self._routes)

    def match(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
        for route in self._routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route.name, route.handler, found.groupdict()
        return None

    async def answer(self, call: ApiCall, handler: Handler) -> Response:
        """Check the app token, then run the handler, turning refusals into error bodies."""
        if call.headers.get("x-app-token") != self.config.app_token:
            return error_response(403, "Resource is closed")
        try:
            return await handler(call)
        except (Rejected, AuthError) as refusal:
            return error_response(refusal.status, refusal.message)

    # -- helpers ---------------------------------------------------------------------------

    def _user(self, call: ApiCall) -> str:
        return self.tokens.user_for(call.headers.get("authorization"))

    def _render(
        self, data: Any, call: ApiCall, status: int = 200, lang: str | None = None
    ) -> Response:
        return json_response(localize(data, lang or call.lang, self.config.localized), status)

    def _check_provider(self, call: ApiCall) -> None:
        if call.params["marker"] != self._provider["identifier"]:
            raise Rejected(404, f"Auth provider with marker '{call.params['marker']}' not found")

    def _refresh_token_of(self, call: ApiCall) -> str:
        body = call.body
        if not isinstance(body, dict):
            raise Rejected(400, ["refreshToken must be a string"])
        extra = unknown_keys(body, frozenset({"refreshToken"}))
        if extra is not None:
            raise extra
        token = body.get("refreshToken")
        if not isinstance(token, str) or not token:
            raise Rejected(400, ["refreshToken must be a string"])
        return token

    # -- auth --------------------------------------------------------------------------------

    def _tokens_body(self, access: str, refresh: str) -> dict[str, str]:
        return {
            "userIdentifier": self._login,
            "authProviderIdentifier": self._provider["identifier"],
            "accessToken": access,
            "refreshToken": refresh,
        }

    async def sign_in(self, call: ApiCall) -> Response:
        self._check_provider(call)
        fingerprint = parse_device_metadata(call.headers.get("x-device-metadata"))
        body = call.body
        if not isinstance(body, dict) or not isinstance(body.get("authData"), list):
            raise Rejected(400, ["authData must be an array"])
        extra = unknown_keys(body, frozenset({"authData"}))
        if extra is not None:
            raise extra
        values: dict[str, Any] = {}
        for item in body["authData"]:
            if not isinstance(item, dict) or set(item) != {"marker", "value"}:
                raise Rejected(400, ["authData items must be objects {marker, value}"])
            values[str(item["marker"])] = item["value"]
        login_marker = self._provider["loginMarker"]
        password_marker = self._provider["passwordMarker"]
        if login_marker not in values or password_marker not in values:
            raise Rejected(400, f"authData needs '{login_marker}' and '{password_marker}'")
        # The real status for bad credentials is undocumented; 401 with a plain message is the
        # sandbox's choice (clients should treat any 4xx from sign-in as "credentials refused").
        if values[login_marker] != self._login or values[password_marker] != self._password:
            raise Rejected(401, "Invalid login or password")
        pair = self.tokens.sign_in(self._login, fingerprint, self.config.access_token_ttl)
        return json_response(self._tokens_body(pair.access_token, pair.refresh_token))

    async def refresh(self, call: ApiCall) -> Response:
        self._check_provider(call)
        fingerprint = parse_device_metadata(call.headers.get("x-device-metadata"))
        token = self._refresh_token_of(call)
        pair = self.tokens.refresh(token, fingerprint, self.config.access_token_ttl)
        return json_response(self._tokens_body(pair.access_token, pair.refresh_token))

    async def logout(self, call: ApiCall) -> Response:
        self._check_provider(call)
        fingerprint = parse_device_metadata(call.headers.get("x-device-metadata"))
        self.tokens.logout(self._refresh_token_of(call), fingerprint)
        return json_response(True)

    async def logout_all(self, call: ApiCall) -> Response:
        self._check_provider(call)
        self.tokens.logout_all(self._user(call))
        return json_response(True)

    def _provider_view(self) -> dict[str, Any]:
        keys = ("id", "identifier", "type", "formIdentifier", "userGroupIdentifier", "isActive")
        view = {key: self._provider[key] for key in keys}
        view.update(
            isCheckCode=self._provider["isCheckCode"],
            version=self._provider["version"],
            localizeInfos=self._provider["localizeInfos"],
            config=self._provider["config"],
        )
        return view

    async def providers(self, call: ApiCall) -> Response:
        return self._render([self._provider_view()], call)

    async def provider(self, call: ApiCall) -> Response:
        self._check_provider(call)
        return self._render(self._provider_view(), call)

    # -- catalogue ---------------------------------------------------------------------------

    async def products(self, call: ApiCall) -> Response:
        body = call.body
        filters = body.get("filter") if isinstance(body, dict) else body
        if body is None:
            filters = []
        if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
            raise Rejected(400, ["filter must be an array"])
        offset, limit = _paging(call)
        found = [
            p
            for p in self.store.products.values()
            if p["isVisible"] and all(_passes(p, f, call.lang) for f in filters)
        ]
        status = call.query.get("statusMarker")
        if status:
            found = [p for p in found if p["statusIdentifier"] == status]
        found = _sorted(found, call.query, call.lang)
        items = [self.store.product_view(p) for p in found[offset : offset + limit]]
        return self._render({"items": items, "total": len(found)}, call)

    async def products_by_ids(self, call: ApiCall) -> Response:
        ids: list[int] = []
        for raw in (call.query.get("ids") or "").split(","):
            if raw.strip().lstrip("-").isdigit():
                ids.append(int(raw))
        found = [p for p in (self.store.visible_product(i) for i in ids) if p is not None]
        return self._render([self.store.product_view(p) for p in found], call)

    async def product(self, call: ApiCall) -> Response:
        product = self.store.visible_product(_int_param(call, "id", "Product"))
        if product is None:
            raise Rejected(404, f"Product with id {call.params['id']} not found")
        return self._render(self.store.product_view(product), call)

    async def product_statuses(self, call: ApiCall) -> Response:
        # The SDK sends no langCode here and unwraps client-side: every locale is returned.
        return json_response(self.store.product_statuses)

    def _form_view(self, form: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in form.items() if key != "createdDate"}

    async def forms(self, call: ApiCall) -> Response:
        offset, limit = _paging(call)
        forms = list(self.store.forms.values())
        items = [self._form_view(f) for f in forms[offset : offset + limit]]
        return self._render({"total": len(forms), "items": items}, call)

    async def form(self, call: ApiCall) -> Response:
        form = self.store.forms.get(call.params["marker"])
        if form is None:
            raise Rejected(404, f"Form with marker '{call.params['marker']}' not found")
        return self._render(self._form_view(form), call)

    # -- order storages and orders ---------------------------------------------------------

    async def storages(self, call: ApiCall) -> Response:
        self._user(call)
        offset, limit = _paging(call)
        storages = list(self.store.storages.values())[offset : offset + limit]
        return self._render([self.store.storage_view(s) for s in storages], call)

    async def storage(self, call: ApiCall) -> Response:
        self._user(call)
        return self._render(
            self.store.storage_view(self.store.storage(call.params["marker"])), call
        )

    async def statuses(self, call: ApiCall) -> Response:
        self._user(call)
        storage = self.store.storage(call.params["marker"])
        offset, limit = _paging(call)
        statuses = sorted(storage["statuses"], key=lambda s: int(s.get("position") or 0))
        views = [self.store.status_view(s) for s in statuses[offset : offset + limit]]
        return self._render(views, call)

    async def create_order(self, call: ApiCall) -> Response:
        user = self._user(call)
        storage = self.store.storage(call.params["marker"])
        order = self.store.create_order(user, storage, call.body)
        # createOrder takes no langCode: the answer speaks the formData's locale.
        lang = next(iter(order["formData"]))
        return self._render(self.store.order_created_view(order), call, 201, lang=lang)

    async def orders(self, call: ApiCall) -> Response:
        user = self._user(call)
        storage = self.store.storage(call.params["marker"])
        offset, limit = _paging(call)
        mine = [
            o
            for o in reversed(self.store.orders)
            if o["userIdentifier"] == user and o["storageId"] == storage["id"]
        ]
        items = [self.store.order_view(o, call.lang) for o in mine[offset : offset + limit]]
        return self._render({"items": items, "total": len(mine)}, call)

    async def order(self, call: ApiCall) -> Response:
        user = self._user(call)
        storage = self.store.storage(call.params["marker"])
        order = self.store.user_order(user, storage, _int_param(call, "id", "Order"))
        return self._render(self.store.order_view(order, call.lang), call)

    async def update_order(self, call: ApiCall) -> Response:
        user = self._user(call)
        storage = self.store.storage(call.params["marker"])
        order = self.store.user_order(user, storage, _int_param(call, "id", "Order"))
        self.store.update_order(order, storage, call.body)
        return self._render(self.store.order_created_view(order), call)

    # -- payments ----------------------------------------------------------------------------

    async def accounts(self, call: ApiCall) -> Response:
        self._user(call)
        return self._render(
            [self.store.account_view(a) for a in self.store.accounts.values()], call
        )

    async def account(self, call: ApiCall) -> Response:
        self._user(call)
        account = self.store.account_by_id(_int_param(call, "id", "Payment account"))
        if account is None:
            raise Rejected(404, f"Payment account with id {call.params['id']} not found")
        return self._render(self.store.account_view(account), call)

    async def create_session(self, call: ApiCall) -> Response:
        user = self._user(call)
        session = self.store.create_session(user, call.body)
        account = self.store.account_by_id(session["paymentAccountId"])
        if account is not None and account["type"] == "stripe" and session["type"] == "session":
            session["paymentUrl"] = f"{call.base_url}/_sandbox/pay/{session['id']}"
        return json_response(session, 201)

    async def sessions(self, call: ApiCall) -> Response:
        offset, limit = _paging(call)
        mine = self.store.user_sessions(self._user(call))
        return json_response({"items": mine[offset : offset + limit], "total": len(mine)})

    async def sessions_by_order(self, call: ApiCall) -> Response:
        order_id = _int_param(call, "id", "Order")
        mine = [s for s in self.store.user_sessions(self._user(call)) if s["orderId"] == order_id]
        return json_response(mine)

    async def session(self, call: ApiCall) -> Response:
        session_id = _int_param(call, "id", "Payment session")
        for session in self.store.user_sessions(self._user(call)):
            if session["id"] == session_id:
                return json_response(session)
        raise Rejected(404, f"Payment session with id {session_id} not found")


_SORT_KEYS = ("id", "position", "title", "date", "price")


def _sorted(
    products: list[dict[str, Any]], query: Mapping[str, str], lang: str
) -> list[dict[str, Any]]:
    key = query.get("sortKey") or "position"
    order = (query.get("sortOrder") or "DESC").upper()
    if key not in _SORT_KEYS or order not in ("ASC", "DESC"):
        raise Rejected(400, ["sortKey or sortOrder has an unsupported value"])

    def sort_key(product: dict[str, Any]) -> Any:
        if key == "title":
            return _title(product, lang).casefold()
        if key == "date":
            return str(product.get("createdDate", ""))
        if key == "price":
            return product["price"] if product["price"] is not None else Decimal(0)
        return product[key]

    return sorted(products, key=sort_key, reverse=order == "DESC")


def _title(product: Mapping[str, Any], lang: str) -> str:
    infos = product["localizeInfos"]
    return str((infos.get(lang) or infos.get(DEFAULT_LOCALE) or {}).get("title", ""))


def _passes(product: Mapping[str, Any], rule: Mapping[str, Any], lang: str) -> bool:
    """One IFilterParams rule; unknown conditions pass everything through."""
    status = rule.get("statusMarker")
    if status and product["statusIdentifier"] != status:
        return False
    title = rule.get("title")
    if title and str(title).casefold() not in _title(product, lang).casefold():
        return False
    marker, condition = rule.get("attributeMarker"), str(rule.get("conditionMarker") or "")
    if not marker or not condition:
        return True
    infos = product.get("attributeValues") or {}
    attributes = infos.get(lang) or infos.get(DEFAULT_LOCALE) or {}
    present: bool = marker in attributes
    value = attributes[marker]["value"] if present else None
    expected = rule.get("conditionValue")
    if condition == "exs":
        return present
    if condition == "nexs":
        return not present
    if condition in ("eq", "neq"):
        return (str(value) == str(expected)) == (condition == "eq")
    if condition in ("in", "nin"):
        pool = expected if isinstance(expected, list) else str(expected).split(",")
        return (str(value) in {str(v) for v in pool}) == (condition == "in")
    if condition in ("mth", "lth"):
        try:
            difference = Decimal(str(value)) - Decimal(str(expected))
        except ArithmeticError:
            return False
        return difference > 0 if condition == "mth" else difference < 0
    return True
