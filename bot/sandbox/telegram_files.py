"""Files the emulated Telegram holds: every PhotoSize and sticker it handed out, by file_id.

Telegram gives each size of a photo its own file_id, and any of them can be sent again or
passed to getFile. Offline there is no resizing: every size of a photo serves the uploaded bytes
(or, for a photo sent by URL, the URL's text), so `file_size` is the same for each size.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

# (suffix of the ids, side in pixels) of the sizes Telegram makes of a photo
PHOTO_SIZES = (("s", 90), ("m", 320), ("x", 800))


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    path: str
    data: bytes = field(repr=False)


class Files:
    """Stored files by file_id and by path, and the sizes of each photo."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._photos: dict[str, list[dict[str, Any]]] = {}  # any size's file_id -> all sizes
        self._numbers = itertools.count(1)

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def at_path(self, path: str) -> StoredFile | None:
        return next((f for f in self._by_id.values() if f.path == path), None)

    def add(self, file_id: str, file_unique_id: str, folder: str, data: bytes) -> StoredFile:
        """Keep a file (once per file_id) so getFile and downloads find it."""
        if file_id not in self._by_id:
            path = f"{folder}/file_{next(self._numbers)}{_extension(folder)}"
            self._by_id[file_id] = StoredFile(file_id, file_unique_id, path, data)
        return self._by_id[file_id]

    def photo_sizes(self, file_id: str) -> list[dict[str, Any]] | None:
        """The PhotoSizes of the photo one of whose sizes has `file_id`, if it is one."""
        sizes = self._photos.get(file_id)
        return [dict(size) for size in sizes] if sizes is not None else None

    def add_photo(self, data: bytes, prefix: str = "") -> list[dict[str, Any]]:
        """The PhotoSizes of a new photo (the same bytes give the same ids, as in Telegram)."""
        digest = prefix + hashlib.sha256(data).hexdigest()[:16]
        first = f"AgACAgIAAxkBAAI{digest}{PHOTO_SIZES[0][0]}"
        if first in self._photos:
            return self.photo_sizes(first) or []
        sizes: list[dict[str, Any]] = []
        for suffix, side in PHOTO_SIZES:
            stored = self.add(
                f"AgACAgIAAxkBAAI{digest}{suffix}", f"AQAD{digest}{suffix}", "photos", data
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(data),
                    "width": side,
                    "height": side,
                }
            )
        for size in sizes:
            self._photos[str(size["file_id"])] = sizes
        return self.photo_sizes(first) or []


def _extension(folder: str) -> str:
    return {"photos": ".jpg", "stickers": ".webp"}.get(folder, "")
