"""What reminders need beyond their rows: the interview's calendar sequence (it grows whenever
the interview moves or is cancelled, so calendars update the one event), and each
organisation's own lead times and reply-to address.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(
            sa.Column("calendar_sequence", sa.Integer, nullable=False, server_default="0")
        )
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("reminder_offsets", sa.String(100), nullable=True))
        batch.add_column(sa.Column("reply_to", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("reply_to")
        batch.drop_column("reminder_offsets")
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("calendar_sequence")
