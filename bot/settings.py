"""Settings from the environment or a .env file, checked once at start-up."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./order-bot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    telegram_bot_token: SecretStr
    telegram_api_url: str | None = None
    oneentry_project_url: str
    oneentry_app_token: SecretStr
    oneentry_guest_login: str
    oneentry_guest_password: SecretStr
    order_storage_marker: str = "guest_orders"
    order_form_marker: str = "guest_order"
    payment_account: str = "cash"
    oneentry_lang: str = "en_US"
    # the language of the admins' notifications (a catalogue in bot/telegram_ui/locales)
    admin_language: str = "en"
    admin_chat_id: int
    database_url: str = DEFAULT_DATABASE_URL
    shop_currency: str = Field(default="USD", min_length=1, max_length=8)
    phone_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    # the order form's field that carries the bot's reference of an order, if the shop added it
    order_reference_marker: str = "order_reference"
    # how long a read of the catalogue is reused, and the product statuses that are not for sale
    catalogue_cache_seconds: float = Field(default=60.0, ge=0)
    unavailable_product_statuses: str = "out_of_stock"
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    placement_give_up_minutes: float = Field(default=60.0, gt=0)
    worker_interval_seconds: float = Field(default=5.0, gt=0)
    draft_idle_hours: float = Field(default=24.0, gt=0)
    personal_data_retention_days: float = Field(default=30.0, gt=0)
    cleanup_interval_seconds: float = Field(default=600.0, gt=0)
    oneentry_read_timeout_seconds: float = Field(default=10.0, gt=0)
    # Telegram's flood limits, kept by python-telegram-bot's rate limiter
    telegram_messages_per_second: float = Field(default=30.0, gt=0)
    telegram_group_messages_per_minute: float = Field(default=20.0, gt=0)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        bot_id, _, secret = value.get_secret_value().partition(":")
        if not (bot_id.isdigit() and secret):
            raise ValueError("expected <bot id>:<secret>, as BotFather gives it")
        return value

    @field_validator("telegram_api_url", "oneentry_project_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @property
    def unavailable_statuses(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.unavailable_product_statuses.split(",") if s.strip())

    @property
    def bot_id(self) -> str:
        return self.telegram_bot_token.get_secret_value().partition(":")[0]

    def secrets(self) -> list[str]:
        """Every secret value, for log redaction."""
        return [
            self.telegram_bot_token.get_secret_value(),
            self.oneentry_app_token.get_secret_value(),
            self.oneentry_guest_password.get_secret_value(),
        ]


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and never shows its value."""


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        problem = "is missing" if first["type"] == "missing" else f"is malformed: {first['msg']}"
        raise SettingsError(f"configuration error: {name} {problem}") from None
