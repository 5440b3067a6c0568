"""`order-bot demo`: the bot and both emulators in one process, chatted with from the terminal.

Bot messages are printed with their buttons numbered; a line that is a button's number or label
taps it, any other line is sent as a message. The admin group's messages are printed too. When
stdin is not a terminal the lines are read as a script and the demo ends at end of input.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.app import build_application, running
from bot.logs import configure_logging
from bot.sandbox.run import ADMIN_CHAT_ID, running_sandbox
from bot.sandbox.telegram import TelegramEmulator
from bot.settings import load_settings

CUSTOMER_ID = 700000001
CUSTOMER_NAME = "Christina"
CUSTOMER_PHONE = "+18005000500"  # what "Share my phone" shares in the demo
QUIET = 0.4  # seconds without a bot call that end the bot's turn
TURN_LIMIT = 15.0  # the longest the demo waits for the bot's answer


@dataclass(frozen=True)
class DemoButton:
    label: str
    message_id: int
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False


class Terminal:
    def __init__(self, emulator: TelegramEmulator, out: TextIO) -> None:
        self._emu = emulator
        self._out = out
        self._seen = 0
        self.buttons: list[DemoButton] = []

    def say(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    async def bot_turn(self) -> None:
        """Wait until the bot has answered and gone quiet, then print what it sent."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TURN_LIMIT
        count = len(self._emu.calls)
        quiet_since = loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            if len(self._emu.calls) != count:
                count, quiet_since = len(self._emu.calls), loop.time()
            elif count > self._seen and loop.time() - quiet_since >= QUIET:
                break
        self._print_new_calls()

    def _print_new_calls(self) -> None:
        calls = self._emu.calls[self._seen :]
        self._seen += len(calls)
        for call in calls:
            toast = call.params.get("text") if call.method == "answerCallbackQuery" else None
            if call.ok and toast:  # the short note a tap gets, shown over the chat in Telegram
                self.say(f"bot> ({toast})")
            if not call.ok or call.method not in ("sendMessage", "editMessageText", "sendPhoto"):
                continue
            result: dict[str, Any] = call.result
            text = result.get("text") or result.get("caption") or ""
            if call.method == "sendPhoto":
                text = f"[photo {call.params.get('photo')}]\n{text}"
            if call.chat_id == ADMIN_CHAT_ID:
                self.say(_indent("[admin group] ", text))
            elif call.chat_id == CUSTOMER_ID:
                self.say(_indent("bot> ", text))
                self._show_buttons(int(result["message_id"]), call.params.get("reply_markup"))

    def _show_buttons(self, mid: int, markup: object) -> None:
        """The keyboard as the call sent it (Telegram returns inline keyboards only)."""
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not isinstance(markup, dict):
            return
        rows = markup.get("inline_keyboard") or markup.get("keyboard")
        if not rows:
            return
        self.buttons = [
            DemoButton(b, mid)
            if isinstance(b, str)
            else DemoButton(
                b["text"], mid, b.get("callback_data"), b.get("url"), bool(b.get("request_contact"))
            )
            for row in rows
            for b in row
        ]
        self.say("     " + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(self.buttons, 1)))

    def find_button(self, line: str) -> DemoButton | None:
        if line.isdecimal() and 1 <= int(line) <= len(self.buttons):
            return self.buttons[int(line) - 1]
        exact = [button for button in self.buttons if button.label.strip() == line.strip()]
        if exact:
            return exact[0]
        wanted = _words(line)
        if not wanted:
            return None
        # without emoji and punctuation labels may look alike (the cart's minus and plus buttons):
        # only a label that alone matches is tapped, else the line is sent as text
        matches = [
            button
            for button in self.buttons
            if (label := _words(button.label)) == wanted or label.startswith(wanted + " ")
        ]
        return matches[0] if len(matches) == 1 else None

    def act(self, line: str) -> None:
        button = self.find_button(line)
        if button is None:
            self._emu.send_text(CUSTOMER_ID, line, first_name=CUSTOMER_NAME)
        elif button.request_contact:
            self.say(f"     (sharing {CUSTOMER_PHONE})")
            self._emu.share_contact(CUSTOMER_ID, CUSTOMER_PHONE, first_name=CUSTOMER_NAME)
        elif button.callback_data is not None:
            self._emu.tap(CUSTOMER_ID, data=button.callback_data, message_id=button.message_id)
        elif button.url is not None:
            self.say(f"     (this button opens {button.url})")
        else:
            self._emu.send_text(CUSTOMER_ID, button.label, first_name=CUSTOMER_NAME)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _indent(prefix: str, text: str) -> str:
    pad = "\n" + " " * len(prefix)
    return prefix + pad.join(text.split("\n"))


async def run_demo(stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "demo.db"
        async with running_sandbox() as box:
            env = {k.lower(): v for k, v in box.settings().items()}
            settings = load_settings(
                _env_file=None, **env, database_url=f"sqlite+aiosqlite:///{database}"
            )
            configure_logging("WARNING", settings.secrets())
            terminal = Terminal(box.telegram, stdout)
            terminal.say("Offline demo: you are a customer chatting with the shop's bot.")
            terminal.say("Type a message, or a button's number or label. Ctrl-D ends the demo.\n")
            async with running(build_application(settings), poll_timeout=1):
                loop = asyncio.get_running_loop()
                while True:
                    if interactive:
                        stdout.write("you> ")
                        stdout.flush()
                    line = await loop.run_in_executor(None, stdin.readline)
                    if not line:
                        break
                    line = line.strip()
                    if not line:
                        continue
                    if not interactive:
                        terminal.say(f"you> {line}")
                    terminal.act(line)
                    await terminal.bot_turn()
    return 0
