"""Settings errors name the setting, never its value; logs never show a secret."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFormatter
from bot.settings import SettingsError, load_settings

TOKEN = "123456:AAHsecretsecretsecretsecret"
GOOD = {
    "telegram_bot_token": TOKEN,
    "oneentry_project_url": "https://shop.oneentry.cloud/",
    "oneentry_app_token": "app-token-value",
    "oneentry_guest_login": "guest@shop.example",
    "oneentry_guest_password": "guest-password-value",
    "admin_chat_id": "-100123",
    "_env_file": None,
}


def test_good_settings_load_with_defaults() -> None:
    """Only the secrets and addresses are required; markers default to the guest-order example."""
    settings = load_settings(**GOOD)
    assert settings.order_storage_marker == "guest_orders"
    assert settings.order_form_marker == "guest_order" and settings.payment_account == "cash"
    assert settings.oneentry_project_url == "https://shop.oneentry.cloud"
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"admin_chat_id": None}, "configuration error: ADMIN_CHAT_ID is missing"),
        ({"admin_chat_id": "admins"}, "configuration error: ADMIN_CHAT_ID is malformed"),
        (
            {"telegram_bot_token": "not-a-token"},
            "configuration error: TELEGRAM_BOT_TOKEN is malformed",
        ),
        (
            {"oneentry_project_url": "shop.example"},
            "configuration error: ONEENTRY_PROJECT_URL is malformed",
        ),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_it(
    change: dict[str, object], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message names the setting and does not echo the value."""
    for key in GOOD:
        monkeypatch.delenv(key.upper(), raising=False)
    values = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(SettingsError) as caught:
        load_settings(**values)
    message = str(caught.value)
    assert message.startswith(expected) and "\n" not in message
    assert "not-a-token" not in message and "shop.example" not in message


def test_the_formatter_blanks_tokens_in_messages_urls_and_tracebacks() -> None:
    """Secrets and Bot API URLs are redacted wherever they appear in a record."""
    formatter = RedactingFormatter("%(message)s", [TOKEN, "guest-password-value"])
    try:
        raise RuntimeError(f"failed https://api.telegram.org/bot{TOKEN}/getMe guest-password-value")
    except RuntimeError as exc:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            "f",
            1,
            "url %s",
            ("/bot999:other/x",),
            (type(exc), exc, exc.__traceback__),
        )
    text = formatter.format(record)
    assert "secretsecret" not in text and "guest-password-value" not in text
    assert "/bot***" in text and ":other" not in text
