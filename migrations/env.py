"""Alembic environment: async drivers, batch mode for SQLite, the URL given by db.migrate."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from db.engine import create_engine, default_database_url
from db.tables import Base

# Deliberately no logging.config.fileConfig(): the application owns logging configuration.
config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or default_database_url()
    )


def configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        # SQLite cannot ALTER constraints; batch mode recreates the table instead.
        render_as_batch=True,
        compare_type=True,
        # SQLite DDL is transactional too once the driver's own BEGIN handling is off
        # (db.engine does that), so a failed revision leaves nothing half-applied.
        transactional_ddl=True,
        **options,
    )


def run_on(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_on_new_engine() -> None:
    engine = create_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def run_offline() -> None:
    configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif isinstance(given := config.attributes.get("connection"), Connection):
    # Called through AsyncConnection.run_sync: already inside the caller's event loop.
    run_on(given)
else:
    # Only ever reached from a thread without a running loop (db.migrate makes sure of it).
    asyncio.run(run_on_new_engine())
