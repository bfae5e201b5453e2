"""`GET /dashboard/insight` and `insight.csv`: how ready the organisation's candidates were over
a period, what went wrong most, and what they said about it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from markupsafe import Markup

from server.models.org import Organisation
from server.store.insight import DIMENSIONS, Insight, Outcomes
from server.web.dashboard import charts, present
from server.web.dashboard.export import cell
from server.web.dashboard.forms import InsightPeriod
from server.web.dashboard.i18n import Translator
from server.web.dashboard.pages import service, signed_in_org
from server.web.dashboard.render import locale_of, render

routes = web.RouteTableDef()
VERDICTS = ("ready", "warnings", "not_ready")
CSV_COLUMNS = ("section", "item", "count", "of", "share_pct", "mean_ease", "comment")


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}" if whole else ""


@dataclass(frozen=True)
class Charts:
    readiness: Markup
    problems: Markup
    outcomes: dict[str, Markup]
    feedback: Markup


def draw(figures: Insight, t: Translator, zone: ZoneInfo) -> Charts:
    readiness = figures.readiness
    ready_bars = [
        charts.Bar(
            t("insight.ready_first"),
            readiness.ready_first / readiness.checked if readiness.checked else 0,
            t("insight.of", part=readiness.ready_first, whole=readiness.checked)
            + _percent_text(readiness.ready_first, readiness.checked),
        ),
        charts.Bar(
            t("insight.ready_by_interview"),
            readiness.ready_by_interview / readiness.held if readiness.held else 0,
            t("insight.of", part=readiness.ready_by_interview, whole=readiness.held)
            + _percent_text(readiness.ready_by_interview, readiness.held),
        ),
    ]
    problem_bars = [
        charts.Bar(
            t.reason(code),
            count,
            t("insight.candidates", count=count) + _percent_text(count, readiness.checked),
        )
        for code, count in figures.problems
    ]
    feedback_bars = [
        charts.Bar(
            present.date_input(point.starts, zone),
            point.mean_ease or 0,
            "" if point.mean_ease is None else f"{point.mean_ease:.1f}",
        )
        for point in figures.feedback
    ]
    first = figures.feedback[0].starts if figures.feedback else None
    last = figures.feedback[-1].starts if figures.feedback else None
    return Charts(
        readiness=charts.bars("chart-readiness", t("insight.readiness"), ready_bars, whole=1),
        problems=charts.bars(
            "chart-problems",
            t("insight.problems"),
            problem_bars,
            whole=max(readiness.checked, 1),
        ),
        outcomes={
            name: charts.stacks(
                f"chart-{name}",
                t(f"insight.by_{name}"),
                [
                    charts.Stack(
                        _label(name, row, t),
                        tuple(charts.Segment(v, getattr(row, v)) for v in VERDICTS),
                        _outcome_text(row, t),
                    )
                    for row in rows
                ],
            )
            for name, rows in figures.outcomes.items()
        },
        feedback=charts.columns(
            "chart-feedback",
            t("insight.feedback"),
            "; ".join(
                f"{bar.label}: {bar.text or t('insight.no_answers')}" for bar in feedback_bars
            ),
            feedback_bars,
            top=5,
            first_label=present.date_input(first, zone) if first else "",
            last_label=present.date_input(last, zone) if last and last != first else "",
        ),
    )


def _percent_text(part: int, whole: int) -> str:
    return f" ({share(part, whole)} %)" if whole else ""


def _label(dimension: str, row: Outcomes, t: Translator) -> str:
    if dimension == "path":
        return t(f"path.{row.label}")
    return row.label if row.label != "unknown" else t("insight.unknown")


def _outcome_text(row: Outcomes, t: Translator) -> str:
    return " · ".join(f"{getattr(row, v)} {t('status.' + v).lower()}" for v in VERDICTS)


@dataclass(frozen=True)
class Asked:
    org: Organisation
    zone: ZoneInfo
    period: InsightPeriod
    figures: Insight | None
    """None when the period is not valid: nothing is counted."""


async def asked(request: web.Request) -> Asked:
    session, org = await signed_in_org(request)
    now = datetime.now(UTC)
    zone = ZoneInfo(session.user.time_zone)
    period = InsightPeriod.read(request.query, now.astimezone(zone).date())
    query = period.query(zone)
    figures = None if query is None else await service(request).insight(org, query, now)
    return Asked(org, zone, period, figures)


@routes.get("/insight")
async def insight_page(request: web.Request) -> web.Response:
    found = await asked(request)
    figures = found.figures
    t = Translator(locale_of(request))
    return render(
        request,
        "dashboard/insight.html",
        {
            "org": found.org,
            "period": found.period,
            "figures": figures,
            "charts": None if figures is None else draw(figures, t, found.zone),
            "dimensions": DIMENSIONS,
            "verdicts": VERDICTS,
            "share": share,
        },
        status=400 if figures is None else 200,
    )


@routes.get("/insight.csv")
async def insight_csv(request: web.Request) -> web.Response:
    found = await asked(request)
    figures, period = found.figures, found.period
    if figures is None:
        raise web.HTTPBadRequest(
            text="from and until must be dates (YYYY-MM-DD), in order, at most a year apart\n"
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(figures):
        writer.writerow([cell(value) for value in row])
    name = f"greenroom-insight-{period.starts_from}-{period.starts_until}.csv"
    return web.Response(
        # A byte-order mark: spreadsheet programs then read å, ä and ö as UTF-8.
        body=("\ufeff" + buffer.getvalue()).encode(),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def csv_rows(figures: Insight) -> list[tuple[object, ...]]:
    """The page's figures as rows of one sheet: codes and names as stored, not translated."""
    readiness = figures.readiness
    rows: list[tuple[object, ...]] = [
        ("readiness", "candidates", readiness.candidates, "", "", "", ""),
        ("readiness", "checked", readiness.checked, readiness.candidates, "", "", ""),
        ("readiness", "ready_first_attempt", readiness.ready_first, readiness.checked,
         share(readiness.ready_first, readiness.checked), "", ""),
        ("readiness", "interviews_held", readiness.held, readiness.candidates, "", "", ""),
        ("readiness", "ready_by_interview", readiness.ready_by_interview, readiness.held,
         share(readiness.ready_by_interview, readiness.held), "", ""),
    ]  # fmt: skip
    rows += [
        ("problem", code, count, readiness.checked, share(count, readiness.checked), "", "")
        for code, count in figures.problems
    ]
    for name, outcome_rows in figures.outcomes.items():
        for row in outcome_rows:
            rows += [
                (f"{name}:{verdict}", row.label, getattr(row, verdict), row.attempts,
                 share(getattr(row, verdict), row.attempts), "", "")
                for verdict in VERDICTS
            ]  # fmt: skip
    rows += [
        ("feedback", point.starts.date().isoformat(), point.answers, "", "",
         "" if point.mean_ease is None else f"{point.mean_ease:.2f}", "")
        for point in figures.feedback
    ]  # fmt: skip
    rows += [
        ("comment", comment.at.isoformat(), comment.ease, "", "", "", comment.text)
        for comment in figures.comments
    ]
    return rows
