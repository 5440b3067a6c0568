"""Create drafts (one per chat) and orders (one per draft).

Revision ID: 0001
Revises:
Create Date: 2026-12-03 21:40:31.823732
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("draft_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("pending", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_drafts")),
        sa.UniqueConstraint("draft_id", name=op.f("uq_drafts_draft_id")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("oneentry_order_id", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("status_identifier", sa.String(length=64), nullable=False),
        sa.Column("status_title", sa.Text(), nullable=False),
        sa.Column("payment_session_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_status", sa.String(length=64), nullable=True),
        sa.Column("payment_url", sa.Text(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("draft_id", name=op.f("uq_orders_draft_id")),
        sa.UniqueConstraint("oneentry_order_id", name=op.f("uq_orders_oneentry_order_id")),
    )
    op.create_index(op.f("ix_orders_chat_id"), "orders", ["chat_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_chat_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_table("drafts")
