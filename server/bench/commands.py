"""`greenroom bench …`: the benchmarks' options and how each is started. Each benchmark's module
is imported only when it runs: they pull in what the server itself never needs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_bench_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`bench media`, `bench dashboard`, `bench api` and `bench reminders` under `commands`."""
    bench = commands.add_parser("bench", help="benchmarks").add_subparsers(
        dest="action", required=True
    )
    media = bench.add_parser(
        "media", help="N concurrent checks against a server started as `greenroom serve`"
    )
    media.add_argument(
        "--sessions",
        type=int,
        nargs="+",
        metavar="N",
        help="one run per N (default 8, or none with --soak)",
    )
    media.add_argument(
        "--seconds",
        type=float,
        default=20.0,
        help="measured seconds per run (with --arrivals-seconds: after the arrivals)",
    )
    media.add_argument("--mode", choices=["full", "analysis"], default="full")
    media.add_argument(
        "--design",
        choices=["current", "naive", "both"],
        default="current",
        help="naive: one process that decodes and re-encodes; both: side by side per N",
    )
    media.add_argument(
        "--settle",
        type=float,
        default=3.5,
        help="seconds after the last candidate connects (with --arrivals-seconds: after the "
        "first arrives) before measuring; 0 measures every session's analysis phase too "
        "(default 3.5: the steady state after the verdicts)",
    )
    media.add_argument(
        "--arrivals-seconds",
        type=float,
        default=0.0,
        metavar="S",
        help="candidates arrive at random over S seconds (the window is S longer); default 0: "
        "all at once",
    )
    media.add_argument(
        "--speakers-seconds",
        type=_seconds_range,
        default=(0.0, 0.0),
        metavar="S|LOW-HIGH",
        help="each candidate answers the speakers step after S seconds, or after a time drawn "
        "from LOW-HIGH (e.g. 5-20), its sound decoded meanwhile; default 0: at once",
    )
    media.add_argument(
        "--admission",
        choices=["on", "off", "both"],
        default="on",
        help="on: the server admits by measured headroom; off: by the fixed cap alone "
        "(GREENROOM_ADMISSION=cap); both: one run each per N",
    )
    media.add_argument(
        "--soak",
        type=int,
        default=0,
        metavar="SESSIONS",
        help="short sessions, two at a time, with the server's and each worker's memory "
        "sampled every 100",
    )
    media.add_argument(
        "--output", type=Path, metavar="JSON", help="also write the figures to this JSON file"
    )
    cores = os.cpu_count() or 1
    media.add_argument(
        "--workers", type=int, default=cores, help=f"server media workers (default {cores})"
    )
    media.add_argument(
        "--clients", type=int, default=cores, help=f"load-generator processes (default {cores})"
    )
    dashboard = bench.add_parser(
        "dashboard",
        help="the recruiter's board, its insight and its live rows over a large history, "
        "on throwaway SQLite and PostgreSQL databases",
    )
    dashboard.add_argument(
        "--database",
        choices=["sqlite", "postgres", "both"],
        help="which engines (default: both with --postgres-url, else sqlite)",
    )
    dashboard.add_argument(
        "--postgres-url",
        metavar="URL",
        help="a PostgreSQL server to create (and drop) a throwaway database on, e.g. "
        "postgresql:///test?host=/var/run/postgresql",
    )
    dashboard.add_argument("--checks", type=int, default=100_000, help="checks (default 100000)")
    dashboard.add_argument(
        "--attempts", type=int, metavar="N", help="attempts in all (default 3 per check)"
    )
    dashboard.add_argument("--runs", type=int, default=50, help="timed runs per query")
    dashboard.add_argument("--warmup", type=int, default=5, help="untimed runs before them")
    dashboard.add_argument(
        "--verdicts", type=int, default=20, help="verdicts stored while a dashboard listens"
    )
    dashboard.add_argument(
        "--before",
        metavar="REVISION",
        help="fill the database at this schema revision (0006 or later: the code reads "
        "what 0006 added) and measure it too, then migrate to the newest and measure again",
    )
    dashboard.add_argument(
        "--output", type=Path, metavar="JSON", help="also write the figures to this JSON file"
    )
    api = bench.add_parser(
        "api",
        help="the REST API's list of checks over a large history, and stored verdicts to their "
        "webhooks, through `greenroom serve` on throwaway SQLite and PostgreSQL databases",
    )
    api.add_argument(
        "--database",
        choices=["sqlite", "postgresql", "both"],
        help="which engines (default: both with --postgres-url, else sqlite)",
    )
    api.add_argument(
        "--postgres-url",
        metavar="URL",
        help="a PostgreSQL server to create (and drop) a throwaway database on, e.g. "
        "postgresql:///test?host=/var/run/postgresql",
    )
    api.add_argument(
        "--checks", type=int, default=100_000, help="checks of one organisation (default 100000)"
    )
    api.add_argument(
        "--attempts", type=int, metavar="N", help="attempts in all (default 3 per check)"
    )
    api.add_argument("--runs", type=int, default=50, help="timed requests per page (default 50)")
    api.add_argument("--warmup", type=int, default=5, help="untimed requests before them")
    api.add_argument(
        "--depth", type=int, metavar="ROWS", help="rows before the deep page (default: half)"
    )
    api.add_argument(
        "--webhooks",
        type=int,
        default=100,
        help="verdicts stored one at a time, each timed to its webhook (default 100; 0: none)",
    )
    api.add_argument(
        "--before",
        metavar="REVISION",
        help="fill the database at this schema revision (0010 or later: the code reads what "
        "0010 added) and measure its pages too, then migrate to the newest and measure again",
    )
    api.add_argument(
        "--output", type=Path, metavar="JSON", help="also write the figures to this JSON file"
    )
    reminders = bench.add_parser(
        "reminders",
        help="a burst of due reminders through several `greenroom serve` instances, and an idle "
        "instance's cost, on throwaway PostgreSQL databases",
    )
    reminders.add_argument(
        "--postgres-url",
        metavar="URL",
        help="a PostgreSQL server to create (and drop) the throwaway databases on, e.g. "
        "postgresql:///test?host=/var/run/postgresql",
    )
    reminders.add_argument(
        "--reminders", type=int, default=10_000, help="due at once in the burst (default 10000)"
    )
    reminders.add_argument(
        "--instances", type=int, default=2, help="servers sending the burst (default 2)"
    )
    reminders.add_argument(
        "--idle-reminders",
        type=int,
        default=100_000,
        help="reminders due days ahead while one instance idles (default 100000)",
    )
    reminders.add_argument(
        "--idle-seconds",
        type=float,
        default=60.0,
        help="how long the idle instance is measured (default 60; 0 leaves it out)",
    )
    reminders.add_argument(
        "--timeout", type=float, default=600.0, help="seconds the burst may take (default 600)"
    )
    reminders.add_argument(
        "--output", type=Path, metavar="JSON", help="also write the figures to this JSON file"
    )


def run_bench(args: argparse.Namespace) -> int:
    if args.action == "dashboard":
        return _bench_dashboard(args)
    if args.action == "api":
        return _bench_api(args)
    if args.action == "reminders":
        from server.bench import reminders

        return reminders.main(
            reminders.Options(
                postgres_url=args.postgres_url,
                reminders=args.reminders,
                instances=args.instances,
                idle_reminders=args.idle_reminders,
                idle_seconds=args.idle_seconds,
                timeout=args.timeout,
                output=args.output,
            )
        )
    if args.action == "media":
        from server.bench import media
        from server.bench.mix import Mix

        return media.main(
            media.Options(
                sessions=args.sessions or ([] if args.soak else [8]),
                seconds=args.seconds,
                mode=args.mode,
                designs=["naive", "current"] if args.design == "both" else [args.design],
                settle=args.settle,
                workers=args.workers,
                clients=args.clients,
                mix=Mix(args.arrivals_seconds, args.speakers_seconds),
                admissions=("off", "on") if args.admission == "both" else (args.admission,),
                soak=args.soak,
                output=args.output,
            )
        )
    raise AssertionError(f"no benchmark {args.action!r}")


def _seconds_range(text: str) -> tuple[float, float]:
    from server.bench.mix import parse_seconds

    try:
        return parse_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _bench_dashboard(args: argparse.Namespace) -> int:
    from server.bench import dashboard

    kinds = args.database or ("both" if args.postgres_url else "sqlite")
    if kinds != "sqlite" and not args.postgres_url:
        print("greenroom: --postgres-url is needed to benchmark PostgreSQL", file=sys.stderr)
        return 2
    if args.checks < 10 or args.runs < 1 or args.warmup < 0 or args.verdicts < 0:
        print("greenroom: give at least 10 checks and 1 run", file=sys.stderr)
        return 2
    return dashboard.main(
        dashboard.Options(
            databases=["sqlite", "postgres"] if kinds == "both" else [kinds],
            postgres_url=args.postgres_url,
            checks=args.checks,
            attempts=3 * args.checks if args.attempts is None else max(0, args.attempts),
            runs=args.runs,
            warmup=args.warmup,
            verdicts=args.verdicts,
            before=args.before,
            output=args.output,
        )
    )


def _bench_api(args: argparse.Namespace) -> int:
    from server.bench import api

    kinds = args.database or ("both" if args.postgres_url else "sqlite")
    return api.main(
        api.Options(
            databases=["sqlite", "postgresql"] if kinds == "both" else [kinds],
            postgres_url=args.postgres_url,
            checks=args.checks,
            attempts=3 * args.checks if args.attempts is None else args.attempts,
            runs=args.runs,
            warmup=args.warmup,
            depth=args.checks // 2 if args.depth is None else args.depth,
            webhooks=args.webhooks,
            before=args.before,
            output=args.output,
        )
    )
