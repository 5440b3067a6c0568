"""Telegram Bot API emulator: a Starlette app that behaves like api.telegram.org for one bot.

It serves `/bot<token>/<method>` (POST or GET, parameters in the query string, a form, JSON or
multipart, as Telegram accepts them) with Telegram's envelope, errors and HTTP statuses, and
`/file/bot<token>/<path>` for files. The `/_sandbox/...` routes, and the methods of
`TelegramEmulator`, play the users' side: they inject updates (raw JSON as Telegram sends it,
or a text, a contact, a button tap filled in as Telegram would), read back every Bot API call
per chat, and prepare faults (flood limits, blocked users, migrated groups, slow answers).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import inspect
import re
import secrets
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from bot.sandbox.telegram_control import control_routes
from bot.sandbox.telegram_markup import utf16_len
from bot.sandbox.telegram_methods import BotApi
from bot.sandbox.telegram_params import Params, read_params
from bot.sandbox.telegram_records import ApiError, BotCall, ChatMessage
from bot.sandbox.telegram_world import UPDATE_TYPES, CallbackQueryRecord, Fault, World, now

__all__ = ["SENDER", "ApiError", "BotCall", "ChatMessage", "TelegramEmulator"]

_TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
SENDER: Literal["sender"] = "sender"  # a shared contact that is the sender's own


class TelegramEmulator:
    """One bot's view of Telegram. See the module docstring; `app` is the ASGI app."""

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_username: str = "sandbox_shop_bot",
    ) -> None:
        if token is None:
            token = f"7000000001:AA{secrets.token_urlsafe(24)[:33]}"
        if not _TOKEN_SHAPE.fullmatch(token):
            raise ValueError("a bot token looks like <bot id>:<secret>")
        self.token = token
        self.world = World(int(token.split(":", 1)[0]), bot_username)
        self.api = BotApi(self.world)
        self.app: ASGIApp = self._build_app()

    def __repr__(self) -> str:  # the token is a secret
        return f"TelegramEmulator(@{self.world.bot_user['username']}, calls={len(self.calls)})"

    # -- what the bot did ----------------------------------------------------------------------

    @property
    def calls(self) -> list[BotCall]:
        """Every Bot API request in the order received, answered or refused."""
        return self.world.calls

    def calls_for(self, chat_id: int, method: str | None = None) -> list[BotCall]:
        return [
            c
            for c in self.world.calls
            if c.chat_id == chat_id and (method is None or c.method.lower() == method.lower())
        ]

    def messages(self, chat_id: int) -> list[ChatMessage]:
        """The chat as its members see it now: users' and bot's messages, edits applied."""
        return self.world.view(chat_id)

    def callback_answer(self, callback_query_id: str) -> dict[str, Any] | None:
        record = self.world.callback_queries.get(callback_query_id)
        return copy.deepcopy(record.answer) if record else None

    def commands(self, language_code: str = "") -> list[str]:
        """The command names registered for the default scope in `language_code`."""
        return [c["command"] for c in self.world.commands.get(("default", language_code), [])]

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user sees under the input field, if any."""
        keyboard = self.world.reply_keyboards.get(chat_id)
        return copy.deepcopy(keyboard)

    @property
    def pending_updates(self) -> int:
        return len(self.world.updates)

    async def wait_for(self, condition: Callable[[], bool], seconds: float = 10.0) -> None:
        """Return once `condition()` holds; TimeoutError after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not condition():
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"the condition did not hold within {seconds} s")
            await self.world.activity_signal.wait(min(left, 0.5))

    # -- chats, users and their updates --------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """The user's Telegram profile; known fields are updated by the given ones."""
        known = self.world.users.get(user_id, {"id": user_id, "is_bot": False})
        profile = {**known, "first_name": first_name or known.get("first_name") or f"User{user_id}"}
        if username is not None:
            profile["username"] = username
        if language_code is not None:
            profile["language_code"] = language_code
        self.world.remember_user(profile)
        return dict(profile)

    def add_group(self, chat_id: int, title: str, *, privacy: bool = True) -> None:
        """A group the bot is a member of (ids from -100… are supergroups)."""
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        self.world.remember_chat({"id": chat_id, "type": kind, "title": title})
        self.world.privacy[chat_id] = privacy

    def inject(self, update: dict[str, Any]) -> int:
        """Queue a raw Update as Telegram sends it; returns its update_id."""
        if not isinstance(update, dict):
            raise ValueError("an Update is a JSON object")
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1 or not isinstance(update[kinds[0]], dict):
            raise ValueError("an Update has update_id and exactly one object field, e.g. message")
        if kinds[0] not in UPDATE_TYPES:
            raise ValueError(f"{kinds[0]!r} is not a type of update")
        update_id = update.get("update_id")
        if update_id is not None and (type(update_id) is not int or update_id <= 0):
            raise ValueError("update_id must be a positive integer")
        return self.world.push_update(update)

    def _chat_for(self, user: dict[str, Any], chat_id: int | None) -> dict[str, Any]:
        if chat_id is None or chat_id == user["id"]:
            return self.world.private_chat(user)
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"chat {chat_id} is unknown; add_group() it first")
        return {k: v for k, v in chat.items() if k in ("id", "type", "title", "username")}

    def _message(
        self, user_id: int, chat_id: int | None, content: dict[str, Any], **profile: Any
    ) -> dict[str, Any]:
        user = self.user(user_id, **profile)
        chat = self._chat_for(user, chat_id)
        message = {
            "message_id": self.world.new_message_id(int(chat["id"])),
            "from": user,
            "chat": chat,
            "date": now(),
            **content,
        }
        return message

    def _deliver_message(self, message: dict[str, Any]) -> int:
        """Queue the message as an update, unless privacy mode hides it from the bot."""
        chat_id = int(message["chat"]["id"])
        if message["chat"]["type"] in ("group", "supergroup") and not self._bot_sees(message):
            self.world.store_message(chat_id, message)
            self.world.changed(chat_id)
            return 0
        return self.world.push_update({"message": message})

    def _bot_sees(self, message: dict[str, Any]) -> bool:
        chat_id = int(message["chat"]["id"])
        if not self.world.privacy.get(chat_id, True):
            return True
        reply = message.get("reply_to_message") or {}
        if reply.get("from", {}).get("id") == self.world.bot_user["id"]:
            return True
        text = str(message.get("text", ""))
        name = str(self.world.bot_user["username"]).lower()
        command = _COMMAND.match(text)
        if command is None:
            return False
        return "@" not in command.group() or command.group().lower().endswith(f"@{name}")

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
        **profile: Any,
    ) -> int:
        """The user sends `text` (to the bot, or in group `chat_id`); the update's id.

        Commands get their bot_command entities as Telegram's clients make them. A one-time
        reply keyboard hides, as it does once the user answers.
        """
        content: dict[str, Any] = {"text": text}
        entities = [
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group()),
            }
            for m in _COMMAND.finditer(text)
        ]
        if not text.strip():
            raise ValueError("Telegram's clients send no empty messages")
        if entities:
            content["entities"] = entities
        message = self._message(user_id, chat_id, content, **profile)
        if reply_to is not None:
            replied = self.world.find_message(int(message["chat"]["id"]), reply_to)
            if replied is None:
                raise ValueError(f"no message {reply_to} to reply to")
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        self.world.user_used_keyboard(int(message["chat"]["id"]), text)
        return self._deliver_message(message)

    def share_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        contact_user_id: int | Literal["sender"] | None = SENDER,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> int:
        """The user shares a contact: their own by default (the "Share my phone" button).

        Pass another `contact_user_id` for someone else's contact, or None for a contact
        that is not a Telegram user.
        """
        user = self.user(user_id, first_name)
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": user["first_name"]}
        if last_name:
            contact["last_name"] = last_name
        owner = user_id if contact_user_id == SENDER else contact_user_id
        if owner is not None:
            contact["user_id"] = owner
        message = self._message(user_id, None, {"contact": contact})
        self.world.user_used_keyboard(user_id, contact=True)
        return self._deliver_message(message)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> int:
        stored = self.world.files.add(
            "CAACAgIAAxkBAAIBsticker", "AgADsticker", "stickers", emoji.encode()
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._deliver_message(self._message(user_id, None, {"sticker": sticker}))

    def send_photo(self, user_id: int, caption: str | None = None) -> int:
        picture = f"a photo by {user_id} #{self.world.unique()}".encode()
        content: dict[str, Any] = {"photo": self.world.files.add_photo(picture)}
        if caption:
            content["caption"] = caption
        return self._deliver_message(self._message(user_id, None, content))

    def edit_text(self, user_id: int, message_id: int, text: str) -> int:
        """The user edits one of their messages in the private chat: an edited_message update."""
        original = self.world.find_message(user_id, message_id)
        if original is None or original.get("from", {}).get("id") != user_id:
            raise ValueError(f"user {user_id} has no message {message_id} to edit")
        original["text"] = text
        original["edit_date"] = now()
        self.world.changed(user_id)
        return self.world.push_update({"edited_message": copy.deepcopy(original)})

    def tap(
        self,
        user_id: int,
        *,
        label: str | None = None,
        data: str | None = None,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> int:
        """The user taps a button (by label or callback data) in the private chat or `chat_id`.

        Without `message_id` the newest bot message with such an inline button is used; a
        callback_query update results. A reply-keyboard button found by label sends its text,
        as Telegram's clients do (a request_contact one needs share_contact()).
        """
        if label is None and data is None:
            raise ValueError("tap() needs the button's label or its callback data")
        chat = user_id if chat_id is None else chat_id
        message, button = self._find_button(chat, label, data, message_id)
        if button is None and data is not None and message is not None:
            button = {"callback_data": data}  # a keyboard the client still shows, now stale
        if button is None and label is not None and chat == user_id:
            keyboard = self.world.reply_keyboards.get(user_id) or {}
            for row in keyboard.get("keyboard", []):
                for key in row:
                    text = key if isinstance(key, str) else key.get("text")
                    if text == label:
                        if isinstance(key, dict) and key.get("request_contact"):
                            raise ValueError("use share_contact() for a request_contact button")
                        return self.send_text(user_id, label)
        if message is None or button is None or "callback_data" not in button:
            raise LookupError(f"no button {label or data!r} for user {user_id} to tap")
        user = self.user(user_id)
        query_id = str(self.world.unique() * 7919 + 4_000_000_000_000_000)
        self.world.callback_queries[query_id] = CallbackQueryRecord(chat_id=chat)
        query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(message),
            "chat_instance": _chat_instance(self.world.bot_user["id"], chat),
            "data": button["callback_data"],
        }
        return self.world.push_update({"callback_query": query})

    def _find_button(
        self, chat_id: int, label: str | None, data: str | None, message_id: int | None
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        messages = self.world.chat_messages.get(chat_id, {})
        if message_id is not None:
            candidates = [messages[message_id]] if message_id in messages else []
        else:
            candidates = [messages[mid] for mid in sorted(messages, reverse=True)]
        for message in candidates:
            if not message.get("from", {}).get("is_bot"):
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if (label is None or button.get("text") == label) and (
                        data is None or button.get("callback_data") == data
                    ):
                        return message, button
        return (candidates[0] if candidates and message_id is not None else None), None

    # -- faults and chat events ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        status: int = 429,
        description: str | None = None,
        retry_after: int = 1,
        count: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Make the next `count` calls of `method` (to `chat_id`, or any) fail after `delay` s.

        429 answers "Too Many Requests" with retry_after; status 0 only delays the answer.
        """
        if self.api.method(method) is None:
            raise ValueError(f"the emulator has no method {method!r}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if not 0 <= delay <= 60:
            raise ValueError("delay must be between 0 and 60 seconds")
        if retry_after < 1:
            raise ValueError("retry_after must be at least 1 second")
        error: ApiError | None = None
        if status == 429:
            error = ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        elif status != 0:
            if not 400 <= status <= 599:
                raise ValueError("status must be 0 (delay only) or an HTTP error status")
            default = _DEFAULT_ERRORS.get(status) or HTTPStatus(status).phrase
            error = ApiError(status, description or default)
        self.world.faults.append(Fault(method, chat_id, count, error, delay))

    def block(self, user_id: int) -> None:
        """The user blocks the bot: a my_chat_member update, then 403 for every message."""
        self._membership(user_id, "kicked")

    def unblock(self, user_id: int) -> None:
        self._membership(user_id, "member")

    def _membership(self, chat_id: int, status: str) -> None:
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"chat {chat_id} is unknown")
        old = "kicked" if chat_id in self.world.blocked else "member"
        actor = self.world.users.get(chat_id) if chat_id > 0 else None
        self.world.push_update(
            {
                "my_chat_member": {
                    "chat": {
                        k: v
                        for k, v in chat.items()
                        if k in ("id", "type", "title", "first_name", "username")
                    },
                    "from": actor or {"id": 1, "is_bot": False, "first_name": "Owner"},
                    "date": now(),
                    "old_chat_member": _member(old, self.world.bot_user),
                    "new_chat_member": _member(status, self.world.bot_user),
                }
            }
        )

    def migrate_group(self, chat_id: int, new_chat_id: int) -> None:
        """A group becomes a supergroup: service messages in both, the old id answers 400."""
        old = self.world.chats.get(chat_id)
        if old is None or old.get("type") != "group":
            raise ValueError(f"{chat_id} is not a known basic group")
        if not str(new_chat_id).startswith("-100"):
            raise ValueError("supergroup ids start with -100")
        title = old.get("title", "")
        self.add_group(new_chat_id, title, privacy=self.world.privacy.get(chat_id, True))
        owner = {"id": 1, "is_bot": False, "first_name": "Owner"}
        for where, field, value in (
            (chat_id, "migrate_to_chat_id", new_chat_id),
            (new_chat_id, "migrate_from_chat_id", chat_id),
        ):
            chat = {
                k: v for k, v in self.world.chats[where].items() if k in ("id", "type", "title")
            }
            message = {
                "message_id": self.world.new_message_id(where),
                "from": owner,
                "chat": chat,
                "date": now(),
                field: value,
            }
            self.world.push_update({"message": message})

    def reset(self) -> None:
        """Forget chats, users, calls, updates and faults (update ids keep growing)."""
        self.world.reset()

    # -- HTTP ------------------------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        both = ["GET", "POST"]
        routes = [
            Route("/bot{token}/{method}", self._bot_api, methods=both),
            Route("/file/bot{token}/{path:path}", self._file, methods=["GET"]),
            *control_routes(self),
        ]
        return Starlette(routes=routes)

    def _check_token(self, token: str) -> None:
        if token != self.token:
            raise (
                ApiError(401, "Unauthorized")
                if _TOKEN_SHAPE.fullmatch(token)
                else ApiError(404, "Not Found")
            )

    async def _bot_api(self, request: Request) -> Response:
        name = request.path_params["method"]
        try:
            self._check_token(request.path_params["token"])
            found = self.api.method(name)
            if found is None:
                raise ApiError(404, "Not Found")
            params = Params(await read_params(request))
        except ApiError as problem:
            self.world.calls.append(BotCall(name, {}, None, False, None, problem.envelope()))
            return _envelope(problem.envelope(), problem.code)
        method, handler = found
        call = BotCall(method, params.decoded(), self.api.chat_of(method, params))
        self.world.calls.append(call)
        self.world.activity_signal.notify()
        try:
            fault = self.world.take_fault(method, call.chat_id)
            if fault is not None:
                await asyncio.sleep(fault.delay)
                if fault.error is not None:
                    raise fault.error
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as problem:
            call.ok, call.error = False, problem.envelope()
            self.world.activity_signal.notify()
            return _envelope(problem.envelope(), problem.code)
        call.result = copy.deepcopy(result)
        self.world.activity_signal.notify()
        return _envelope({"ok": True, "result": result}, 200)

    async def _file(self, request: Request) -> Response:
        try:
            self._check_token(request.path_params["token"])
        except ApiError as problem:
            return _envelope(problem.envelope(), problem.code)
        path = request.path_params["path"]
        stored = self.world.files.at_path(path)
        if stored is None:
            return _envelope(ApiError(404, "Not Found").envelope(), 404)
        return Response(stored.data, media_type="application/octet-stream")


_DEFAULT_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": dict(user)}
    if status == "kicked":
        member["until_date"] = 0
    return member


def _chat_instance(bot_id: int, chat_id: int) -> str:
    """A stable opaque id of the chat as this bot sees it, like Telegram's."""
    digest = hashlib.sha256(f"{bot_id}:{chat_id}".encode()).digest()
    return str(-int.from_bytes(digest[:7], "big"))


def _envelope(body: dict[str, Any], status: int) -> Response:
    return JSONResponse(body, status_code=status)
