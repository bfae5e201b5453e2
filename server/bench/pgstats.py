"""What PostgreSQL's statistics collector counted for one database: its transactions, and the
scans and rows read of one of its tables.

Backends report these when they go idle, at most about once a second (PostgreSQL 15), so a
reading lags the work by up to a second or so: compare readings taken a while apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Counters:
    transactions: int
    """Committed and rolled back: a read on a pooled connection ends in a rollback."""
    scans: int
    """Sequential and index scans of the table."""
    rows_read: int
    """Rows those scans returned (sequential reads plus index fetches)."""

    def __sub__(self, earlier: Counters) -> Counters:
        return Counters(
            self.transactions - earlier.transactions,
            self.scans - earlier.scans,
            self.rows_read - earlier.rows_read,
        )


async def counters(engine: AsyncEngine, table: str) -> Counters:
    """The counters of `engine`'s database (this reading itself included) and its `table`."""
    async with engine.connect() as conn:
        database = await conn.execute(
            sa.text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                " WHERE datname = current_database()"
            )
        )
        scanned = await conn.execute(
            sa.text(
                "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0),"
                " coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"
                " FROM pg_stat_user_tables WHERE relname = :table"
            ),
            {"table": table},
        )
        transactions = database.scalar_one()
        scans, rows_read = scanned.one()
    return Counters(int(transactions), int(scans), int(rows_read))
