"""The dashboard benchmark's figures: one case per measured operation with its target, one run
per engine and schema revision, as a table, as JSON, and the plans behind them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from server.bench.databases import Seeding
from server.bench.plans import Plan
from server.bench.timing import Timing


@dataclass(frozen=True)
class Case:
    """One measured operation and its target (None: shown, not judged)."""

    name: str
    target_ms: float | None
    timing: Timing
    size: int
    """Of each run's answer: rows on the page (store), bytes of the page (route)."""
    unit: str

    @property
    def ok(self) -> bool:
        return self.target_ms is None or self.timing.p95_ms <= self.target_ms


@dataclass
class Run:
    """One engine at one schema revision."""

    engine: str
    revision: str
    database: str
    """The throwaway database's name (PostgreSQL) or file (SQLite), gone after the run."""
    seeding: Seeding | None = None
    """How the database was filled (on the first revision measured)."""
    migrate_s: float | None = None
    """Migrating the filled database to this revision (the later ones)."""
    cases: list[Case] = field(default_factory=list)
    live: Case | None = None
    plans: dict[str, list[Plan]] = field(default_factory=dict)

    def measured(self) -> list[Case]:
        return [*self.cases, *([self.live] if self.live else [])]


COLUMNS = ("engine", "schema", "case", "answer", "p50 ms", "p95 ms", "max ms", "target", "ok")


def table(*runs: Run) -> str:
    rows = [list(COLUMNS)]
    for run in runs:
        for case in run.measured():
            t = case.timing
            rows.append(
                [
                    run.engine,
                    run.revision,
                    case.name,
                    f"{case.size} {case.unit}",
                    f"{t.p50_ms:.1f}",
                    f"{t.p95_ms:.1f}",
                    f"{t.max_ms:.1f}",
                    "-" if case.target_ms is None else f"≤ {case.target_ms:g}",
                    "-" if case.target_ms is None else "yes" if case.ok else "NO",
                ]
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def print_plans(run: Run) -> None:
    for name, plans in run.plans.items():
        print(f"\n{run.engine} {run.revision} · {name}")
        for plan in plans:
            print("  " + shorten(plan.statement.split(" FROM ")[0], 100) + " FROM …")
            for line in plan.lines:
                print("    " + shorten(line, 160))


def shorten(text: str, limit: int) -> str:
    """One line of at most `limit` characters, its indentation kept."""
    indent = text[: len(text) - len(text.lstrip())]
    text = indent + " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_json(runs: list[Run], header: dict[str, Any]) -> dict[str, Any]:
    """The figures and plans of every run after `header` (what was measured, how often)."""
    return {
        **header,
        "runs": [
            {
                "engine": run.engine,
                "revision": run.revision,
                "database": run.database,
                "seeding": None if run.seeding is None else asdict(run.seeding),
                "migrate_s": run.migrate_s,
                "cases": [
                    {"case": c.name, c.unit: c.size, "target_ms": c.target_ms, "ok": c.ok}
                    | asdict(c.timing)
                    for c in run.measured()
                ],
                "plans": {
                    name: [plan.lines for plan in plans] for name, plans in run.plans.items()
                },
            }
            for run in runs
        ],
        "ok": judged(runs),
    }


def judged(runs: list[Run]) -> bool:
    """Every figure of the newest schema meets its target (a `--before` baseline is shown,
    not judged)."""
    newest = {run.engine: run for run in runs}
    return all(case.ok for run in newest.values() for case in run.measured())
