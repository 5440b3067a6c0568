"""The bot's languages: one gettext catalogue per language, read from `locales/`.

Every folder `locales/<language>/LC_MESSAGES/bot.po` is a language the bot speaks; English
(`en`) is the source language, and a text missing from another catalogue is shown in English.
The `.po` files are compiled in memory when the catalogues are loaded (with Babel, then read
by the standard library's gettext), so there is no build step and no `.mo` file to keep in
step with its `.po`.

Message ids are stable names (`ask_name`), not the English sentences: the English wording can
change without touching the code or detaching the translations, and the long HTML texts stay
in the catalogues, where translators edit them.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "bot"
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Texts:
    """The texts of one language: `texts(id, **values)` is a text with its values put in."""

    language: str
    translations: gettext.NullTranslations

    def __call__(self, message_id: str, /, **values: object) -> str:
        text = self.translations.gettext(message_id)
        return text.format(**values) if values else text


def read_catalogue(path: Path) -> gettext.GNUTranslations:
    """A `.po` file as gettext translations (untranslated and fuzzy entries left out)."""
    with path.open("rb") as po:
        catalogue = read_po(po, locale=path.parent.parent.name, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def catalogue_paths(folder: Path = LOCALES) -> dict[str, Path]:
    """Each language's `.po` file, by language."""
    return {
        path.parent.parent.name: path for path in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    }


class Catalogues:
    """Every language's texts, loaded once at start; picks the language for a customer."""

    def __init__(self, folder: Path = LOCALES) -> None:
        paths = catalogue_paths(folder)
        if SOURCE_LANGUAGE not in paths:
            raise FileNotFoundError(f"no {SOURCE_LANGUAGE} catalogue in {folder}")
        source = read_catalogue(paths.pop(SOURCE_LANGUAGE))
        self._texts: dict[str, Texts] = {SOURCE_LANGUAGE: Texts(SOURCE_LANGUAGE, source)}
        for language, path in paths.items():
            translations = read_catalogue(path)
            translations.add_fallback(source)
            self._texts[language] = Texts(language, translations)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the bot speaks, English first."""
        return tuple(self._texts)

    def match(self, language: str | None) -> str:
        """The catalogue for a language tag ("ru", "pt-BR", "en_US"); English when none fits."""
        tag = (language or "").replace("_", "-").lower()
        candidates: Iterable[str] = (tag, tag.split("-")[0])
        return next((c for c in candidates if c in self._texts), SOURCE_LANGUAGE)

    def texts(self, language: str | None) -> Texts:
        return self._texts[self.match(language)]

    def all(self) -> Mapping[str, Texts]:
        return dict(self._texts)
