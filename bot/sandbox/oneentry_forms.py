"""Validation of an order's `formData` against its form, as the OneEntry sandbox does it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_TEXT_TYPES = frozenset({"string", "text", "textWithHeader"})
_CHOICE_TYPES = frozenset({"list", "radioButton"})


class FormDataError(Exception):
    """formData the service would refuse; `message` is the text of its 400 answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def marker_error(marker: str) -> FormDataError:
    return FormDataError(f"formData's marker '{marker}' value is missing or incorrect")


def form_entries(form_data: Any) -> tuple[str, list[dict[str, Any]]]:
    """The locale and entries of a wire `formData` (`{"en_US": [{marker, type, value}, ...]}`)."""
    if not isinstance(form_data, dict):
        raise FormDataError('formData must be an object keyed by locale: {"en_US": [...]}')
    if not form_data:
        raise FormDataError("empty form data section")
    if len(form_data) != 1:
        raise FormDataError("formData must hold exactly one locale section")
    ((lang, entries),) = form_data.items()
    if not isinstance(entries, list) or not entries:
        raise FormDataError("empty form data section")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("marker"), str):
            raise FormDataError("formData entries must be objects with a marker and a value")
    return lang, entries


def validate_form_data(
    attributes: Sequence[Mapping[str, Any]], entries: list[dict[str, Any]]
) -> None:
    """Raise FormDataError naming the first field (by form position) that fails."""
    known = {str(attribute["marker"]): attribute for attribute in attributes}
    values: dict[str, dict[str, Any]] = {}
    for entry in entries:
        marker = entry["marker"]
        # A marker the form does not define cannot be stored; a marker sent twice is ambiguous.
        if marker not in known or marker in values:
            raise marker_error(marker)
        values[marker] = entry
    for attribute in sorted(attributes, key=lambda a: int(a.get("position") or 0)):
        marker = str(attribute["marker"])
        sent = values.get(marker)
        if sent is not None and "type" in sent and sent["type"] != attribute["type"]:
            raise marker_error(marker)
        value = None if sent is None else sent.get("value")
        if not _field_ok(attribute, value):
            raise marker_error(marker)


def _field_ok(attribute: Mapping[str, Any], value: Any) -> bool:
    validators: Mapping[str, Any] = attribute.get("validators") or {}
    empty = value is None or (isinstance(value, str | list | dict) and not value)
    if empty:
        return "requiredValidator" not in validators or not attribute.get("isVisible", True)
    kind = attribute["type"]
    if kind in _TEXT_TYPES:
        return isinstance(value, str) and _text_ok(validators, value)
    if kind in _CHOICE_TYPES:
        return _choice_ok(attribute.get("listTitles") or [], value)
    if kind == "integer":
        return _is_number(value) and float(str(value)).is_integer()
    if kind in ("real", "float"):
        return _is_number(value)
    if kind in ("date", "dateTime"):
        return _is_date(value)
    return True


def _is_date(value: Any) -> bool:
    """A date as OneEntry keeps it, `{"fullDate": ISO, ...}`, or an ISO date string."""
    text = value.get("fullDate") if isinstance(value, dict) else value
    if not isinstance(text, str):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _text_ok(validators: Mapping[str, Any], value: str) -> bool:
    if validators.get("trimValidator"):
        value = value.strip()
    if "requiredValidator" in validators and not value.strip():
        return False
    # JavaScript measures strings in UTF-16 code units; an emoji counts twice.
    length = len(value.encode("utf-16-le")) // 2
    limits = validators.get("stringInspectionValidator") or {}
    low, high, exact = (
        _limit(limits.get(key)) for key in ("stringMin", "stringMax", "stringLength")
    )
    if (low and length < low) or (high and length > high) or (exact and length != exact):
        return False
    if validators.get("emailInspectionValidator") and not _EMAIL.match(value):
        return False
    pattern = (validators.get("regExpValidator") or {}).get("patternValue")
    if pattern:
        try:
            compiled = re.compile(str(pattern))
        except re.error:
            return True  # an admin's broken pattern is not the customer's fault
        if not compiled.search(value):
            return False
    return True


def _choice_ok(list_titles: Sequence[Mapping[str, Any]], value: Any) -> bool:
    """A choice may be sent as the option's value, the option object, or a list of either."""
    allowed = {str(option.get("value")) for option in list_titles}
    chosen = value if isinstance(value, list) else [value]
    for item in chosen:
        raw = item.get("value") if isinstance(item, dict) else item
        if not isinstance(raw, str | int) or str(raw) not in allowed:
            return False
    return True


def _limit(raw: Any) -> int:
    try:
        return int(raw or 0)
    except (TypeError, ValueError):
        return 0


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True
