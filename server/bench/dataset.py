"""A recruiting history for the dashboard benchmark: organisations, checks and attempts as rows.

Interviews are spread over the last months and the weeks ahead; most past candidates checked
once or more before the call, some never did, a few checks were cancelled; upcoming ones have
been checked more the closer they are. A check's status is what the store would have made of
its attempts: the latest verdict, `not_started` without one, `cancelled` once cancelled.
Everything is drawn from one seed, so two runs with the same seed hold the same people.
With lead times in `Shape.reminder_offsets`, each check also has its reminders as
`plan_reminders` planned them when it was made and as the scheduler has left them by now.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from server.bench.verdicts import POOL_SIZE, result_pool
from server.ids import new_id
from server.models.check import CheckStatus
from server.models.result import Overall
from server.notify.plan import Due, due_times
from server.store.checks import TOKEN_GRACE
from server.store.schema import STATUS_COLUMNS

FIRST_NAMES = (
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Emma", "Mikael",
    "Elin", "Oskar", "Linnea", "Ahmed", "Fatima", "Priya", "James", "Olivia", "Noah", "Amelia",
    "Mateo", "Sofia", "Yuki", "Chen", "Aisha", "Lukas", "Ingrid", "Nils", "Maja", "Hugo",
)  # fmt: skip
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Lindqvist", "Berg", "Holm", "Ali", "Hassan", "Smith", "Jones",
    "Taylor", "Brown", "Patel", "Garcia", "Müller", "Nguyen", "Kowalski", "Öberg", "Lindström",
    "Sandberg", "Ekström", "Wallin", "Åkesson",
)  # fmt: skip
TITLES = (
    "Backend developer", "Frontend developer", "Data engineer", "Product designer",
    "Engineering manager", "Customer success manager", "Account executive", "Nurse",
    "Warehouse team lead", "Financial controller", "HR partner", "Site reliability engineer",
    "Sales development representative", "Teacher, mathematics", "Support engineer",
)  # fmt: skip
ZONES = (
    ("Europe/Stockholm", 60), ("Europe/London", 12), ("Europe/Berlin", 10),
    ("America/New_York", 8), ("Asia/Kolkata", 6), ("Australia/Sydney", 4),
)  # fmt: skip
COMMENTS = (
    "Easy, thanks!", "The light tip helped.", "Had to allow the camera twice.",
    "My headset was muted, good that it noticed.", "Took a while on the office wifi.",
)  # fmt: skip
ASCII = str.maketrans("åäöü", "aaou")
"""Addresses as most mail systems still hand them out."""
SEARCH_COMMON = "lindqvist"
"""A surname about one candidate in thirty has: many matches, the first page fills at once."""
CANCELLED_SHARE = 0.04


@dataclass(frozen=True)
class Shape:
    checks: int = 100_000
    attempts: int = 300_000
    org_shares: tuple[float, ...] = (0.6, 0.4)
    """The first organisation is the one the benchmark's recruiter works for: the larger."""
    past_days: int = 180
    ahead_days: int = 28
    reminder_offsets: tuple[timedelta, ...] = ()
    """The lead times each check's reminders were planned with; none by default (the
    dashboard reads no reminders). They draw nothing from the seed: the people stay the same."""


@dataclass
class Batch:
    """Rows for the `checks`, `attempts`, `attempt_reasons` and `reminders` tables."""

    checks: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Plan:
    """One check before its rows are made: when, whose, and how many attempts."""

    org: int
    starts_at: datetime
    created_at: datetime
    attempts: int
    cancelled: bool
    name: str
    email: str


@dataclass
class Population:
    shape: Shape
    now: datetime
    seed: int = 1
    org_ids: list[str] = field(init=False)
    _rng: random.Random = field(init=False)
    _plans: list[_Plan] = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.org_ids = [self._id() for _ in self.shape.org_shares]
        self._plans = self._plan()
        self.pool = result_pool(self.seed, min(POOL_SIZE, max(100, self.shape.attempts)))

    def _id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def _plan(self) -> list[_Plan]:
        rng, now, shape = self._rng, self.now, self.shape
        span = timedelta(days=shape.past_days + shape.ahead_days)
        earliest = now - timedelta(days=shape.past_days)
        plans = []
        orgs = rng.choices(range(len(shape.org_shares)), shape.org_shares, k=shape.checks)
        for number, org in enumerate(orgs):
            # Whole quarter hours, as interviews are booked.
            starts_at = earliest + span * rng.random()
            starts_at -= timedelta(minutes=starts_at.minute % 15, seconds=starts_at.second)
            starts_at = starts_at.replace(microsecond=0)
            created_at = min(now, starts_at) - timedelta(hours=rng.uniform(1, 21 * 24))
            ahead = starts_at - now
            started = rng.random() < (
                0.9
                if ahead <= timedelta(0)
                else 0.7
                if ahead < timedelta(hours=24)
                else 0.5
                if ahead < timedelta(days=7)
                else 0.2
            )
            cancelled = rng.random() < CANCELLED_SHARE
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            # Numbered: one address per candidate, however common the name.
            email = f"{first}.{last}{number}@example.com".lower().translate(ASCII)
            plans.append(
                _Plan(org, starts_at, created_at, int(started), cancelled, f"{first} {last}", email)
            )
        # The attempts beyond each started check's first, spread over the started checks.
        started_plans = [plan for plan in plans if plan.attempts]
        extra = max(0, shape.attempts - len(started_plans))
        for plan in rng.choices(started_plans, k=extra) if started_plans else []:
            plan.attempts += 1
        return plans

    def organisations(self) -> list[dict[str, Any]]:
        return [
            {
                "id": org_id,
                "name": f"Bench organisation {number}",
                "allowed_origins": [],
                "created_at": self.now - timedelta(days=self.shape.past_days + 30),
            }
            for number, org_id in enumerate(self.org_ids, 1)
        ]

    def batches(self, size: int) -> Iterator[Batch]:
        """`size` checks at a time, with their attempts."""
        for start in range(0, len(self._plans), size):
            batch = Batch()
            for plan in self._plans[start : start + size]:
                self._rows(plan, batch)
            yield batch

    def _rows(self, plan: _Plan, batch: Batch) -> None:
        rng, now = self._rng, self.now
        check_id = self._id()
        duration = rng.choice((30, 45, 45, 60, 60, 90))
        zone = rng.choices([z for z, _ in ZONES], [w for _, w in ZONES])[0]
        # Attempts fall between the invitation (or three days before) and the call, never later
        # than now.
        window_end = min(now - timedelta(minutes=1), plan.starts_at - timedelta(minutes=2))
        window_start = min(max(plan.created_at, plan.starts_at - timedelta(days=3)), window_end)
        finished = sorted(
            window_start + (window_end - window_start) * rng.random() for _ in range(plan.attempts)
        )
        attempts = [
            self._attempt(check_id, at, batch, last=index == len(finished) - 1)
            for index, at in enumerate(finished)
        ]
        if plan.cancelled:
            status = CheckStatus.CANCELLED
        elif attempts:
            status = CheckStatus(attempts[-1]["overall"])
        elif timedelta(0) < plan.starts_at - now < timedelta(hours=2) and rng.random() < 0.05:
            status = CheckStatus.IN_PROGRESS
        else:
            status = CheckStatus.NOT_STARTED
        updated_at = max([plan.created_at, *(a["finished_at"] for a in attempts)])
        check = {
            "id": check_id,
            "org_id": self.org_ids[plan.org],
            "token": base64.urlsafe_b64encode(rng.randbytes(24)).decode(),
            "token_expires_at": plan.starts_at + timedelta(minutes=duration) + TOKEN_GRACE,
            "candidate_name": plan.name,
            "candidate_email": plan.email,
            "starts_at": plan.starts_at,
            "time_zone": zone,
            "duration_minutes": duration,
            "title": rng.choice(TITLES),
            "agenda": ["Introductions", "Technical discussion", "Your questions"][
                : rng.randint(0, 3)
            ],
            "interviewers": [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"],
            "join_url": f"https://meet.example.com/{check_id[:10]}" if rng.random() < 0.8 else None,
            "locale": "sv" if zone == "Europe/Stockholm" and rng.random() < 0.7 else "en",
            "status": status.value,
            "created_at": plan.created_at,
            "updated_at": updated_at,
            # As record_attempt keeps them (the attempts are in the order they finished).
            "first_verdict": attempts[0]["overall"] if attempts else None,
            "first_ready_at": next(
                (a["finished_at"] for a in attempts if a["overall"] == "ready"), None
            ),
        }
        batch.checks.append(check)
        batch.attempts += attempts
        batch.reminders += [
            self._reminder(check_id, due, cancelled=plan.cancelled)
            for due in due_times(plan.starts_at, self.shape.reminder_offsets, plan.created_at)
        ]

    def _reminder(self, check_id: str, due: Due, *, cancelled: bool) -> dict[str, Any]:
        """A reminder planned when the check was made: sent if it was due before now, else
        pending; a cancelled check's unsent ones skipped."""
        row: dict[str, Any] = {
            "id": new_id(),
            "check_id": check_id,
            "kind": "reminder",
            "offset_minutes": int(due.offset.total_seconds() // 60),
            "state": "skipped",
            "due_at": due.at,
            "lease_until": None,
            "tries": 0,
            "last_error": "window_passed",
            "sent_at": None,
        }
        if due.at is None:
            return row
        if due.at <= self.now:
            return row | {"state": "sent", "tries": 1, "last_error": None, "sent_at": due.at}
        if cancelled:
            return row | {"last_error": "interview_cancelled"}
        return row | {"state": "pending", "last_error": None}

    def _attempt(
        self, check_id: str, finished_at: datetime, batch: Batch, *, last: bool
    ) -> dict[str, Any]:
        """The attempt's row as `record_attempt` writes it; its reasons' rows go to `batch`."""
        rng = self._rng
        # Candidates retry until it works, or give up: the last attempt is the best one.
        weights = (0.65, 0.25, 0.10) if last else (0.2, 0.4, 0.4)
        overall = rng.choices(list(Overall), weights)[0]
        attempt_id = self._id()
        judged = self.pool.result(rng, overall, check_id, attempt_id, finished_at)
        result = judged.result
        batch.reasons += [
            {"attempt_id": attempt_id, "check_id": check_id, "code": code}
            for code in judged.reason_codes
        ]
        answered = last and rng.random() < 0.35
        return {
            "id": attempt_id,
            "check_id": check_id,
            "started_at": datetime.fromisoformat(result["started_at"]),
            "finished_at": finished_at,
            "overall": overall.value,
            **{column: result["checks"][name]["status"] for name, column in STATUS_COLUMNS.items()},
            "result": result,
            "browser_name": result["browser"]["name"],
            "os_name": result["browser"]["os"],
            "network_path": judged.network_path,
            "feedback_ease": rng.choices((1, 2, 3, 4, 5), (5, 8, 17, 35, 35))[0]
            if answered
            else None,
            "feedback_comment": rng.choice(COMMENTS) if answered and rng.random() < 0.3 else None,
            "feedback_at": finished_at + timedelta(minutes=1) if answered else None,
        }

    def upcoming_email(self) -> str:
        """The address of one upcoming candidate of the first organisation: a search that
        matches exactly one row, so the whole range is read to fill the page."""
        for plan in self._plans:
            if plan.org == 0 and plan.starts_at > self.now + timedelta(days=7):
                return plan.email
        return "nobody@example.com"
