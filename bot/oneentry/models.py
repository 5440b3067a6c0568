"""Typed views of OneEntry's JSON: products, forms, orders, payment sessions and accounts.

The content API sends localized parts either keyed by locale (`{"en_US": {"title": ..}}`) or
already flat (`{"title": ..}`), and some numbers as strings; every parser here accepts both,
ignores fields it does not use, and raises WireError when a field it needs is missing.
Money is always Decimal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

_LOCALE_KEY = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")


class WireError(ValueError):
    """A response lacks a field the client needs, or has it in an unusable type."""


# --- small readers -------------------------------------------------------------------------


def as_object(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise WireError(f"{what} is not a JSON object")
    return data


def as_list(data: object, what: str) -> list[Any]:
    if isinstance(data, list):
        return data
    raise WireError(f"{what} is not a JSON array")


def unwrap_locale(value: object, lang: str) -> object:
    """The `lang` entry of a locale-keyed map; a flat value is returned unchanged.

    A map keyed only by other locales yields its first locale, so a missing translation
    shows the text that exists rather than nothing.
    """
    if not isinstance(value, Mapping) or not value:
        return value
    if lang in value:
        return value[lang]
    if all(isinstance(key, str) and _LOCALE_KEY.match(key) for key in value):
        return next(iter(value.values()))
    return value


def localized(value: object, lang: str) -> Mapping[str, Any]:
    """A localized object (e.g. `localizeInfos`) for `lang`; {} when absent or unusable."""
    inner = unwrap_locale(value, lang)
    return inner if isinstance(inner, Mapping) else {}


def title_of(value: object, lang: str) -> str | None:
    title = localized(value, lang).get("title")
    return title if isinstance(title, str) else None


def to_decimal(value: object, what: str) -> Decimal | None:
    """Decimal from a JSON number or numeric string; None for null or ""."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise WireError(f"{what} is a boolean, not a number")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))  # the shortest text, not the binary expansion
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise WireError(f"{what} is not a number")
    except InvalidOperation as exc:
        raise WireError(f"{what} is not a number") from exc
    if not number.is_finite():
        raise WireError(f"{what} is not a finite number")
    return number


def required_int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool):
        raise WireError(f"{key} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise WireError(f"{key} is missing or not an integer")


def optional_int(data: Mapping[str, Any], key: str) -> int | None:
    return required_int(data, key) if data.get(key) is not None else None


def optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def optional_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


# --- products ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributeValue:
    marker: str
    type: str
    value: Any
    position: int | None = None
    is_product_preview: bool = False


@dataclass(frozen=True)
class Product:
    id: int
    title: str
    price: Decimal | None
    is_visible: bool = True
    position: int | None = None
    status_id: str | None = None
    sku: str | None = None
    description: str | None = None
    attributes: tuple[AttributeValue, ...] = ()

    @property
    def image_url(self) -> str | None:
        """The product-preview image if one is marked, else the first image attribute."""
        images = [a for a in self.attributes if a.type in ("image", "groupOfImages")]
        images.sort(key=lambda a: not a.is_product_preview)  # stable: keeps position order
        for attribute in images:
            url = _image_link(attribute.value)
            if url:
                return url
        return None

    @classmethod
    def from_wire(cls, data: object, lang: str) -> Product:
        obj = as_object(data, "product")
        infos = localized(obj.get("localizeInfos"), lang)
        title = infos.get("title")
        description = infos.get("plainContent")
        return cls(
            id=required_int(obj, "id"),
            title=title if isinstance(title, str) else "",
            price=to_decimal(obj.get("price"), "price"),
            is_visible=optional_bool(obj, "isVisible") is not False,
            position=optional_int(obj, "position"),
            status_id=optional_str(obj, "statusIdentifier"),
            sku=optional_str(obj, "sku"),
            description=description if isinstance(description, str) else None,
            attributes=_attribute_values(obj.get("attributeValues"), lang),
        )


def _attribute_values(value: object, lang: str) -> tuple[AttributeValue, ...]:
    entries = unwrap_locale(value, lang)
    if not isinstance(entries, Mapping):
        return ()
    found: list[AttributeValue] = []
    for marker, entry in entries.items():
        if not isinstance(entry, Mapping):
            continue
        position = entry.get("position")
        found.append(
            AttributeValue(
                marker=str(marker),
                type=str(entry.get("type") or ""),
                value=entry.get("value"),
                position=position if isinstance(position, int) else None,
                is_product_preview=entry.get("isProductPreview") is True,
            )
        )
    found.sort(key=lambda a: (a.position is None, a.position or 0))
    return tuple(found)


def _image_link(value: object) -> str | None:
    # on the wire an image is a list of file objects; the SDK flattens a single one
    candidates = value if isinstance(value, list) else [value]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            return candidate
        if isinstance(candidate, Mapping):
            for key in ("downloadLink", "previewLink"):
                link = candidate.get(key)
                if isinstance(link, str) and link:
                    return link
    return None


@dataclass(frozen=True)
class ProductPage:
    items: tuple[Product, ...]
    total: int

    @classmethod
    def from_wire(cls, data: object, lang: str) -> ProductPage:
        items, total = _page(data, "products")
        return cls(tuple(Product.from_wire(item, lang) for item in items), total)


def _page(data: object, what: str) -> tuple[list[Any], int]:
    """`{"items": [...], "total": n}`, or a plain array (its length is the total)."""
    if isinstance(data, list):
        return data, len(data)
    obj = as_object(data, what)
    items = as_list(obj.get("items", []), f"{what}.items")
    total = obj.get("total")
    return items, total if isinstance(total, int) and not isinstance(total, bool) else len(items)


# --- forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormOption:
    title: str
    value: Any


@dataclass(frozen=True)
class FormAttribute:
    marker: str
    type: str
    position: int
    title: str
    is_visible: bool = True
    validators: Mapping[str, Any] = field(default_factory=dict)
    options: tuple[FormOption, ...] = ()
    additional_fields: Mapping[str, Any] = field(default_factory=dict)
    initial_value: Any = None

    @property
    def is_required(self) -> bool:
        return self.validators.get("requiredValidator") not in (None, False)

    @property
    def is_email(self) -> bool:
        """The only sign that a plain string field holds an e-mail address."""
        return self.validators.get("emailInspectionValidator") not in (None, False)

    @classmethod
    def from_wire(cls, data: object, lang: str) -> FormAttribute:
        obj = as_object(data, "form attribute")
        marker = optional_str(obj, "marker")
        if not marker:
            raise WireError("form attribute has no marker")
        validators = obj.get("validators")
        return cls(
            marker=marker,
            type=optional_str(obj, "type") or "string",
            position=optional_int(obj, "position") or 0,
            title=title_of(obj.get("localizeInfos"), lang) or marker,
            is_visible=optional_bool(obj, "isVisible") is not False,
            validators=dict(validators) if isinstance(validators, Mapping) else {},
            options=_options(unwrap_locale(obj.get("listTitles"), lang)),
            additional_fields=_by_marker(unwrap_locale(obj.get("additionalFields"), lang)),
            initial_value=obj.get("initialValue"),
        )


def _options(value: object) -> tuple[FormOption, ...]:
    if not isinstance(value, list):
        return ()
    options = [item for item in value if isinstance(item, Mapping)]
    options.sort(key=lambda item: item.get("position") or 0)
    return tuple(FormOption(str(item.get("title") or ""), item.get("value")) for item in options)


def _by_marker(value: object) -> Mapping[str, Any]:
    """additionalFields: an array of `{marker, value}` on the wire, an object after the SDK."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        return {
            str(item["marker"]): item
            for item in value
            if isinstance(item, Mapping) and item.get("marker")
        }
    return {}


@dataclass(frozen=True)
class Form:
    id: int | None
    identifier: str
    title: str
    type: str | None
    attributes: tuple[FormAttribute, ...]

    @classmethod
    def from_wire(cls, data: object, lang: str) -> Form:
        obj = as_object(data, "form")
        identifier = optional_str(obj, "identifier") or ""
        raw = obj.get("attributes")
        # an empty form sends {} instead of []
        attributes = (
            [FormAttribute.from_wire(a, lang) for a in raw] if isinstance(raw, list) else []
        )
        attributes.sort(key=lambda a: a.position)
        return cls(
            id=optional_int(obj, "id"),
            identifier=identifier,
            title=title_of(obj.get("localizeInfos"), lang) or identifier,
            type=optional_str(obj, "type"),
            attributes=tuple(attributes),
        )


# --- orders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormValue:
    """One answer of an order form, as sent in (and echoed back from) `formData`."""

    marker: str
    value: Any
    type: str = "string"

    def to_wire(self) -> dict[str, Any]:
        return {"marker": self.marker, "type": self.type, "value": self.value}


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    quantity: int
    title: str | None = None
    price: Decimal | None = None


@dataclass(frozen=True)
class Order:
    id: int
    total_sum: Decimal
    currency: str
    status_id: str | None = None
    status_title: str | None = None
    payment_status_id: str | None = None
    fulfillment_status_id: str | None = None
    form_identifier: str | None = None
    payment_account_identifier: str | None = None
    payment_url: str | None = None
    is_completed: bool | None = None
    created_date: str | None = None
    storage_id: int | None = None
    form_data: tuple[FormValue, ...] = ()
    lines: tuple[OrderLine, ...] = ()

    @classmethod
    def from_wire(cls, data: object, lang: str) -> Order:
        """An order as createOrder (totalSum a number) or a read (totalSum a string) sends it."""
        obj = as_object(data, "order")
        total = to_decimal(obj.get("totalSum"), "totalSum")
        if total is None:
            raise WireError("order has no totalSum")
        return cls(
            id=required_int(obj, "id"),
            total_sum=total,
            currency=optional_str(obj, "currency") or "",
            status_id=optional_str(obj, "statusIdentifier"),
            status_title=title_of(obj.get("statusLocalizeInfos"), lang),
            payment_status_id=optional_str(obj, "paymentStatusIdentifier"),
            fulfillment_status_id=optional_str(obj, "fulfillmentStatusIdentifier"),
            form_identifier=optional_str(obj, "formIdentifier"),
            payment_account_identifier=optional_str(obj, "paymentAccountIdentifier"),
            payment_url=optional_str(obj, "paymentUrl"),
            is_completed=optional_bool(obj, "isCompleted"),
            created_date=optional_str(obj, "createdDate"),
            storage_id=optional_int(obj, "storageId"),
            form_data=_form_values(obj.get("formData"), lang),
            lines=tuple(_order_line(item) for item in _list_or_empty(obj.get("products"))),
        )


def _list_or_empty(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _form_values(value: object, lang: str) -> tuple[FormValue, ...]:
    inner = unwrap_locale(value, lang)
    if isinstance(inner, Mapping) and "marker" in inner:
        inner = [inner]
    values = []
    for item in _list_or_empty(inner):
        if isinstance(item, Mapping) and isinstance(item.get("marker"), str):
            values.append(
                FormValue(item["marker"], item.get("value"), str(item.get("type") or "string"))
            )
    return tuple(values)


def _order_line(data: object) -> OrderLine:
    obj = as_object(data, "order product")
    # createOrder echoes {productId, quantity}; reads send {id, title, price, quantity, ...}
    product_id = optional_int(obj, "productId")
    return OrderLine(
        product_id=product_id if product_id is not None else required_int(obj, "id"),
        quantity=required_int(obj, "quantity"),
        title=optional_str(obj, "title"),
        price=to_decimal(obj.get("price"), "product price"),
    )


@dataclass(frozen=True)
class OrderPage:
    items: tuple[Order, ...]
    total: int

    @classmethod
    def from_wire(cls, data: object, lang: str) -> OrderPage:
        items, total = _page(data, "orders")
        return cls(tuple(Order.from_wire(item, lang) for item in items), total)


# --- payments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSession:
    id: int
    order_id: int | None
    type: str
    status: str
    payment_url: str | None = None
    amount: Decimal | None = None
    payment_account_id: int | None = None
    created_date: str | None = None
    updated_date: str | None = None

    @classmethod
    def from_wire(cls, data: object) -> PaymentSession:
        obj = as_object(data, "payment session")
        return cls(
            id=required_int(obj, "id"),
            order_id=optional_int(obj, "orderId"),
            type=optional_str(obj, "type") or "",
            status=optional_str(obj, "status") or "",
            payment_url=optional_str(obj, "paymentUrl") or None,
            amount=to_decimal(obj.get("amount"), "amount"),
            payment_account_id=optional_int(obj, "paymentAccountId"),
            created_date=optional_str(obj, "createdDate"),
            updated_date=optional_str(obj, "updatedDate"),
        )

    @classmethod
    def list_from_wire(cls, data: object) -> list[PaymentSession]:
        """A plain array of sessions; a single session object is accepted too."""
        if isinstance(data, Mapping) and isinstance(data.get("items"), list):
            data = data["items"]
        items: Sequence[object] = data if isinstance(data, list) else [data]
        return [cls.from_wire(item) for item in items]


@dataclass(frozen=True)
class PaymentAccount:
    """A payment account without its settings (those may hold provider secrets)."""

    id: int
    identifier: str
    type: str
    title: str
    is_visible: bool = True
    is_used: bool = True
    test_mode: bool = False

    @classmethod
    def from_wire(cls, data: object, lang: str) -> PaymentAccount:
        obj = as_object(data, "payment account")
        identifier = optional_str(obj, "identifier") or ""
        return cls(
            id=required_int(obj, "id"),
            identifier=identifier,
            type=optional_str(obj, "type") or "",
            title=title_of(obj.get("localizeInfos"), lang) or identifier,
            is_visible=optional_bool(obj, "isVisible") is not False,
            is_used=optional_bool(obj, "isUsed") is not False,
            test_mode=optional_bool(obj, "testMode") is True,
        )
