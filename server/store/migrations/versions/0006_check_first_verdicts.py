"""Each check's first verdict and when it was first ready, kept on the check as attempts are
stored, so the insight counts readiness from the period's checks alone instead of probing
every check's attempts (the slowest of its statements at 100,000 checks).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("first_verdict", sa.String(16), nullable=True))
        batch.add_column(sa.Column("first_ready_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE checks SET "
        "first_verdict = (SELECT overall FROM attempts WHERE attempts.check_id = checks.id "
        "ORDER BY finished_at, id LIMIT 1), "
        "first_ready_at = (SELECT min(finished_at) FROM attempts "
        "WHERE attempts.check_id = checks.id AND overall = 'ready')"
    )


def downgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("first_ready_at")
        batch.drop_column("first_verdict")
