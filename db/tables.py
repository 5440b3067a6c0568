"""The database tables: drafts, their placements and orders, the outbox, learnt settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, MetaData, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Every constraint gets a predictable name, so SQLite batch migrations can find and alter it.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DraftRow(Base):
    """A chat's current draft, open or finished; replaced when the chat starts a new one."""

    __tablename__ = "drafts"

    # Telegram chat and user ids exceed 32 bits.
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(35))
    # Stored as Step's value; not a CHECK, so a release can add steps without a migration.
    step: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # The checkout questions (the order form when checkout began) and the other answers
    # (marker -> value); NULL in drafts written before forms were read.
    questions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    answers: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    asking: Mapped[str | None] = mapped_column(String(255))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderRow(Base):
    """An order placed in OneEntry from a draft; at most one per draft."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    oneentry_order_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # Decimal text, exact on every backend (SQLite has no exact numeric type).
    total: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(16))
    status_identifier: Mapped[str] = mapped_column(String(64))
    status_title: Mapped[str] = mapped_column(Text)
    payment_session_id: Mapped[int | None] = mapped_column(BigInteger)
    payment_status: Mapped[str | None] = mapped_column(String(64))
    payment_url: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PlacementRow(Base):
    """A confirmed draft on its way to OneEntry (see bot.ordering.placement for the rules)."""

    __tablename__ = "placements"

    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    state: Mapped[str] = mapped_column(String(16))
    # The draft as confirmed: the drafts row may be replaced by the chat's next draft.
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    placed_order: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    attempts: Mapped[int] = mapped_column(Integer)
    uncertain: Mapped[bool] = mapped_column(Boolean)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    """A message owed to a chat (NULL chat_id: the admin group), kept until it is delivered."""

    __tablename__ = "outbox"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    draft_id: Mapped[str | None] = mapped_column(String(64), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    screen: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending -> sent | dropped (the chat can never receive it)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BotSettingRow(Base):
    """Settings the bot learns while it runs, e.g. the admin group's id after a migration."""

    __tablename__ = "bot_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UnreachableChatRow(Base):
    """A chat that cannot receive messages (the customer blocked the bot, the user is gone)."""

    __tablename__ = "unreachable_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcessedUpdateRow(Base):
    """A Telegram update already handled: Telegram may deliver it again after a crash."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class OneEntryTokensRow(Base):
    """The guest user's OneEntry session, so a restart does not sign in again."""

    __tablename__ = "oneentry_tokens"

    account: Mapped[str] = mapped_column(String(320), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
