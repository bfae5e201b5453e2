"""The candidate's feedback on an attempt: ease 1-5, an optional comment, when it was given.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("feedback_ease", sa.SmallInteger, nullable=True))
        batch.add_column(sa.Column("feedback_comment", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("feedback_at")
        batch.drop_column("feedback_comment")
        batch.drop_column("feedback_ease")
