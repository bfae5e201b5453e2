"""Recruiters: users, their server-side sessions, and the feed of check changes the dashboard
follows live; indexes for the dashboard's list.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "org_id",
            sa.String(32),
            sa.ForeignKey(
                "organisations.id", ondelete="CASCADE", name="fk_users_org_id_organisations"
            ),
            nullable=False,
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(8), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_index("ix_users_org_id", "users", ["org_id"])
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_user_sessions_user_id_users"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "check_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", sa.String(32), nullable=False),
        sa.Column(
            "check_id",
            sa.String(32),
            sa.ForeignKey("checks.id", ondelete="CASCADE", name="fk_check_events_check_id_checks"),
            nullable=False,
        ),
        sa.Column("at", Timestamp, nullable=False),
    )
    op.create_index("ix_check_events_org_id", "check_events", ["org_id", "id"])
    op.create_index("ix_check_events_check_id", "check_events", ["check_id"])
    op.create_index("ix_checks_org_id_starts_at", "checks", ["org_id", "starts_at"])
    op.create_index("ix_attempts_check_id_finished_at", "attempts", ["check_id", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_attempts_check_id_finished_at", "attempts")
    op.drop_index("ix_checks_org_id_starts_at", "checks")
    op.drop_table("check_events")
    op.drop_table("user_sessions")
    op.drop_table("users")
