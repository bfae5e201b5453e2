"""`GET /dashboard/checks.csv`: the board's filtered list as a spreadsheet."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from server.checks.readiness import reasons, risk
from server.web.dashboard.forms import BoardFilter
from server.web.dashboard.pages import service, signed_in_org

routes = web.RouteTableDef()
MAX_ROWS = 10_000
BATCH = 500
COLUMNS = (
    "check_id",
    "candidate_name",
    "candidate_email",
    "title",
    "starts_at",
    "time_zone",
    "duration_minutes",
    "status",
    "at_risk",
    "last_attempt_at",
    "reasons",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A spreadsheet never runs a candidate's name as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@routes.get("/checks.csv")
async def checks_csv(request: web.Request) -> web.StreamResponse:
    session, org = await signed_in_org(request)
    now = datetime.now(UTC)
    wanted = BoardFilter.read(request.query)
    query = wanted.query(ZoneInfo(session.user.time_zone), now, limit=BATCH)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="greenroom-checks-{now:%Y%m%d}.csv"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte-order mark: spreadsheet programs then read the names' å, ä and ö as UTF-8.
    writer.writerow(COLUMNS)
    await response.write(("\ufeff" + buffer.getvalue()).encode())
    written = 0
    while written < MAX_ROWS:
        rows = await service(request).board(org, query, now)
        if not rows:
            break
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            check, latest = row.check, row.latest
            writer.writerow(
                [
                    cell(value)
                    for value in (
                        check.id,
                        check.candidate_name,
                        check.candidate_email,
                        check.title,
                        check.starts_at.isoformat(),
                        check.time_zone,
                        check.duration_minutes,
                        check.status.value,
                        (risk(check.status, check.starts_at, now) or ""),
                        latest.finished_at.isoformat() if latest else "",
                        ";".join(reasons(latest)),
                    )
                ]
            )
        await response.write(buffer.getvalue().encode())
        written += len(rows)
        last = rows[-1].check
        query = dataclasses.replace(query, after=(last.starts_at, last.id))
    await response.write_eof()
    return response
