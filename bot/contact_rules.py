"""Phone and e-mail checks for the conversation, done by well-kept libraries."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# "00" is the international call prefix in most of the world (ITU-T E.164's recommendation), so
# customers type it even when the shop's own region dials abroad otherwise (011 in the US).
_INTERNATIONAL_00 = "00"


class ContactRules:
    """Implements `bot.ordering.conversation.Rules`."""

    def __init__(self, default_region: str | None = None) -> None:
        self._region = default_region

    def phone(self, text: str) -> str | None:
        candidate = text.strip()
        if not candidate or len(candidate) > 32:
            return None
        for spelling in _spellings(candidate):
            try:
                number = phonenumbers.parse(spelling, self._region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        return None

    def email(self, text: str) -> str | None:
        try:
            result = validate_email(text.strip(), check_deliverability=False)
        except EmailNotValidError:
            return None
        return str(result.normalized)


def _spellings(candidate: str) -> Iterator[str]:
    """The text as typed, then (if that is no valid number) with a leading 00 read as +."""
    yield candidate
    if candidate.startswith(_INTERNATIONAL_00):
        yield "+" + candidate.removeprefix(_INTERNATIONAL_00)
