"""C29: no log record shows the bot token, the OneEntry credentials or the guest's tokens.

Even with root, httpx, httpcore and telegram at DEBUG, and for every handler, not only the one
configure_logging installs: records are redacted when made, tracebacks when formatted.
"""

from __future__ import annotations

import logging
import re
import socket
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import build_application, running
from bot.logs import configure_logging
from bot.sandbox.run import Sandbox, running_sandbox
from bot.settings import Settings, load_settings
from db.engine import create_engine
from tests.cases.steps import admin_messages, answer_up_to_the_summary
from tests.flows.conftest import Chat

NOISY = ("httpx", "httpcore", "aiosqlite", "telegram", "uvicorn", "asyncio")
# the OneEntry sandbox's token shapes: a JWT access token, an <epoch-ms>-<uuid> refresh token
ACCESS_TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
REFRESH_TOKEN = re.compile(
    r"\b\d{13}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
)


class Keep(logging.Handler):
    """A handler of someone else's (no formatter, no filter of ours): keeps the records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put the process's logging back as it was: the test reconfigures it from the ground up."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in NOISY}
    factory = logging.getLogRecordFactory()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)
        logging.setLogRecordFactory(factory)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(box: Sandbox, tmp_path: Path, **changes: str) -> Settings:
    env = {key.lower(): value for key, value in box.settings().items()}
    env.update(changes)
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    return load_settings(_env_file=None, **env, database_url=url, log_level="DEBUG")


async def stored_guest_tokens(settings: Settings) -> list[str]:
    """The guest session's access and refresh tokens, as the bot keeps them in its database."""
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT access_token, refresh_token FROM oneentry_tokens")
            )
            return [str(token) for row in rows for token in row if token]
    finally:
        await engine.dispose()


def everything_said(record: logging.LogRecord, formatter: logging.Formatter) -> list[str]:
    """What any handler could show of a record: message, args, formatted text, the exception."""
    said = [str(record.msg), repr(record.args), record.getMessage(), formatter.format(record)]
    if record.exc_info and record.exc_info[1] is not None:
        said += [repr(record.exc_info[1]), str(record.exc_info[1])]
    return said


async def test_c29_a_debug_logged_order_and_a_network_error_show_no_secret(
    tmp_path: Path, restored_logging: None
) -> None:
    """C29: one full order, then the Bot API unreachable; every record is free of secrets."""
    keep = Keep()
    async with running_sandbox() as box:
        settings = settings_for(box, tmp_path)
        formatter = configure_logging("DEBUG", settings.secrets())
        for name in NOISY:  # someone lowers the libraries' loggers on purpose
            logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger().addHandler(keep)
        chat = Chat(box.telegram)
        async with running(build_application(settings), poll_timeout=1):
            await answer_up_to_the_summary(chat, box)
            await chat.tap("✅ Confirm", expect="placed")
            await box.telegram.wait_for(lambda: len(admin_messages(box)) == 1)
        bot_token = box.telegram.token
        guest_tokens = await stored_guest_tokens(settings)
        secrets = {
            "bot token": bot_token,
            "bot token secret": bot_token.split(":", 1)[1],
            "OneEntry app token": box.oneentry.app_token,
            "guest password": box.oneentry.guest_password,
            **{f"guest token {n}": token for n, token in enumerate(guest_tokens)},
        }

    unreachable = settings_for(box, tmp_path, telegram_api_url=f"http://127.0.0.1:{closed_port()}")
    app = build_application(unreachable)
    with pytest.raises(Exception) as caught:
        async with running(app, poll_timeout=1):
            pass
    logging.getLogger("bot.app").error("the bot could not start", exc_info=caught.value)
    # the exception itself, printed as Python would print an unhandled one, holds no secret
    printed = "".join(traceback.format_exception(caught.value))

    assert any(r.name.startswith("httpx") for r in keep.records)  # DEBUG really was on
    assert any(r.exc_info for r in keep.records)
    assert any(r.name == "aiosqlite" for r in keep.records)  # SQL with parameters was logged
    assert len(guest_tokens) == 2
    leaks = [
        (what, record.name, text[:200])
        for record in keep.records
        for text in [*everything_said(record, formatter)]
        for what, secret in secrets.items()
        if secret in text
    ]
    leaks += [
        ("OneEntry user token", record.name, text[:200])
        for record in keep.records
        for text in everything_said(record, formatter)
        if ACCESS_TOKEN.search(text) or REFRESH_TOKEN.search(text)
    ]
    assert leaks == []
    assert all(secret not in printed for secret in secrets.values())


def test_c29_a_handler_on_a_library_logger_sees_the_record_already_redacted(
    restored_logging: None,
) -> None:
    """C29: records are redacted when made, so a handler that runs before ours sees no secret."""
    token = "123456789:AAHsecretsecretsecretsecretsecret12"
    configure_logging("INFO", [token, "guest-password-value"])
    keep = Keep()
    library = logging.getLogger("httpx.c29")
    library.addHandler(keep)
    library.setLevel(logging.INFO)
    try:
        library.info(
            'HTTP Request: %s %s "%s"', "POST", f"http://127.0.0.1:1/bot{token}/getUpdates", "200"
        )
        library.info("token %s then %s", token.split(":")[1], "Bearer eyJhbGciOi.payload.signature")
        library.info("plain %s", "nothing secret")
    finally:
        library.removeHandler(keep)
    said = [everything_said(r, logging.Formatter()) for r in keep.records]
    assert said[0][2] == 'HTTP Request: POST http://127.0.0.1:1/bot***/getUpdates "200"'
    assert said[1][2] == "token *** then Bearer ***"
    assert keep.records[2].args == ("nothing secret",)  # records without secrets keep their args
    assert not any("secretsecret" in text or "eyJ" in text for texts in said for text in texts)
