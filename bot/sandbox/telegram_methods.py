"""The Bot API methods the emulator answers, with Telegram's checks and error texts.

Each method takes the request's `Params` and returns the `result` of the envelope, or raises
`ApiError`. Methods mutate the `World`; nothing here knows about HTTP.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.telegram_markup import MarkupError, parse, utf16_len
from bot.sandbox.telegram_params import Params
from bot.sandbox.telegram_records import ApiError, bad_request
from bot.sandbox.telegram_world import DEFAULT_UPDATE_TYPES, World, now

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
UPDATES_LIMIT = 100
LONG_POLL_LIMIT = 50  # seconds; Telegram holds a getUpdates no longer than this
PARSE_MODES = {"html", "markdown", "markdownv2"}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# the ids each BotCommandScope type carries
SCOPE_IDS: dict[Any, tuple[str, ...]] = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_URL = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)

Method = Callable[[Params], Any]


class BotApi:
    """Bot API methods by their canonical names; `method()` finds one case-insensitively."""

    def __init__(self, world: World) -> None:
        self.world = world
        table: dict[str, Method] = {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.log_out,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getChat": self.get_chat,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "getFile": self.get_file,
        }
        self._methods = {name.lower(): (name, fn) for name, fn in table.items()}

    def method(self, name: str) -> tuple[str, Method] | None:
        return self._methods.get(name.lower())

    def chat_of(self, method: str, params: Params) -> int | None:
        """The chat a call concerns, for recording it per chat (None when there is none)."""
        if method == "answerCallbackQuery":
            record = self.world.callback_queries.get(params.text("callback_query_id") or "")
            return record.chat_id if record else None
        return self.world.resolve_chat_id(params.raw.get("chat_id"))

    # --- the bot itself --------------------------------------------------------------------

    def get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.world.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
            "can_manage_bots": False,
            "supports_guest_queries": False,
        }

    def log_out(self, params: Params) -> bool:
        return True

    # --- updates ---------------------------------------------------------------------------

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        world = self.world
        if world.webhook.get("url"):
            raise ApiError(409, CONFLICT_WEBHOOK)
        offset = params.int("offset", 0) or 0
        limit = min(max(params.int("limit", UPDATES_LIMIT) or UPDATES_LIMIT, 1), UPDATES_LIMIT)
        timeout = min(max(params.int("timeout", 0) or 0, 0), LONG_POLL_LIMIT)
        allowed = params.obj("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise bad_request("can't parse allowed_updates JSON array")
            world.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
        world.confirm(offset)
        world.poll_seq += 1
        mine = world.poll_seq
        world.update_signal.notify()  # an older poll still waiting is superseded by this one
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if world.poll_seq != mine:
                raise ApiError(409, CONFLICT_POLL)
            if world.updates:
                return copy.deepcopy(world.updates[:limit])
            left = deadline - loop.time()
            if left <= 0:
                return []
            await world.update_signal.wait(left)

    def set_webhook(self, params: Params) -> bool:
        url = params.text("url", "") or ""
        if url and not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        if params.bool("drop_pending_updates"):
            self.world.updates.clear()
        self.world.webhook = {"url": url, "secret_token": secret} if url else {}
        return True

    def delete_webhook(self, params: Params) -> bool:
        if params.bool("drop_pending_updates"):
            self.world.updates.clear()
        self.world.webhook = {}
        return True

    def get_webhook_info(self, params: Params) -> dict[str, Any]:
        return {
            "url": self.world.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }

    # --- commands ----------------------------------------------------------------------------

    def _commands_key(self, params: Params) -> tuple[Any, ...]:
        """Commands are kept per scope (its type and ids) and language."""
        scope = params.obj("scope") or {"type": "default"}
        kind = scope.get("type") if isinstance(scope, dict) else None
        if kind not in SCOPE_IDS:
            raise bad_request("can't parse BotCommandScope JSON object")
        ids = []
        for name in SCOPE_IDS[kind]:
            value = self.world.resolve_chat_id(scope.get(name))
            if value is None:
                raise bad_request("chat not found" if name == "chat_id" else "user not found")
            ids.append(value)
        return (kind, *ids, params.text("language_code", "") or "")

    def set_my_commands(self, params: Params) -> bool:
        commands = params.obj("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON array")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        self.world.commands[key] = [
            {"command": str(c["command"]), "description": str(c["description"])} for c in commands
        ]
        return True

    def get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        return copy.deepcopy(self.world.commands.get(self._commands_key(params), []))

    def delete_my_commands(self, params: Params) -> bool:
        self.world.commands.pop(self._commands_key(params), None)
        return True

    # --- chats -----------------------------------------------------------------------------

    def get_chat(self, params: Params) -> dict[str, Any]:
        chat_id = self.world.target_chat(params)
        return {
            **self.world.chats[chat_id],
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def send_chat_action(self, params: Params) -> bool:
        self.world.target_chat(params)
        if params.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # --- sending -----------------------------------------------------------------------------

    def send_message(self, params: Params) -> dict[str, Any]:
        chat_id = self.world.target_chat(params)
        text, entities = _formatted(params, "text", "parse_mode", "entities")
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise bad_request("message is too long")
        markup = self._markup(params, chat_id)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        preview = params.obj("link_preview_options")
        if isinstance(preview, dict) and preview:
            content["link_preview_options"] = preview
        return self.world.bot_message(chat_id, content, markup, self._reply_to(params, chat_id))

    def send_photo(self, params: Params) -> dict[str, Any]:
        chat_id = self.world.target_chat(params)
        sizes = self._photo(params)
        caption, entities = _formatted(params, "caption", "parse_mode", "caption_entities")
        if utf16_len(caption) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        markup = self._markup(params, chat_id)
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        if params.bool("has_spoiler"):
            content["has_media_spoiler"] = True
        return self.world.bot_message(chat_id, content, markup, self._reply_to(params, chat_id))

    def _photo(self, params: Params) -> list[dict[str, Any]]:
        """The PhotoSizes of an uploaded photo, a photo sent before (any size), or a URL."""
        upload = params.upload("photo")
        if upload is not None:
            return self.world.files.add_photo(upload.data)
        reference = params.text("photo", "") or ""
        if not reference:
            raise bad_request("there is no photo in the request")
        sizes = self.world.files.photo_sizes(reference)
        if sizes is not None:
            return sizes
        if _BUTTON_URL.fullmatch(reference) and reference.lower().startswith("http"):
            # Telegram would download it; offline, the URL itself stands in for the picture
            return self.world.files.add_photo(reference.encode())
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _reply_to(self, params: Params, chat_id: int) -> dict[str, Any] | None:
        reply = params.obj("reply_parameters")
        message_id = params.int("reply_to_message_id")
        allow_missing = params.bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id", 0))
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        if message_id is None:
            return None
        message = self.world.find_message(chat_id, message_id)
        if message is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return message

    def _markup(
        self, params: Params, chat_id: int, inline_only: bool = False
    ) -> dict[str, Any] | None:
        markup = params.obj("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _check_inline_keyboard(markup["inline_keyboard"])
        elif inline_only:
            raise bad_request("inline keyboard expected")
        elif "keyboard" in markup:
            private = self.world.chats[chat_id].get("type") == "private"
            _check_reply_keyboard(markup["keyboard"], private)
        elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    # --- editing -----------------------------------------------------------------------------

    def _editable(self, params: Params) -> tuple[int, dict[str, Any]]:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # the bot has no inline mode here
        chat_id = self.world.target_chat(params)
        message = self.world.find_message(chat_id, params.int("message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.get("from", {}).get("is_bot"):
            raise bad_request("message can't be edited")
        return chat_id, message

    def _apply_edit(
        self, chat_id: int, message: dict[str, Any], changes: dict[str, Any], markup: Any
    ) -> dict[str, Any]:
        """Edit the stored message; empty values and an empty keyboard mean "none"."""
        keyboard = markup if markup and markup.get("inline_keyboard") else None
        wanted = {key: value or None for key, value in changes.items()}
        current = {key: message.get(key) or None for key in changes}
        if current == wanted and message.get("reply_markup") == keyboard:
            raise bad_request(NOT_MODIFIED)
        for key, value in wanted.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if keyboard is None:
            message.pop("reply_markup", None)  # an edit without reply_markup removes it
        else:
            message["reply_markup"] = keyboard
        message["edit_date"] = now()
        self.world.changed(chat_id)
        return copy.deepcopy(message)

    def edit_message_text(self, params: Params) -> dict[str, Any]:
        chat_id, message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = _formatted(params, "text", "parse_mode", "entities")
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > TEXT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = self._markup(params, chat_id, inline_only=True)
        return self._apply_edit(chat_id, message, {"text": text, "entities": entities}, markup)

    def edit_message_caption(self, params: Params) -> dict[str, Any]:
        chat_id, message = self._editable(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = _formatted(params, "caption", "parse_mode", "caption_entities")
        if utf16_len(caption) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        markup = self._markup(params, chat_id, inline_only=True)
        changes = {"caption": caption, "caption_entities": entities}
        return self._apply_edit(chat_id, message, changes, markup)

    def edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat_id, message = self._editable(params)
        markup = self._markup(params, chat_id, inline_only=True)
        return self._apply_edit(chat_id, message, {}, markup)

    def delete_message(self, params: Params) -> bool:
        chat_id = self.world.target_chat(params)
        message_id = params.int("message_id")
        messages = self.world.chat_messages.get(chat_id, {})
        if message_id is None or message_id not in messages:
            raise bad_request("message to delete not found")
        del messages[message_id]
        self.world.outside_markup.pop((chat_id, message_id), None)
        self.world.changed(chat_id)
        return True

    # --- callback queries and files ----------------------------------------------------------

    def answer_callback_query(self, params: Params) -> bool:
        record = self.world.callback_queries.get(params.text("callback_query_id") or "")
        if record is None or record.answer is not None:
            raise bad_request(QUERY_TOO_OLD)
        text = params.text("text", "") or ""
        if len(text) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answer = {
            "text": text,
            "show_alert": params.bool("show_alert"),
            "url": params.text("url"),
        }
        if record.chat_id is not None:
            self.world.changed(record.chat_id)
        return True

    def get_file(self, params: Params) -> dict[str, Any]:
        file_id = params.text("file_id", "") or ""
        stored = self.world.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }


def _formatted(
    params: Params, text_name: str, mode_name: str, entities_name: str
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text and entities of a text parameter, parsed as Telegram would."""
    raw = params.text(text_name, "") or ""
    mode = params.text(mode_name)
    if mode and mode.lower() not in PARSE_MODES:
        raise bad_request("unsupported parse_mode")
    try:
        text, entities = parse(raw, mode)
    except MarkupError as problem:
        raise bad_request(f"can't parse entities: {problem}") from None
    given = params.obj(entities_name)
    if not mode and isinstance(given, list):
        entities = [dict(e) for e in given if isinstance(e, dict)]
    return text, entities


def _rows(keyboard: Any, name: str) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(f'can\'t parse {name}: field "{name}" must be an Array of Arrays')
    return keyboard


def _check_inline_keyboard(keyboard: Any) -> None:
    actions = (
        "callback_data",
        "url",
        "copy_text",
        "web_app",
        "login_url",
        "pay",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "callback_game",
    )
    for row in _rows(keyboard, "inline keyboard"):
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            present = [key for key in actions if key in button]
            if len(present) != 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not _BUTTON_URL.fullmatch(str(button["url"])):
                raise bad_request("BUTTON_URL_INVALID")


def _check_reply_keyboard(keyboard: Any, private: bool) -> None:
    for row in _rows(keyboard, "keyboard"):
        for button in row:
            if isinstance(button, str):
                continue
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse keyboard button: Text must be a String")
            if button.get("request_contact") and not private:
                raise bad_request("phone number can be requested in private chats only")
            if button.get("request_location") and not private:
                raise bad_request("location can be requested in private chats only")
