"""What the database does with the dashboard's queries: each statement an operation sends,
caught as the driver gets it, and the engine's plan for it with the same parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Plan:
    statement: str
    lines: list[str]
    """EXPLAIN QUERY PLAN on SQLite (a tree), EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""


async def statements_of(
    engine: AsyncEngine, operation: Callable[[], Awaitable[Any]]
) -> list[tuple[str, Any]]:
    """Every (statement, parameters) the operation executes, in order."""
    sent: list[tuple[str, Any]] = []

    def caught(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", caught)
    try:
        await operation()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", caught)
    return sent


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> Plan:
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
    if not sqlite:
        return Plan(statement, [row[0] for row in rows])
    # (id, parent, notused, detail): indent each step under its parent.
    depth = {0: -1}
    lines = []
    for row in rows:
        node, parent, _, detail = tuple[Any, ...](row)
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return Plan(statement, lines)


async def plans_of(engine: AsyncEngine, operation: Callable[[], Awaitable[Any]]) -> list[Plan]:
    """The plan of every SELECT the operation sends."""
    sent = await statements_of(engine, operation)
    return [
        await explain(engine, statement, parameters)
        for statement, parameters in sent
        if statement.lstrip().upper().startswith(("SELECT", "WITH"))
    ]


def scans(plan: Plan) -> list[str]:
    """The steps that read a whole table (or a whole index) rather than a range of one."""
    found = []
    for line in plan.lines:
        step = line.strip()
        if step.startswith("SCAN ") and " USING " not in step:  # SQLite
            found.append(step)
        elif step.startswith("Seq Scan") or "-> Seq Scan" in step:  # PostgreSQL
            found.append(step.removeprefix("-> "))
    return found
