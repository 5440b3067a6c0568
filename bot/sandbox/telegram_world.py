"""The Telegram emulator's state: users, chats and their messages, the update queue, faults."""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass
from typing import Any

from bot.sandbox.telegram_files import Files
from bot.sandbox.telegram_params import Params
from bot.sandbox.telegram_records import ApiError, BotCall, ChatMessage, Signal, bad_request

# Update types delivered when allowed_updates is [] or was never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "managed_bot",
        "guest_message",
    }
)
# Every update type; these three are delivered only when asked for in allowed_updates.
UPDATE_TYPES = DEFAULT_UPDATE_TYPES | {"chat_member", "message_reaction", "message_reaction_count"}
# Update types whose payload is a Message (chat and sender are learnt from them).
_MESSAGE_UPDATES = ("message", "edited_message", "channel_post", "edited_channel_post")


@dataclass
class Fault:
    """A prepared failure (or delay) for the next `count` matching calls."""

    method: str
    chat_id: int | None
    count: int
    error: ApiError | None = None
    delay: float = 0.0

    def matches(self, method: str, chat_id: int | None) -> bool:
        return self.method.lower() == method.lower() and (
            self.chat_id is None or self.chat_id == chat_id
        )


@dataclass
class CallbackQueryRecord:
    chat_id: int | None
    answer: dict[str, Any] | None = None


def now() -> int:
    return int(time.time())


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


class World:
    """Everything the emulated Telegram knows; mutated only from the event loop serving it."""

    def __init__(self, bot_id: int, bot_username: str) -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Sandbox Shop",
            "username": bot_username,
        }
        self.update_signal = Signal()  # an update arrived or a poll was superseded
        self.change_signal = Signal()  # a chat changed (bot message sent, edited, deleted)
        self.activity_signal = Signal()  # any call or update
        self.calls: list[BotCall] = []
        # never reset: pollers keep their offsets and their place in line
        self.next_update_id = 1
        self.poll_seq = 0
        self._counters = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        self.calls.clear()
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.privacy: dict[int, bool] = {}
        self.chat_messages: dict[int, dict[int, dict[str, Any]]] = {}
        # markup that is not part of the message (reply keyboard, its removal, force reply)
        self.outside_markup: dict[tuple[int, int], dict[str, Any]] = {}
        self.next_message_id: dict[int, int] = {}
        self.reply_keyboards: dict[int, dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook: dict[str, Any] = {}
        self.commands: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.faults: list[Fault] = []
        self.blocked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.changes: dict[int, int] = {}
        self.files = Files()
        self.update_signal.notify()
        self.change_signal.notify()

    def unique(self) -> int:
        return next(self._counters)

    # --- chats and users --------------------------------------------------------------------

    def remember_user(self, user: dict[str, Any]) -> None:
        if not user.get("is_bot"):
            self.users[int(user["id"])] = dict(user)

    def remember_chat(self, chat: dict[str, Any]) -> None:
        chat_id = int(chat["id"])
        known = self.chats.get(chat_id, {})
        self.chats[chat_id] = {**known, **chat}
        self.chat_messages.setdefault(chat_id, {})

    def private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def new_message_id(self, chat_id: int) -> int:
        message_id = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = message_id + 1
        return message_id

    def store_message(self, chat_id: int, message: dict[str, Any]) -> None:
        """Keep a message of the chat (a user's or the bot's) so it can be shown and edited."""
        self.chat_messages.setdefault(chat_id, {})[int(message["message_id"])] = message
        seen = int(message["message_id"]) + 1
        self.next_message_id[chat_id] = max(self.next_message_id.get(chat_id, 1), seen)

    def resolve_chat_id(self, value: Any) -> int | None:
        """The numeric chat id for a `chat_id` parameter (int, "42" or "@username"), if known."""
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@"):
                name = text[1:].lower()
                return next(
                    (
                        cid
                        for cid, c in self.chats.items()
                        if str(c.get("username", "")).lower() == name
                    ),
                    None,
                )
            try:
                return int(text)
            except ValueError:
                return None
        return None

    def target_chat(self, params: Params, name: str = "chat_id") -> int:
        """The chat a call addresses, after Telegram's checks: known, not blocked, not migrated."""
        raw = params.raw.get(name)
        if raw is None or raw == "":
            raise bad_request(f"{name} is empty")
        chat_id = self.resolve_chat_id(raw)
        if chat_id is None:
            raise bad_request("chat not found")
        if chat_id in self.migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        if chat_id in self.blocked:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return chat_id

    # --- messages --------------------------------------------------------------------------

    def bot_message(
        self,
        chat_id: int,
        content: dict[str, Any],
        markup: dict[str, Any] | None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a message sent by the bot; returns it as Telegram's result (a copy)."""
        message: dict[str, Any] = {
            "message_id": self.new_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": dict(self.chats[chat_id]),
            "date": now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        message.update(content)
        if markup and "inline_keyboard" in markup:
            if markup["inline_keyboard"]:  # an empty inline keyboard is no keyboard
                message["reply_markup"] = markup
        elif markup:
            self.outside_markup[(chat_id, message["message_id"])] = markup
        self._track_keyboard(chat_id, markup)
        self.store_message(chat_id, message)
        self.changed(chat_id)
        return copy.deepcopy(message)

    def _track_keyboard(self, chat_id: int, markup: dict[str, Any] | None) -> None:
        if markup is None:
            return
        if "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(chat_id, None)

    def user_used_keyboard(self, chat_id: int, text: str = "", contact: bool = False) -> None:
        """A one-time reply keyboard hides once the user pressed one of its buttons.

        Pressing a plain button sends its label; a request_contact button shares a contact.
        """
        keyboard = self.reply_keyboards.get(chat_id)
        if not keyboard or not keyboard.get("one_time_keyboard"):
            return
        for row in keyboard.get("keyboard", []):
            for key in row:
                button = {"text": key} if isinstance(key, str) else key
                if (contact and button.get("request_contact")) or (
                    not contact and button.get("text") == text
                ):
                    self.reply_keyboards.pop(chat_id, None)
                    return

    def find_message(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        if message_id is None:
            return None
        return self.chat_messages.get(chat_id, {}).get(message_id)

    def changed(self, chat_id: int) -> None:
        self.changes[chat_id] = self.changes.get(chat_id, 0) + 1
        self.change_signal.notify()
        self.activity_signal.notify()

    def view(self, chat_id: int) -> list[ChatMessage]:
        messages = self.chat_messages.get(chat_id, {})
        return [self._view_one(chat_id, messages[mid]) for mid in sorted(messages)]

    def _view_one(self, chat_id: int, message: dict[str, Any]) -> ChatMessage:
        from_bot = bool(message.get("from", {}).get("is_bot"))
        markup = message.get("reply_markup") or self.outside_markup.get(
            (chat_id, int(message["message_id"]))
        )
        text = message.get("text", message.get("caption", ""))
        entities = message.get("entities", message.get("caption_entities", []))
        return ChatMessage(
            message_id=int(message["message_id"]),
            from_bot=from_bot,
            text=str(text),
            entities=copy.deepcopy(list(entities)),
            reply_markup=copy.deepcopy(markup),
            raw=copy.deepcopy(message),
        )

    # --- updates ----------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update as Telegram would (unless filtered by allowed_updates); its id."""
        update = copy.deepcopy(dict(update))
        if "update_id" not in update:
            update["update_id"] = self.next_update_id
        # later generated ids stay above injected ones, as Telegram's ids only grow
        self.next_update_id = max(self.next_update_id, int(update["update_id"]) + 1)
        self._learn_from(update)
        if update_type(update) in self.allowed_updates:
            self.updates.append(update)
        self.update_signal.notify()
        self.activity_signal.notify()
        return int(update["update_id"])

    def _learn_from(self, update: dict[str, Any]) -> None:
        """Chats and users that appear in an update become known, as they would to Telegram."""
        kind = update_type(update)
        payload = update.get(kind)
        if not isinstance(payload, dict):
            return
        if "from" in payload and isinstance(payload["from"], dict):
            self.remember_user(payload["from"])
        if kind in _MESSAGE_UPDATES and isinstance(payload.get("chat"), dict):
            self.remember_chat(payload["chat"])
            if "message_id" in payload and "date" in payload:
                self.store_message(int(payload["chat"]["id"]), copy.deepcopy(payload))
            if isinstance(payload.get("migrate_to_chat_id"), int):
                self.migrated[int(payload["chat"]["id"])] = payload["migrate_to_chat_id"]
        elif kind == "callback_query" and "id" in payload:
            # a replayed query can be answered like one made by tap()
            message = payload.get("message")
            chat = message.get("chat") if isinstance(message, dict) else None
            if isinstance(chat, dict):
                self.remember_chat(chat)
            chat_id = int(chat["id"]) if isinstance(chat, dict) else None
            self.callback_queries.setdefault(str(payload["id"]), CallbackQueryRecord(chat_id))
        elif kind == "my_chat_member" and isinstance(payload.get("chat"), dict):
            chat_id = int(payload["chat"]["id"])
            status = payload.get("new_chat_member", {}).get("status")
            if status in ("member", "administrator", "creator"):
                self.remember_chat(payload["chat"])
                self.blocked.discard(chat_id)
            elif status in ("left", "kicked"):
                self.blocked.add(chat_id)

    def confirm(self, offset: int) -> None:
        """Forget what getUpdates' `offset` confirms (positive) or everything but the last -n."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

    # --- faults -----------------------------------------------------------------------------

    def take_fault(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, chat_id):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None
