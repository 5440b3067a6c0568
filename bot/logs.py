"""Logging set-up that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

# A Bot API URL carries the token: /bot<id>:<secret>/method
_BOT_URL_TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks out secrets in the whole text, tracebacks included."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def add_secret(self, secret: str) -> None:
        if len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        text = _BOT_URL_TOKEN.sub("/bot***", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure_logging(level: str, secrets: Iterable[str]) -> RedactingFormatter:
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; the Bot API URL holds the token
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return formatter
