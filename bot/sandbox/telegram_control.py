"""The emulator's own HTTP routes under `/_sandbox/`: the users' side for other processes.

They mirror `TelegramEmulator`'s methods (inject an update, send a text, share a contact, tap
a button, prepare a fault, reset; read calls and chats). Bodies are JSON objects; input that
is not what a route takes gets `400 {"ok": false, "description": ...}` naming the problem.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from bot.sandbox.telegram import TelegramEmulator

Handler = Callable[[Request], Awaitable[Response]]


class ControlError(ValueError):
    """Control input the route cannot use; answered with 400 and this text."""


class Body:
    """Typed fields of a control request's JSON object."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def optional_int(self, name: str, default: int | None = None) -> int | None:
        value = self.fields.get(name)
        return default if value is None else parse_int(name, value)

    def required_int(self, name: str) -> int:
        if self.fields.get(name) is None:
            raise ControlError(f"missing field {name!r}")
        return parse_int(name, self.fields[name])

    def number(self, name: str, default: float) -> float:
        value = self.fields.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ControlError(f"field {name!r} must be a number")
        return float(value)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.fields.get(name)
        if value is None:
            if required:
                raise ControlError(f"missing field {name!r}")
            return None
        if not isinstance(value, str):
            raise ControlError(f"field {name!r} must be a string")
        return value


def parse_int(name: str, value: Any) -> int:
    """An integer field or query parameter ("42" is accepted, True is not)."""
    if isinstance(value, bool):
        raise ControlError(f"field {name!r} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ControlError(f"field {name!r} must be an integer")


def control_routes(emulator: TelegramEmulator) -> list[Route]:
    async def update(body: Body) -> dict[str, Any]:
        return {"update_id": emulator.inject(body.fields)}

    async def message(body: Body) -> dict[str, Any]:
        update_id = emulator.send_text(
            body.required_int("user_id"),
            body.text("text", required=True) or "",
            chat_id=body.optional_int("chat_id"),
            reply_to=body.optional_int("reply_to"),
            first_name=body.text("first_name"),
            username=body.text("username"),
            language_code=body.text("language_code"),
        )
        return {"update_id": update_id}

    async def contact(body: Body) -> dict[str, Any]:
        owner: Any = body.fields.get("contact_user_id", "sender")
        update_id = emulator.share_contact(
            body.required_int("user_id"),
            body.text("phone_number", required=True) or "",
            contact_user_id="sender" if owner == "sender" else body.optional_int("contact_user_id"),
            first_name=body.text("first_name"),
            last_name=body.text("last_name"),
        )
        return {"update_id": update_id}

    async def tap(body: Body) -> dict[str, Any]:
        update_id = emulator.tap(
            body.required_int("user_id"),
            label=body.text("label"),
            data=body.text("data"),
            message_id=body.optional_int("message_id"),
            chat_id=body.optional_int("chat_id"),
        )
        return {"update_id": update_id}

    async def faults(body: Body) -> dict[str, Any]:
        emulator.fail(
            body.text("method", required=True) or "",
            chat_id=body.optional_int("chat_id"),
            status=body.optional_int("status", 429) or 0,
            description=body.text("description"),
            retry_after=body.optional_int("retry_after", 1) or 0,
            count=body.optional_int("count", 1) or 0,
            delay=body.number("delay", 0.0),
        )
        return {"ok": True}

    async def reset(body: Body) -> dict[str, Any]:
        emulator.reset()
        return {"ok": True}

    async def calls(request: Request) -> Response:
        query = request.query_params
        chat_id = _query_int(query.get("chat_id"), "chat_id")
        method = query.get("method")
        chosen = emulator.calls if chat_id is None else emulator.calls_for(chat_id, method)
        if chat_id is None and method is not None:
            chosen = [c for c in chosen if c.method.lower() == method.lower()]
        return JSONResponse([asdict(c) for c in chosen])

    async def chat(request: Request) -> Response:
        chat_id = _query_int(request.path_params["chat_id"], "chat_id")
        if chat_id is None or chat_id not in emulator.world.chats:
            raise ControlError(f"chat {request.path_params['chat_id']} is unknown")
        shown = emulator.messages(chat_id)
        return JSONResponse([{k: v for k, v in asdict(m).items() if k != "raw"} for m in shown])

    return [
        Route("/_sandbox/updates", _posted(update), methods=["POST"]),
        Route("/_sandbox/messages", _posted(message), methods=["POST"]),
        Route("/_sandbox/contacts", _posted(contact), methods=["POST"]),
        Route("/_sandbox/taps", _posted(tap), methods=["POST"]),
        Route("/_sandbox/faults", _posted(faults), methods=["POST"]),
        Route("/_sandbox/reset", _posted(reset, body_optional=True), methods=["POST"]),
        Route("/_sandbox/calls", _refusing(calls), methods=["GET"]),
        Route("/_sandbox/chats/{chat_id}/messages", _refusing(chat), methods=["GET"]),
    ]


def _query_int(value: str | None, name: str) -> int | None:
    return None if value is None or value == "" else parse_int(name, value)


def _posted(
    act: Callable[[Body], Awaitable[dict[str, Any]]], *, body_optional: bool = False
) -> Handler:
    """A POST route taking a JSON object; the emulator's refusals become 400s."""

    async def route(request: Request) -> Response:
        raw = await request.body()
        if not raw and body_optional:
            fields: Any = {}
        else:
            try:
                fields = await request.json()
            except ValueError:
                return _refused("the body must be a JSON object")
            if not isinstance(fields, dict):
                return _refused("the body must be a JSON object")
        try:
            return JSONResponse(await act(Body(fields)))
        except (ValueError, LookupError) as problem:  # ControlError is a ValueError
            return _refused(str(problem))

    return route


def _refusing(route: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        try:
            return await route(request)
        except ControlError as problem:
            return _refused(str(problem))

    return guarded


def _refused(description: str) -> Response:
    return JSONResponse({"ok": False, "description": description}, status_code=400)
