"""The organisation's checks by status, the newest interview first: the API's list filtered by
a status (`GET /api/v1/checks?status=`) read the organisation's whole index by start time to
find a status few checks have, or on PostgreSQL the whole table (`greenroom bench api`,
docs/benchmarks.md). With the status before the start time, such a page is one range of the
index, however rare the status.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_checks_org_id_status_starts_at_id", "checks", ["org_id", "status", "starts_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_checks_org_id_status_starts_at_id", "checks")
