"""Reminders: one row per check and lead time (and one for a cancellation), claimed with a
lease so that each is sent once across restarts and instances.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "check_id",
            sa.String(32),
            sa.ForeignKey("checks.id", ondelete="CASCADE", name="fk_reminders_check_id_checks"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("offset_minutes", sa.Integer, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("due_at", Timestamp, nullable=True),
        sa.Column("lease_until", Timestamp, nullable=True),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.UniqueConstraint("check_id", "kind", "offset_minutes", name="uq_reminders_check_id"),
    )
    op.create_index("ix_reminders_state_due_at", "reminders", ["state", "due_at"])


def downgrade() -> None:
    op.drop_table("reminders")
