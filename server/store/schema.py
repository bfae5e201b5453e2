"""Tables. Changes here go with a new migration in `migrations/versions/`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from server.models.result import CHECK_NAMES

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zone support) and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("allowed_origins", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Its own reminder lead times (`24h,1h`), or null for the server's.
    sa.Column("reminder_offsets", sa.String(100), nullable=True),
    # Where a candidate's reply to a reminder goes, or null for the sender.
    sa.Column("reply_to", sa.String(254), nullable=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "org_id",
        sa.String(32),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    # Written at most once a minute per key (`orgs.LAST_USED_EVERY`), not on every request.
    sa.Column("last_used_at", UTCDateTime, nullable=True),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "org_id",
        sa.String(32),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("token_expires_at", UTCDateTime, nullable=False),
    sa.Column("candidate_name", sa.String(200), nullable=False),
    sa.Column("candidate_email", sa.String(254), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False, index=True),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("agenda", sa.JSON, nullable=False),
    sa.Column("interviewers", sa.JSON, nullable=False),
    sa.Column("join_url", sa.String(2000), nullable=True),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("candidate_time_zone", sa.String(64), nullable=True),
    # Written as attempts are stored, for the insight: the verdict of the check's first attempt,
    # and when it was first ready (ready by the interview is then a comparison on this row).
    sa.Column("first_verdict", sa.String(16), nullable=True),
    sa.Column("first_ready_at", UTCDateTime, nullable=True),
    # The calendar event's SEQUENCE: it grows when the interview moves or is cancelled.
    sa.Column("calendar_sequence", sa.Integer, nullable=False, server_default="0"),
    # The board's order (with its tie-break) and the status the board and the insight filter on.
    sa.Index("ix_checks_org_id_starts_at_id", "org_id", "starts_at", "id", "status"),
    # The API's list filtered by a status: one range however few checks have it.
    sa.Index("ix_checks_org_id_status_starts_at_id", "org_id", "status", "starts_at", "id"),
)

SEARCHED = ("candidate_name", "candidate_email", "title")
"""The columns the board's search looks in, as a case-insensitive substring."""

# Trigrams let PostgreSQL find a substring without reading every check (`pg_trgm`, migration
# 0005); SQLite has no such index.
sa.Index(
    "ix_checks_search",
    *(sa.func.lower(checks.c[name]).label(name) for name in SEARCHED),
    postgresql_using="gin",
    postgresql_ops=dict.fromkeys(SEARCHED, "gin_trgm_ops"),
).ddl_if(dialect="postgresql")

STATUS_COLUMNS = {name: f"{name}_status" for name in CHECK_NAMES if name != "browser"}
"""Check name -> the attempts column holding its status."""

attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "check_id",
        sa.String(32),
        sa.ForeignKey("checks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("overall", sa.String(16), nullable=False),
    # One status column per check, for queries over many attempts (the browser's always passes).
    *(sa.Column(column, sa.String(8), nullable=False) for column in STATUS_COLUMNS.values()),
    sa.Column("result", sa.JSON, nullable=False),
    # The candidate's answer to "How easy was it to get ready?", given after the attempt: kept
    # beside the result, not in it, because the result is sent on (to the page, the API) as
    # measured and the comment is the candidate's own words.
    sa.Column("feedback_ease", sa.SmallInteger, nullable=True),
    sa.Column("feedback_comment", sa.String(1000), nullable=True),
    sa.Column("feedback_at", UTCDateTime, nullable=True),
    # Copied out of the result when it is stored, for the insight page's counts.
    sa.Column("browser_name", sa.String(20), nullable=False, server_default=""),
    sa.Column("os_name", sa.String(20), nullable=False, server_default=""),
    sa.Column("network_path", sa.String(8), nullable=False, server_default="unknown"),
    # A check's attempts in order, with what the board and the insight read of them, so the
    # result's JSON is not read to count them.
    sa.Index(
        "ix_attempts_check_id_finished_at_id",
        "check_id",
        "finished_at",
        "id",
        "overall",
        "browser_name",
        "os_name",
        "network_path",
        "feedback_ease",
    ),
    sa.Index(
        "ix_attempts_commented",
        "check_id",
        "feedback_at",
        sqlite_where=sa.text("feedback_comment IS NOT NULL"),
        postgresql_where=sa.text("feedback_comment IS NOT NULL"),
    ),
)

attempt_reasons = sa.Table(
    "attempt_reasons",
    metadata,
    # One row per reason code an attempt reported, for counting problems without reading results.
    sa.Column(
        "attempt_id",
        sa.String(32),
        sa.ForeignKey("attempts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "check_id",
        sa.String(32),
        sa.ForeignKey("checks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Index("ix_attempt_reasons_check_id_code", "check_id", "code"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "org_id",
        sa.String(32),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # Stored lower-cased: one account per address, however it is typed.
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("locale", sa.String(8), nullable=True),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    # The cookie holds the token; only its hash is kept, so a read of this table logs nobody in.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id",
        sa.String(32),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

check_events = sa.Table(
    "check_events",
    metadata,
    # Written in the transaction that changes a check, so every process (and instance) that
    # follows the feed sees each change once, in order, whoever made it.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("org_id", sa.String(32), nullable=False),
    sa.Column(
        "check_id",
        sa.String(32),
        sa.ForeignKey("checks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_check_events_org_id", "org_id", "id"),
)

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "check_id",
        sa.String(32),
        sa.ForeignKey("checks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # `reminder`, or `cancellation` (offset 0) once the interview is cancelled.
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("offset_minutes", sa.Integer, nullable=False),
    # pending, sent, failed (a permanent refusal), or skipped (its window had passed).
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=True),
    # While a scheduler holds the row; a crashed one's claim lapses at this time.
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("tries", sa.Integer, nullable=False),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("check_id", "kind", "offset_minutes"),
    sa.Index("ix_reminders_state_due_at", "state", "due_at"),
)

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "org_id",
        sa.String(32),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("events", sa.JSON, nullable=False),
    # Kept to sign with (Standard Webhooks signs with the shared secret itself).
    sa.Column("secret", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Set when the receiver answered 410 Gone: nothing more is sent to it.
    sa.Column("disabled_at", UTCDateTime, nullable=True),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    # The `webhook-id` header: the same on every try of this delivery.
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "endpoint_id",
        sa.String(32),
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "check_id",
        sa.String(32),
        sa.ForeignKey("checks.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("type", sa.String(32), nullable=False),
    # The body as it is signed and sent, the same on every try.
    sa.Column("body", sa.Text, nullable=False),
    # pending, delivered, or failed (out of tries, or the endpoint is gone).
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=True),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("tries", sa.Integer, nullable=False),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime, nullable=True),
    sa.Index("ix_webhook_deliveries_state_due_at", "state", "due_at"),
    sa.Index("ix_webhook_deliveries_endpoint_id", "endpoint_id", "created_at"),
)
