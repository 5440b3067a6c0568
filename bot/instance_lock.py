"""One running bot per database, so that two instances never fight over getUpdates.

Two pollers with one token split the updates between them and flood the logs with 409
Conflicts (an old container still running next to its replacement, a second `order-bot run`).
The guard is tied to the database because that is what the instances share:

- SQLite: an OS file lock (`flock`) on `<database>.lock` next to the file. The kernel drops it
  when the process ends, however it ends, so a crash never leaves a stale lock behind.
- PostgreSQL: a session-level advisory lock, held by one dedicated connection for the whole
  run (instances on other hosts see it too). The connection lives on its own thread and event
  loop because `run_polling` owns, and closes, the main one.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import async_url, create_engine

# pg_try_advisory_lock key: any constant unique to this application ("order-bot" in ASCII).
ADVISORY_LOCK_KEY = 0x6F72646572626F74


class AlreadyRunning(Exception):
    """Another instance holds the lock; the message is one line for the operator."""


class HeldLock(Protocol):
    def release(self) -> None:
        """Give the lock up (idempotent)."""


class InstanceLock:
    """The lock while held; use as a context manager or call `release()`."""

    def __init__(self, held: HeldLock) -> None:
        self._held = held

    def release(self) -> None:
        self._held.release()

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def acquire(database_url: str) -> InstanceLock:
    """Take the single-instance lock of `database_url`, or raise AlreadyRunning at once."""
    url = async_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return InstanceLock(_Nothing())  # a private in-memory database: nothing is shared
        return InstanceLock(_FileLock.take(lock_file_for(database)))
    if backend == "postgresql":
        return InstanceLock(_AdvisoryLock.take(database_url))
    return InstanceLock(_Nothing())


def lock_file_for(database: str) -> Path:
    """The lock file of a SQLite database file."""
    path = Path(database).expanduser()
    return path.with_name(path.name + ".lock")


class _Nothing:
    def release(self) -> None:
        """Nothing was taken."""


class _FileLock:
    def __init__(self, path: Path, fd: int) -> None:
        self._path = path
        self._fd: int | None = fd

    @classmethod
    def take(cls, path: Path) -> _FileLock:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_exclusively(fd)
        except OSError:
            os.close(fd)
            raise AlreadyRunning(
                f"another order-bot is already running on this database (lock file {path}); "
                "stop it before starting a new one"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the operator; the lock is the flock
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


if sys.platform == "win32":
    import msvcrt

    def _lock_exclusively(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _lock_exclusively(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


class _AdvisoryLock:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread,
        engine: AsyncEngine,
        connection: AsyncConnection,
    ) -> None:
        self._loop = loop
        self._thread = thread
        self._engine = engine
        self._connection: AsyncConnection | None = connection

    @classmethod
    def take(cls, database_url: str, timeout: float = 30.0) -> _AdvisoryLock:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="instance-lock", daemon=True)
        thread.start()
        engine = create_engine(database_url)

        async def connect() -> tuple[AsyncConnection, bool]:
            connection = await engine.connect()
            result = await connection.exec_driver_sql(
                f"SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY})"
            )
            taken = bool(result.scalar())
            await connection.commit()  # the lock is per session; no transaction stays open
            return connection, taken

        try:
            connection, taken = asyncio.run_coroutine_threadsafe(connect(), loop).result(timeout)
        except BaseException:
            cls._stop(loop, thread, engine)
            raise
        lock = cls(loop, thread, engine, connection)
        if not taken:
            lock.release()
            where = make_url(database_url).render_as_string(hide_password=True)
            raise AlreadyRunning(
                f"another order-bot is already running on this database ({where}); "
                "stop it before starting a new one"
            )
        return lock

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        # closing the session ends the lock; no explicit pg_advisory_unlock is needed
        asyncio.run_coroutine_threadsafe(connection.close(), self._loop).result(30)
        self._stop(self._loop, self._thread, self._engine)

    @staticmethod
    def _stop(
        loop: asyncio.AbstractEventLoop, thread: threading.Thread, engine: AsyncEngine
    ) -> None:
        asyncio.run_coroutine_threadsafe(engine.dispose(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
