"""The OneEntry sandbox's data: the seeded catalogue, and the orders and payment sessions made."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.sandbox.oneentry_forms import FormDataError, form_entries, validate_form_data
from bot.sandbox.oneentry_wire import money_text, now_iso, number, pick_locale

# Session statuses that mean the money arrived (the real list is not documented).
PAID_SESSION_STATUSES = frozenset({"completed", "paid", "succeeded"})
_ORDER_BODY_KEYS = frozenset(
    {
        "formIdentifier",
        "paymentAccountIdentifier",
        "formData",
        "products",
        "couponCode",
        "additionalDiscountsMarkers",
        "bonusAmount",
        "currency",
    }
)
_ORDER_PRODUCT_KEYS = frozenset({"productId", "quantity", "signedPrice"})


class Rejected(Exception):
    """A request the service refuses; carries the status and message of its answer."""

    def __init__(self, status: int, message: str | list[str]) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def unknown_keys(body: Mapping[str, Any], allowed: frozenset[str]) -> Rejected | None:
    """The 400 a whitelisting validator gives for keys it does not know, if any."""
    extra = [key for key in body if key not in allowed]
    if not extra:
        return None
    return Rejected(400, [f"property {key} should not exist" for key in extra])


def to_decimal(value: Decimal | float | int | str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a price: {value!r}") from None


class ShopStore:
    """Catalogue from the seed plus every order and session; all reads render wire shapes."""

    def __init__(self, seed: Mapping[str, Any]) -> None:
        seed = copy.deepcopy(dict(seed))
        self.products: dict[int, dict[str, Any]] = {int(p["id"]): p for p in seed["products"]}
        for product in self.products.values():
            product["price"] = None if product["price"] is None else to_decimal(product["price"])
        self.product_statuses: list[dict[str, Any]] = list(seed.get("productStatuses", []))
        self.forms: dict[str, dict[str, Any]] = {f["identifier"]: f for f in seed["forms"]}
        self.storages: dict[str, dict[str, Any]] = {
            s["identifier"]: s for s in seed["orderStorages"]
        }
        self.accounts: dict[str, dict[str, Any]] = {
            a["identifier"]: a for a in seed["paymentAccounts"]
        }
        self.orders: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []
        self._next_order_id = int(seed.get("firstOrderId", 1))
        self._next_session_id = int(seed.get("firstSessionId", 1))

    # -- catalogue -------------------------------------------------------------------------

    def visible_product(self, product_id: int) -> dict[str, Any] | None:
        product = self.products.get(product_id)
        return product if product is not None and product["isVisible"] else None

    def set_product_price(self, product_id: int, price: Decimal | float) -> None:
        product = self.products[product_id]
        product["price"] = to_decimal(price)
        for attributes in product.get("attributeValues", {}).values():
            if "price" in attributes:
                attributes["price"]["value"] = number(product["price"])

    def storage(self, marker: str) -> dict[str, Any]:
        if marker not in self.storages:
            raise Rejected(404, f"Orders storage with marker '{marker}' not found")
        return self.storages[marker]

    def account_by_id(self, account_id: int) -> dict[str, Any] | None:
        return next((a for a in self.accounts.values() if a["id"] == account_id), None)

    # -- orders ------------------------------------------------------------------------------

    def create_order(self, user: str, storage: Mapping[str, Any], body: Any) -> dict[str, Any]:
        fields = self._order_fields(storage, body)
        created = now_iso()
        order: dict[str, Any] = {
            "id": self._next_order_id,
            "storageId": storage["id"],
            "storageIdentifier": storage["identifier"],
            "userIdentifier": user,
            "createdDate": created,
            "updatedDate": created,
            "statusIdentifier": self._default_status(storage)["identifier"],
            "fulfillmentStatusIdentifier": None,
            "paymentStatusIdentifier": None,
            "isCompleted": False,
            "currency": storage.get("currency", ""),
            **fields,
        }
        self._next_order_id += 1
        self.orders.append(order)
        return order

    def update_order(self, order: dict[str, Any], storage: Mapping[str, Any], body: Any) -> None:
        order.update(self._order_fields(storage, body))
        order["updatedDate"] = now_iso()

    def user_order(self, user: str, storage: Mapping[str, Any], order_id: int) -> dict[str, Any]:
        for order in self.orders:
            if (
                order["id"] == order_id
                and order["userIdentifier"] == user
                and order["storageId"] == storage["id"]
            ):
                return order
        raise Rejected(404, f"Order with id {order_id} not found")

    def set_order_status(self, order_id: int, status_identifier: str) -> None:
        order = self._order(order_id)
        storage = self.storages[order["storageIdentifier"]]
        if not any(s["identifier"] == status_identifier for s in storage["statuses"]):
            raise ValueError(
                f"storage {storage['identifier']!r} has no status {status_identifier!r}"
            )
        order["statusIdentifier"] = status_identifier
        order["updatedDate"] = now_iso()

    def _order(self, order_id: int) -> dict[str, Any]:
        for order in self.orders:
            if order["id"] == order_id:
                return order
        raise KeyError(f"no order {order_id}")

    def _default_status(self, storage: Mapping[str, Any]) -> dict[str, Any]:
        statuses: list[dict[str, Any]] = storage["statuses"]
        return next((s for s in statuses if s.get("isDefault")), statuses[0])

    def _order_fields(self, storage: Mapping[str, Any], body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Rejected(400, "Request body must be a JSON object")
        extra = unknown_keys(body, _ORDER_BODY_KEYS)
        if extra is not None:
            raise extra
        form_id = body.get("formIdentifier")
        if form_id != storage["formIdentifier"] or form_id not in self.forms:
            raise Rejected(400, f"formIdentifier '{form_id}' does not belong to this storage")
        try:
            lang, entries = form_entries(body.get("formData"))
            validate_form_data(self.forms[form_id]["attributes"], entries)
        except FormDataError as error:
            raise Rejected(400, error.message) from None
        lines = self._order_lines(body.get("products"))
        account = body.get("paymentAccountIdentifier")
        allowed = {a["identifier"] for a in storage["paymentAccountIdentifiers"]}
        if not isinstance(account, str) or account not in allowed or account not in self.accounts:
            raise Rejected(400, f"paymentAccountIdentifier '{account}' is not allowed here")
        total = sum((line["price"] * line["quantity"] for line in lines), Decimal(0))
        return {
            "formIdentifier": form_id,
            "paymentAccountIdentifier": account,
            "formData": {lang: entries},
            "products": lines,
            "totalSum": total,
        }

    def _order_lines(self, products: Any) -> list[dict[str, Any]]:
        if not isinstance(products, list):
            raise Rejected(400, "products must be an array")
        lines: list[dict[str, Any]] = []
        for item in products:
            if not isinstance(item, dict):
                raise Rejected(400, "products must hold objects {productId, quantity}")
            extra = unknown_keys(item, _ORDER_PRODUCT_KEYS)
            if extra is not None:
                raise extra
            product_id, quantity = item.get("productId"), item.get("quantity")
            product = (
                self.visible_product(product_id)
                if isinstance(product_id, int) and not isinstance(product_id, bool)
                else None
            )
            if product is None:
                raise Rejected(400, f"Product with id {product_id} not found")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise Rejected(400, f"Invalid quantity for product {product_id}")
            if product["price"] is None:
                raise Rejected(400, f"Product {product_id} has no price")
            lines.append({"productId": product_id, "quantity": quantity, "price": product["price"]})
        return lines

    # -- payment sessions ------------------------------------------------------------------

    def create_session(self, user: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Rejected(400, "Request body must be a JSON object")
        extra = unknown_keys(body, frozenset({"orderId", "type", "automaticTaxEnabled"}))
        if extra is not None:
            raise extra
        order_id, kind = body.get("orderId"), body.get("type")
        if kind not in ("session", "intent"):
            raise Rejected(400, ["type must be one of the following values: session, intent"])
        order = next(
            (o for o in self.orders if o["id"] == order_id and o["userIdentifier"] == user), None
        )
        if order is None:
            raise Rejected(404, f"Order with id {order_id} not found")
        account = self.accounts[order["paymentAccountIdentifier"]]
        stripe = account["type"] == "stripe"
        if kind == "intent" and not stripe:
            raise Rejected(400, "This payment account does not support payment intents")
        created = now_iso()
        session: dict[str, Any] = {
            "id": self._next_session_id,
            "createdDate": created,
            "updatedDate": created,
            "type": kind,
            "status": "waiting",
            "paymentAccountId": account["id"],
            "orderId": order["id"],
            # cash is settled offline: no amount to charge, no link to follow
            "amount": order["totalSum"] if stripe else None,
            "paymentUrl": None,
        }
        self._next_session_id += 1
        if kind == "intent":
            session["clientSecret"] = f"pi_{session['id']}_secret_sandbox"
        self.sessions.append(session)
        order["paymentStatusIdentifier"] = session["status"]
        return session

    def set_session_status(
        self, session_id: int, status: str, payment_url: str | None = None
    ) -> None:
        session = self.session(session_id)
        session["status"] = status
        if payment_url is not None:
            session["paymentUrl"] = payment_url
        session["updatedDate"] = now_iso()
        order = self._order(session["orderId"])
        order["paymentStatusIdentifier"] = status
        if status in PAID_SESSION_STATUSES:
            order["isCompleted"] = True

    def session(self, session_id: int) -> dict[str, Any]:
        for session in self.sessions:
            if session["id"] == session_id:
                return session
        raise KeyError(f"no payment session {session_id}")

    def user_sessions(self, user: str) -> list[dict[str, Any]]:
        mine = {o["id"] for o in self.orders if o["userIdentifier"] == user}
        return [s for s in self.sessions if s["orderId"] in mine]

    # -- wire shapes (still locale-keyed; the caller localizes) --------------------------------

    def product_view(self, product: Mapping[str, Any]) -> dict[str, Any]:
        price = product["price"]
        status = next(
            (s for s in self.product_statuses if s["identifier"] == product["statusIdentifier"]),
            None,
        )
        shown = number(price) if price is not None else None
        return {
            "id": product["id"],
            "localizeInfos": product["localizeInfos"],
            "statusIdentifier": product["statusIdentifier"],
            "statusLocalizeInfos": status["localizeInfos"] if status else {},
            "attributeSetIdentifier": product["attributeSetIdentifier"],
            "position": product["position"],
            "templateIdentifier": product.get("templateIdentifier"),
            "shortDescTemplateIdentifier": product.get("shortDescTemplateIdentifier"),
            "price": shown,
            "additional": {"prices": {"min": shown or 0, "max": shown or 0}},
            "sku": product["sku"],
            "isSync": product["isSync"],
            "isVisible": product["isVisible"],
            "attributeValues": product["attributeValues"],
            "categories": product["categories"],
            "productPages": [],
            "blocks": [],
            "moduleFormConfigs": [],
            "rating": {},
            "isPositionLocked": False,
            "relatedIds": [],
        }

    def order_created_view(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """createOrder/updateOrder answer: totalSum is a number, products echo the request."""
        total = number(order["totalSum"])
        return {
            "id": order["id"],
            "formIdentifier": order["formIdentifier"],
            "paymentAccountIdentifier": order["paymentAccountIdentifier"],
            "formData": order["formData"],
            "products": [
                {"productId": line["productId"], "quantity": line["quantity"]}
                for line in order["products"]
            ],
            "currency": order["currency"],
            "totalSum": total,
            "createdDate": order["createdDate"],
            "statusIdentifier": order["statusIdentifier"],
            "statusLocalizeInfos": self._status_titles(order),
            "additionalDiscountsMarkers": [],
            "bonusApplied": 0,
            "totalDue": total,
            "discountConfig": {
                "bonus": None,
                "coupon": None,
                "orderDiscounts": [],
                "productDiscounts": [],
                "settings": {
                    "allowGiftStacking": False,
                    "allowStacking": False,
                    "maxDiscountValue": None,
                },
                "additionalDiscountsMarkers": [],
                "bonusApplied": 0,
                "totalDue": total,
                "totalRaw": total,
                "totalSumWithDiscount": total,
            },
        }

    def order_view(self, order: Mapping[str, Any], lang: str) -> dict[str, Any]:
        """An order read: totalSum is a 2-decimal string, products carry title and price."""
        account = self.accounts[order["paymentAccountIdentifier"]]
        latest = max(
            (s for s in self.sessions if s["orderId"] == order["id"]),
            key=lambda s: int(s["id"]),
            default=None,
        )
        return {
            "id": order["id"],
            "storageId": order["storageId"],
            "createdDate": order["createdDate"],
            "statusIdentifier": order["statusIdentifier"],
            "statusLocalizeInfos": self._status_titles(order),
            "fulfillmentStatusIdentifier": order["fulfillmentStatusIdentifier"],
            "paymentStatusIdentifier": order["paymentStatusIdentifier"],
            "formIdentifier": order["formIdentifier"],
            "formData": order["formData"],
            "attributeSetIdentifier": "order",
            "totalSum": money_text(order["totalSum"]),
            "totalSumRaw": money_text(order["totalSum"]),
            "currency": order["currency"],
            "paymentAccountIdentifier": account["identifier"],
            "paymentAccountLocalizeInfos": account["localizeInfos"],
            "paymentUrl": latest["paymentUrl"] if latest else None,
            "products": [self._order_line_view(line, lang) for line in order["products"]],
            "isCompleted": order["isCompleted"],
        }

    def _order_line_view(self, line: Mapping[str, Any], lang: str) -> dict[str, Any]:
        product = self.products[line["productId"]]
        _, info = pick_locale(product["localizeInfos"], lang)
        return {
            "id": product["id"],
            "title": info.get("title", ""),
            "sku": product["sku"],
            "previewImage": _preview_image(product, lang),
            "price": number(line["price"]),
            "quantity": line["quantity"],
            "isGift": False,
        }

    def _status_titles(self, order: Mapping[str, Any]) -> dict[str, Any]:
        storage = self.storages[order["storageIdentifier"]]
        status = next(
            s for s in storage["statuses"] if s["identifier"] == order["statusIdentifier"]
        )
        titles: dict[str, Any] = status["localizeInfos"]
        return titles

    @staticmethod
    def storage_view(storage: Mapping[str, Any]) -> dict[str, Any]:
        keys = ("id", "identifier", "formIdentifier", "localizeInfos", "generalTypeId", "position")
        view = {key: storage[key] for key in keys}
        view["paymentAccountIdentifiers"] = storage["paymentAccountIdentifiers"]
        return view

    @staticmethod
    def status_view(status: Mapping[str, Any]) -> dict[str, Any]:
        keys = ("id", "identifier", "localizeInfos", "position", "isUsed", "isDefault")
        return {key: status[key] for key in keys if key in status}

    @staticmethod
    def account_view(account: Mapping[str, Any]) -> dict[str, Any]:
        keys = ("id", "identifier", "type", "isVisible", "isUsed", "testMode", "settings")
        view = {key: account[key] for key in keys}
        view["localizeInfos"] = account["localizeInfos"]
        view["updatedDate"] = account["updatedDate"]
        return view


def _preview_image(product: Mapping[str, Any], lang: str) -> str | None:
    values = product.get("attributeValues") or {}
    if not values:
        return None
    _, attributes = pick_locale(values, lang)
    for attribute in attributes.values():
        if attribute.get("type") == "image" and attribute.get("value"):
            image = (
                attribute["value"][0]
                if isinstance(attribute["value"], list)
                else attribute["value"]
            )
            link = image.get("previewLink") or image.get("downloadLink")
            return str(link) if link else None
    return None
