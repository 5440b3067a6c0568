"""The texts' catalogues: complete in every language, and the language each customer gets."""

from __future__ import annotations

import re
import string
from collections import Counter

import pytest
from babel.messages.pofile import read_po

from bot.oneentry.shop import locale_for
from bot.telegram_ui import texts
from bot.telegram_ui.i18n import SOURCE_LANGUAGE, Catalogues, catalogue_paths

PATHS = catalogue_paths()
TRANSLATIONS = sorted(language for language in PATHS if language != SOURCE_LANGUAGE)
_TAG = re.compile(r"</?[a-z]+[^>]*>")


def entries(language: str) -> dict[str, str]:
    """The catalogue's translated entries (untranslated and fuzzy ones count as missing)."""
    with PATHS[language].open("rb") as po:
        catalogue = read_po(po)
    return {str(m.id): str(m.string) for m in catalogue if m.id and m.string and not m.fuzzy}


def ids_in_code() -> set[str]:
    """Every message id that `texts` names: its constants and the values of its tables."""
    found: set[str] = set()
    for name, value in vars(texts).items():
        if not name.isupper():
            continue
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            found.update(str(v) for v in value.values())
        elif isinstance(value, tuple):
            found.update(str(description) for _, description in value)
    return found


def placeholders(text: str) -> Counter[str]:
    return Counter(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def test_the_english_catalogue_has_exactly_the_ids_the_code_uses() -> None:
    """No text missing in English, and none left over that nothing shows."""
    english = set(entries(SOURCE_LANGUAGE))
    used = ids_in_code()
    assert sorted(used - english) == [], "ids without an English text"
    assert sorted(english - used) == [], "English texts that no code uses"


def test_russian_is_one_of_the_translations() -> None:
    """The bot speaks English and Russian at least."""
    assert "ru" in TRANSLATIONS


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_english_text_is_translated_and_nothing_else(language: str) -> None:
    """A missing translation fails the build; so does one whose English text is gone."""
    english, translated = set(entries(SOURCE_LANGUAGE)), set(entries(language))
    assert sorted(english - translated) == [], f"untranslated in {language}"
    assert sorted(translated - english) == [], f"unused in {language}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_translations_keep_the_placeholders_and_tags_of_the_english_text(language: str) -> None:
    """{title} stays {title} and <b> stays <b>: a translation never breaks a message."""
    english = entries(SOURCE_LANGUAGE)
    for message_id, text in entries(language).items():
        assert placeholders(text) == placeholders(english[message_id]), message_id
        assert Counter(_TAG.findall(text)) == Counter(_TAG.findall(english[message_id])), message_id


def test_every_text_renders_in_every_language() -> None:
    """Each text takes the values its placeholders name (a stray brace would raise)."""
    catalogues = Catalogues()
    for language, tr in catalogues.all().items():
        for message_id in ids_in_code():
            values = {name: "x" for name in placeholders(tr(message_id))}
            assert tr(message_id, **values), (language, message_id)


@pytest.mark.parametrize(
    ("telegram", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("en", "en"), ("en-GB", "en"), ("de", "en"), (None, "en")],
)
def test_a_customer_gets_the_catalogue_of_their_language_or_english(
    telegram: str | None, language: str
) -> None:
    """Telegram's language_code (or a /language choice) picks the catalogue; English otherwise."""
    assert Catalogues().match(telegram) == language


def test_a_russian_customer_gets_russian_texts() -> None:
    """The same id reads differently in Russian."""
    catalogues = Catalogues()
    assert catalogues.texts("ru")(texts.ASK_NAME) == "Как вас зовут?"
    assert catalogues.texts("en")(texts.ASK_NAME) == "What is your name?"


@pytest.mark.parametrize(
    ("language", "shop_locale", "locale"),
    [
        ("ru", "en_US", "ru_RU"),
        ("en", "en_US", "en_US"),
        ("en-GB", "en_GB", "en_GB"),
        ("ru-RU", "en_US", "ru_RU"),
        ("de", "en_US", "en_US"),
        (None, "ru_RU", "ru_RU"),
    ],
)
def test_oneentry_gets_the_locale_of_the_customers_language(
    language: str | None, shop_locale: str, locale: str
) -> None:
    """ "ru" asks OneEntry for ru_RU; an unknown language for the shop's ONEENTRY_LANG."""
    assert locale_for(language, shop_locale) == locale
