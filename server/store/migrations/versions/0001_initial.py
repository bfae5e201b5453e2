"""Organisations, API keys, checks and attempts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("allowed_origins", sa.JSON, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "org_id",
            sa.String(32),
            sa.ForeignKey(
                "organisations.id",
                ondelete="CASCADE",
                name="fk_api_keys_org_id_organisations",
            ),
            nullable=False,
        ),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_table(
        "checks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "org_id",
            sa.String(32),
            sa.ForeignKey(
                "organisations.id", ondelete="CASCADE", name="fk_checks_org_id_organisations"
            ),
            nullable=False,
        ),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("token_expires_at", Timestamp, nullable=False),
        sa.Column("candidate_name", sa.String(200), nullable=False),
        sa.Column("candidate_email", sa.String(254), nullable=False),
        sa.Column("starts_at", Timestamp, nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("agenda", sa.JSON, nullable=False),
        sa.Column("interviewers", sa.JSON, nullable=False),
        sa.Column("join_url", sa.String(2000), nullable=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("token", name="uq_checks_token"),
    )
    op.create_index("ix_checks_org_id", "checks", ["org_id"])
    op.create_index("ix_checks_starts_at", "checks", ["starts_at"])
    op.create_table(
        "attempts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "check_id",
            sa.String(32),
            sa.ForeignKey("checks.id", ondelete="CASCADE", name="fk_attempts_check_id_checks"),
            nullable=False,
        ),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=False),
        sa.Column("overall", sa.String(16), nullable=False),
        sa.Column("camera_status", sa.String(8), nullable=False),
        sa.Column("lighting_status", sa.String(8), nullable=False),
        sa.Column("microphone_status", sa.String(8), nullable=False),
        sa.Column("speakers_status", sa.String(8), nullable=False),
        sa.Column("network_status", sa.String(8), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )
    op.create_index("ix_attempts_check_id", "attempts", ["check_id"])


def downgrade() -> None:
    op.drop_table("attempts")
    op.drop_table("checks")
    op.drop_table("api_keys")
    op.drop_table("organisations")
