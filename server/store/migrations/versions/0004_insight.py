"""Insight: each attempt's browser, operating system and network path as columns, and its
reason codes as rows, so the insight page counts them in SQL instead of reading every result;
and the candidate's own time zone on the check, as their browser reports it.

Revision ID: 0004
Revises: 0003
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from server.models.result import Result

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checks") as batch:
        batch.add_column(sa.Column("candidate_time_zone", sa.String(64), nullable=True))
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(
            sa.Column("browser_name", sa.String(20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("os_name", sa.String(20), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("network_path", sa.String(8), nullable=False, server_default="unknown")
        )
    op.create_table(
        "attempt_reasons",
        sa.Column(
            "attempt_id",
            sa.String(32),
            sa.ForeignKey(
                "attempts.id", ondelete="CASCADE", name="fk_attempt_reasons_attempt_id_attempts"
            ),
            nullable=False,
        ),
        sa.Column(
            "check_id",
            sa.String(32),
            sa.ForeignKey(
                "checks.id", ondelete="CASCADE", name="fk_attempt_reasons_check_id_checks"
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("attempt_id", "code", name="pk_attempt_reasons"),
    )
    op.create_index("ix_attempt_reasons_check_id", "attempt_reasons", ["check_id"])
    _backfill()


def _backfill() -> None:
    connection = op.get_bind()
    attempts = sa.table(
        "attempts",
        sa.column("id", sa.String),
        sa.column("check_id", sa.String),
        sa.column("result", sa.JSON),
        sa.column("browser_name", sa.String),
        sa.column("os_name", sa.String),
        sa.column("network_path", sa.String),
    )
    reasons = sa.table(
        "attempt_reasons",
        sa.column("attempt_id", sa.String),
        sa.column("check_id", sa.String),
        sa.column("code", sa.String),
    )
    rows = connection.execute(sa.select(attempts.c.id, attempts.c.check_id, attempts.c.result))
    for attempt_id, check_id, stored in rows.all():
        result = Result.model_validate(_loaded(stored), strict=False)
        connection.execute(
            attempts.update()
            .where(attempts.c.id == attempt_id)
            .values(
                browser_name=result.browser.name,
                os_name=result.browser.os,
                network_path=result.network_path(),
            )
        )
        codes = sorted(result.reason_codes())
        if codes:
            connection.execute(
                reasons.insert(),
                [{"attempt_id": attempt_id, "check_id": check_id, "code": code} for code in codes],
            )


def _loaded(stored: Any) -> Any:
    return json.loads(stored) if isinstance(stored, str) else stored


def downgrade() -> None:
    op.drop_table("attempt_reasons")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("network_path")
        batch.drop_column("os_name")
        batch.drop_column("browser_name")
    with op.batch_alter_table("checks") as batch:
        batch.drop_column("candidate_time_zone")
