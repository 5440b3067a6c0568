"""Wire-format helpers of the OneEntry sandbox: error bodies, numbers, dates, locale maps."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any, Literal

from starlette.responses import Response

Localized = Literal["keyed", "flat"]
DEFAULT_LOCALE = "en_US"

_LOCALE_KEY = re.compile(r"^[a-z]{2,3}_[A-Z]{2}$")
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "ThrottlerException: Too Many Requests",
    500: "Internal server error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def now_iso() -> str:
    """The current UTC time the way OneEntry writes it: `2025-06-04T04:38:32.849Z`."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def number(value: Decimal) -> int | float:
    """A JSON number as JavaScript would print it (`400`, not `400.0`)."""
    return int(value) if value == value.to_integral_value() else float(value)


def money_text(value: Decimal) -> str:
    """Order reads carry the total as a two-decimal string (`"400.00"`)."""
    return f"{value.quantize(Decimal('0.01')):f}"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_default).encode("utf-8")


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json")


def error_body(status: int, message: str | list[str]) -> dict[str, Any]:
    return {"statusCode": status, "message": message, "pageData": None, "timestamp": now_iso()}


def error_response(status: int, message: str | list[str] | None = None) -> Response:
    text = message if message is not None else _REASONS.get(status, "Error")
    return json_response(error_body(status, text), status)


def is_locale_map(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(_LOCALE_KEY.match(k) for k in value)


def pick_locale(value: dict[str, Any], lang: str) -> tuple[str, Any]:
    """The requested locale's entry, else the default locale's, else the first one."""
    for key in (lang, DEFAULT_LOCALE):
        if key in value:
            return key, value[key]
    key = next(iter(value))
    return key, value[key]


def localize(data: Any, lang: str, mode: Localized) -> Any:
    """Render stored data (locale-keyed maps everywhere) for one request.

    "keyed": each locale map keeps only the entry served (the requested locale, or the default
    one when the requested locale is missing, so clients must not assume the key they asked for);
    "flat": each locale map is replaced by that entry, as if the SDK had already unwrapped it.
    """
    if isinstance(data, list):
        return [localize(item, lang, mode) for item in data]
    if not isinstance(data, dict):
        return data
    if is_locale_map(data):
        key, entry = pick_locale(data, lang)
        inner = localize(entry, lang, mode)
        return inner if mode == "flat" else {key: inner}
    return {key: localize(value, lang, mode) for key, value in data.items()}
