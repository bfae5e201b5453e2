"""Indexes for the dashboard at scale, where the plans at 100,000 checks and 300,000 attempts
asked for them (docs/benchmarks.md, `greenroom bench dashboard`):

- the board and the insight walk one organisation's checks by start time: the index now also
  orders by id (the board's tie-break) and holds the status, so neither reads the table rows;
- the insight reads each check's attempts for their verdict, browser, system, path and answer:
  the attempts' index by check holds those, so the results (kilobytes of JSON a row) stay unread,
  and replaces the two indexes it starts with;
- the comments are found through an index of the attempts that have one;
- the problems are counted from an index of the reason codes by check;
- on PostgreSQL, the board's search (a substring of name, address or title) uses trigram
  indexes (the `pg_trgm` extension, shipped with PostgreSQL) instead of reading every check of
  the organisation. SQLite has no index for a substring search.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEARCH_INDEX = "ix_checks_search"
SEARCHED = ("candidate_name", "candidate_email", "title")
"""As in server/store/schema.py at this revision (a migration does not follow later changes)."""


def upgrade() -> None:
    op.drop_index("ix_checks_org_id_starts_at", "checks")
    op.create_index(
        "ix_checks_org_id_starts_at_id", "checks", ["org_id", "starts_at", "id", "status"]
    )
    op.drop_index("ix_attempts_check_id_finished_at", "attempts")
    op.drop_index("ix_attempts_check_id", "attempts")
    op.create_index(
        "ix_attempts_check_id_finished_at_id",
        "attempts",
        [
            "check_id",
            "finished_at",
            "id",
            "overall",
            "browser_name",
            "os_name",
            "network_path",
            "feedback_ease",
        ],
    )
    commented = sa.text("feedback_comment IS NOT NULL")
    op.create_index(
        "ix_attempts_commented",
        "attempts",
        ["check_id", "feedback_at"],
        sqlite_where=commented,
        postgresql_where=commented,
    )
    op.drop_index("ix_attempt_reasons_check_id", "attempt_reasons")
    op.create_index("ix_attempt_reasons_check_id_code", "attempt_reasons", ["check_id", "code"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        expressions = ", ".join(f"lower({column}) gin_trgm_ops" for column in SEARCHED)
        op.execute(f"CREATE INDEX {SEARCH_INDEX} ON checks USING gin ({expressions})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {SEARCH_INDEX}")
    op.drop_index("ix_attempt_reasons_check_id_code", "attempt_reasons")
    op.create_index("ix_attempt_reasons_check_id", "attempt_reasons", ["check_id"])
    op.drop_index("ix_attempts_commented", "attempts")
    op.drop_index("ix_attempts_check_id_finished_at_id", "attempts")
    op.create_index("ix_attempts_check_id", "attempts", ["check_id"])
    op.create_index("ix_attempts_check_id_finished_at", "attempts", ["check_id", "finished_at"])
    op.drop_index("ix_checks_org_id_starts_at_id", "checks")
    op.create_index("ix_checks_org_id_starts_at", "checks", ["org_id", "starts_at"])
