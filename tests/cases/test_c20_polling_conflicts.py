"""C20: one polling instance per database, and polling starts even after a webhook was set."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.__main__ import main
from bot.instance_lock import AlreadyRunning, acquire, lock_file_for
from bot.sandbox.run import Sandbox
from tests.adapters.conftest import POSTGRES_SERVER, execute_on_postgres, run_in_own_loop
from tests.flows.conftest import BotRunner, Chat


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"c20_{uuid.uuid4().hex[:10]}"
    run_in_own_loop(lambda: execute_on_postgres("postgres", f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        run_in_own_loop(lambda: execute_on_postgres("postgres", drop))


def test_c20_a_second_run_on_the_same_database_exits_with_one_clear_line(
    sandbox: Sandbox,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """C20a: with the lock held, `order-bot run` exits 3 naming the reason, and never polls."""
    monkeypatch.chdir(tmp_path)  # no .env from the working folder
    for key, value in sandbox.settings().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with acquire(sqlite_url):
        assert main(["run"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("another order-bot is already running")
    assert str(lock_file_for(str(tmp_path / "data" / "bot.db"))) in err
    assert sandbox.telegram.calls == []  # not even getMe: nothing fought over getUpdates
    assert sandbox.telegram.token not in err


def test_c20_the_sqlite_lock_is_taken_once_and_free_again_after_release(sqlite_url: str) -> None:
    """C20a: a second acquire fails at once while the first holds; after release it succeeds."""
    first = acquire(sqlite_url)
    with pytest.raises(AlreadyRunning):
        acquire(sqlite_url)
    first.release()
    first.release()  # idempotent
    with acquire(sqlite_url):
        pass


def test_c20_databases_in_different_files_do_not_share_a_lock(tmp_path: Path) -> None:
    """C20a: the guard is per database, so two shops on one host can both run."""
    with (
        acquire(f"sqlite:///{tmp_path / 'a.db'}"),
        acquire(f"sqlite:///{tmp_path / 'b.db'}"),
    ):
        pass


def test_c20_on_postgresql_an_advisory_lock_guards_the_database(postgres_url: str) -> None:
    """C20a: on PostgreSQL a second instance fails while the first holds its session lock."""
    first = acquire(postgres_url)
    try:
        with pytest.raises(AlreadyRunning) as caught:
            acquire(postgres_url)
        assert "\n" not in str(caught.value)
    finally:
        first.release()
    with acquire(postgres_url):
        pass


async def test_c20_polling_starts_after_a_webhook_was_left_registered(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C20b: a webhook from an earlier run is deleted at start; the bot polls and answers."""
    base = f"{sandbox.telegram_url}/bot{sandbox.telegram.token}"
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{base}/setWebhook", json={"url": "https://shop.example/telegram/webhook"}
        )
        assert answer.json() == {"ok": True, "result": True}
        conflict = await http.post(f"{base}/getUpdates", json={"timeout": 0})
        assert conflict.status_code == 409  # what a poller meets while the webhook is set
    async with bot_runner():
        await chat.say("/start", expect="What would you like to order?")
    methods = [c.method for c in sandbox.telegram.calls]
    assert "deleteWebhook" in methods
    assert methods.index("deleteWebhook") < methods.index("sendMessage")
    assert "setWebhook" not in methods[methods.index("deleteWebhook") :]
    assert sandbox.telegram.world.webhook == {}
