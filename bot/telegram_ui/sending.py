"""Sending HTML messages so that a formatting problem never drops a message."""

from __future__ import annotations

import html
import logging
import re

from telegram import Bot, Message
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from bot.telegram_ui.render import Markup, Reply

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """What an HTML text reads like, for sending without a parse mode."""
    return html.unescape(_TAG.sub("", text))


def split(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Chunks of at most `limit` characters, cut between lines (tags never span lines here)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks


async def send_html(bot: Bot, chat_id: int, text: str, markup: Markup | None = None) -> Message:
    """Send `text` (Telegram HTML); the keyboard goes with the last chunk."""
    chunks = split(text)
    message: Message | None = None
    for i, chunk in enumerate(chunks):
        keyboard = markup if i == len(chunks) - 1 else None
        try:
            message = await bot.send_message(
                chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=keyboard
            )
        except BadRequest as exc:
            if "can't parse entities" not in str(exc).lower():
                raise
            log.warning("Telegram refused the markup of a message; sending it as plain text")
            message = await bot.send_message(chat_id, plain(chunk), reply_markup=keyboard)
    assert message is not None
    return message


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> Message:
    """A reply with a picture as a photo with its caption; as text when that cannot be sent."""
    if reply.photo and _utf16_len(plain(reply.text)) <= MessageLimit.CAPTION_LENGTH:
        try:
            return await bot.send_photo(
                chat_id,
                reply.photo,
                caption=reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup,
            )
        except BadRequest as exc:  # the picture can't be fetched, or the caption is refused
            log.warning("product picture not sent (%s); sending the text alone", exc)
    return await send_html(bot, chat_id, reply.text, reply.markup)
