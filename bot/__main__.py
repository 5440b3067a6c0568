"""The `order-bot` command line: run, migrate, sandbox, demo."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.settings import Settings, SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="order-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot (long polling)")
    commands.add_parser("migrate", help="bring the database schema up to date")
    sandbox = commands.add_parser("sandbox", help="serve the Telegram and OneEntry emulators")
    sandbox.add_argument("--telegram-port", type=int, default=0)
    sandbox.add_argument("--oneentry-port", type=int, default=0)
    commands.add_parser("demo", help="chat with the bot in this terminal, offline")
    args = parser.parse_args(argv)

    if args.command == "sandbox":
        asyncio.run(_serve_sandbox(args.telegram_port, args.oneentry_port))
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return asyncio.run(run_demo(sys.stdin, sys.stdout))
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "migrate":
        _configure_logging(settings)
        from db.migrate import upgrade

        upgrade(settings.database_url)
        return 0
    return _run(settings)


def _configure_logging(settings: Settings) -> None:
    from bot.logs import configure_logging

    configure_logging(settings.log_level, settings.secrets())


def _run(settings: Settings) -> int:
    """Poll for updates until stopped, unless another instance already runs on this database."""
    from bot.instance_lock import AlreadyRunning, acquire

    try:
        lock = acquire(settings.database_url)
    except AlreadyRunning as exc:  # two pollers would split the updates and fight with 409s
        print(exc, file=sys.stderr)
        return 3
    with lock:
        _configure_logging(settings)
        from telegram import Update

        from bot.app import build_application

        build_application(settings).run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _serve_sandbox(telegram_port: int, oneentry_port: int) -> None:
    from bot.sandbox.run import running_sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running_sandbox(telegram_port=telegram_port, oneentry_port=oneentry_port) as box:
        for key, value in box.settings().items():
            print(f"{key}={value}")
        sys.stdout.flush()
        await stop.wait()


if __name__ == "__main__":
    sys.exit(main())
