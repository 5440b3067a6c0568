"""Add the order form's questions and their answers to drafts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 01:10:25.720454
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("questions", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("answers", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("asking", sa.String(length=255), nullable=True))


def downgrade() -> None:
    # The earlier release knows no "question" step: such drafts go back to their cart, from
    # where checkout asks its (three) questions again.
    op.execute("UPDATE drafts SET step = 'cart' WHERE step = 'question'")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("asking")
        batch_op.drop_column("answers")
        batch_op.drop_column("questions")
