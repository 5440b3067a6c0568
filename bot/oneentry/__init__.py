"""OneEntry content API: a typed async client, its errors, and the Shop adapter."""

from bot.oneentry.client import OneEntryClient, default_timeout
from bot.oneentry.errors import (
    OneEntryAuthError,
    OneEntryBadResponse,
    OneEntryError,
    OneEntryNotFound,
    OneEntryRejected,
    OneEntryUnavailable,
)
from bot.oneentry.shop import OneEntryShop

__all__ = [
    "OneEntryAuthError",
    "OneEntryBadResponse",
    "OneEntryClient",
    "OneEntryError",
    "OneEntryNotFound",
    "OneEntryRejected",
    "OneEntryShop",
    "OneEntryUnavailable",
    "default_timeout",
]
