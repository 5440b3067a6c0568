"""Phone and e-mail checks for the conversation, done by well-kept libraries."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class ContactRules:
    """Implements `bot.ordering.conversation.Rules`."""

    def __init__(self, default_region: str | None = None) -> None:
        self._region = default_region

    def phone(self, text: str) -> str | None:
        candidate = text.strip()
        if not candidate or len(candidate) > 32:
            return None
        try:
            number = phonenumbers.parse(candidate, self._region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number):
            return None
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def email(self, text: str) -> str | None:
        try:
            result = validate_email(text.strip(), check_deliverability=False)
        except EmailNotValidError:
            return None
        return str(result.normalized)
