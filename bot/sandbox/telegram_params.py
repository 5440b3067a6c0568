"""Bot API request parameters: read from any transport Telegram accepts, then typed on access.

Telegram takes parameters from the query string, a form-urlencoded body, a JSON body or a
multipart body. Form values are strings, so objects arrive as JSON text, numbers as "42" and
booleans as "true"; a JSON body carries real values. `Params` accepts both spellings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from bot.sandbox.telegram_records import bad_request

# Parameters whose value is text even when it looks like a number or JSON.
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "caption_parse_mode",
        "url",
        "photo",
        "action",
        "language_code",
        "secret_token",
        "ip_address",
        "file_id",
        "description",
        "short_description",
        "name",
        "business_connection_id",
        "message_effect_id",
    }
)


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart body."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


async def read_params(request: Request) -> dict[str, Any]:
    """All parameters of a request, body values overriding the query string."""
    values: dict[str, Any] = dict(request.query_params.multi_items())
    body = await request.body()
    if not body:
        return values
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise bad_request("can't parse JSON encoded request body") from exc
        if not isinstance(decoded, dict):
            raise bad_request("JSON encoded request body must be an object")
        values.update(decoded)
    elif kind == "multipart/form-data":
        values.update(_multipart(content_type, body))
    else:  # Telegram treats anything else as a form
        values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return values


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    values: dict[str, Any] = {}
    if not message.is_multipart():
        raise bad_request("can't parse multipart/form-data request body")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            values[name] = Upload(filename, part.get_content_type(), data)
        else:
            values[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return values


def decode_value(name: str, value: Any) -> Any:
    """A parameter as a test would like to read it: JSON text parsed, "42" -> 42, "true" -> True."""
    if name in TEXT_PARAMS or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class Params:
    """Typed access to raw parameters; a wrong type is a 400 like Telegram's."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def decoded(self) -> dict[str, Any]:
        return {
            name: (
                f"<upload {value.filename}>"
                if isinstance(value, Upload)
                else decode_value(name, value)
            )
            for name, value in self.raw.items()
        }

    def has(self, name: str) -> bool:
        return name in self.raw and self.raw[name] is not None

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return value if isinstance(value, str) else str(value)

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0", ""):
            return False
        raise bad_request(f"invalid {name} specified")

    def obj(self, name: str) -> Any:
        """A JSON-typed parameter (object or array), given as JSON text or as a real value."""
        value = self.raw.get(name)
        if value is None or isinstance(value, (dict, list)):
            return value
        if isinstance(value, Upload):
            raise bad_request(f"can't parse {name} JSON object")
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from None
            raise bad_request(f"can't parse {name} JSON object") from None

    def upload(self, name: str) -> Upload | None:
        value = self.raw.get(name)
        return value if isinstance(value, Upload) else None
