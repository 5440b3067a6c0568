"""Logging set-up that keeps secrets out of every log line, whichever handler writes it.

Two layers, because a secret can reach a log in two ways:

- Records are redacted when they are made (a log record factory): a message holding a secret
  is rendered with its arguments, cleaned, and the arguments dropped; an exception's traceback
  text and a stack are rendered and cleaned as well. Every handler (ours, pytest's, an error
  tracker's, one a library attaches to its own logger) only ever sees the cleaned record, even
  when someone lowers httpx, which logs each Bot API URL with its token, to DEBUG.
- Our formatter redacts its whole output once more, for records made before logging was set up.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any

# A Bot API URL carries the token: /bot<id>:<secret>/method
_BOT_URL_TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
# A bot token anywhere else (a query string, an error text): <id>:<35-character secret>
_BOT_TOKEN = re.compile(r"\b\d{5,20}:[A-Za-z0-9_-]{30,}")
# A user's access token in an Authorization header that someone logged
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
# Tokens issued while running, so unknown to the redactor: OneEntry's access token is a JWT,
# its refresh token <epoch-ms>-<uuid>. Both reach the database, whose driver logs parameters.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_REFRESH_TOKEN = re.compile(r"\b\d{10,16}-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")
# Loggers that write request URLs (with the bot token) or SQL parameters (with the guest's
# tokens) below WARNING; they stay quiet unless someone lowers them on purpose.
NOISY_LOGGERS = ("httpx", "httpcore", "aiosqlite", "asyncpg")
_MIN_SECRET = 4


class Redactor:
    """Replaces known secrets and token shapes with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        parts = [secret]
        bot_id, colon, token_secret = secret.partition(":")
        if colon and bot_id.isdigit():
            parts.append(token_secret)  # a bot token's secret half is a secret on its own
        for part in parts:
            if len(part) >= _MIN_SECRET and part not in self._secrets:
                self._secrets.append(part)
        self._secrets.sort(key=len, reverse=True)  # longest first: a token before its half

    def redact(self, text: str) -> str:
        text = _BOT_URL_TOKEN.sub("/bot***", text)
        text = _BOT_TOKEN.sub("***", text)
        text = _BEARER.sub(r"\1 ***", text)
        text = _JWT.sub("***", text)
        text = _REFRESH_TOKEN.sub("***", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    """Redact the record's message, traceback and stack in place.

    A message that holds a secret (in its text or its arguments) is replaced by its redacted
    rendering, without arguments; any other keeps its arguments for handlers that read them.
    """
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what there is rather than lose the record
        message = f"{record.msg} {record.args!r}"
    clean = redactor.redact(message)
    arguments = repr(record.args) if record.args else ""
    if clean != message or redactor.redact(arguments) != arguments:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        lines = traceback.format_exception(*record.exc_info)
        record.exc_text = redactor.redact("".join(lines).rstrip("\n"))
    elif record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)


RecordFactory = Callable[..., logging.LogRecord]


class _RedactingRecordFactory:
    """Wraps the process's log record factory so that every record is born redacted."""

    def __init__(self, inner: RecordFactory, redactor: Redactor) -> None:
        self.inner = inner
        self.redactor = redactor

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        redact_record(record, self.redactor)
        return record


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks out secrets in the whole text, tracebacks included."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.redactor = Redactor(secrets)

    def add_secret(self, secret: str) -> None:
        self.redactor.add(secret)

    def redact(self, text: str) -> str:
        return self.redactor.redact(text)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def install_record_redaction(redactor: Redactor) -> None:
    """Make every new log record redacted by `redactor` (replacing an earlier installation)."""
    current = logging.getLogRecordFactory()
    inner = current.inner if isinstance(current, _RedactingRecordFactory) else current
    logging.setLogRecordFactory(_RedactingRecordFactory(inner, redactor))


def configure_logging(level: str, secrets: Iterable[str]) -> RedactingFormatter:
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    install_record_redaction(formatter.redactor)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, aiosqlite every statement with its parameters at
    # DEBUG: noise, and the records are redacted anyway
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return formatter
