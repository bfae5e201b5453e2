"""Reminders across real `greenroom serve` processes: one killed (SIGKILL) while one mail waits
for its recipient to be answered and another for its 250 after the mail server kept it, then
restarted; and two sharing one PostgreSQL database. Every reminder arrives, and once, except
the mail kept but not answered: that one comes again as the same mail."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from server.bench.server import Server, running_server
from tests.conftest import throwaway_postgres
from tests.support.smtp import Hold, SmtpServer, running_smtp

LEASE_SECONDS = 5
WAIT_SECONDS = 20.0
"""Longer than a lapsed lease plus a restart and a tick, by far."""


def settings(smtp: SmtpServer, **more: str) -> dict[str, str]:
    return {
        "GREENROOM_SMTP_URL": smtp.url,
        "GREENROOM_MAIL_FROM": "Greenroom <reminders@example.com>",
        "GREENROOM_SCHEDULER_SECONDS": "1",
        # One address for every instance, as behind a load balancer: the mails' links and
        # calendar files do not depend on which process sent them.
        "GREENROOM_PUBLIC_URL": "https://greenroom.example",
        "GREENROOM_REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
        # One process, so that SIGKILL leaves nothing behind.
        "GREENROOM_MEDIA_WORKERS": "0",
        **more,
    }


def create_check(server: Server, n: int) -> str:
    """A check half an hour ahead: its 1 h reminder is due at once."""
    body = {
        "candidate": {"name": f"Candidate {n}", "email": f"candidate-{n}@example.com"},
        "starts_at": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
        "duration_minutes": 30,
        "title": "Interview",
    }
    check_id: str = server.api("POST", "/api/v1/checks", body)["id"]
    return check_id


def the_reminder(server: Server, check_id: str) -> dict[str, Any]:
    """The check's 1 h reminder as the API shows it (the 24 h one was skipped)."""
    check = server.api("GET", f"/api/v1/checks/{check_id}")
    [reminder] = [
        item
        for item in check["reminders"]["items"]
        if item["kind"] == "reminder" and item["offset_minutes"] == 60
    ]
    assert isinstance(reminder, dict)
    return reminder


def states(server: Server, check_ids: list[str]) -> Counter[str]:
    return Counter(the_reminder(server, check_id)["state"] for check_id in check_ids)


def wait_until(condition: Callable[[], bool], what: str, within: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(0.1)


def recipients(received: list[EmailMessage]) -> Counter[str]:
    return Counter(str(message["To"]) for message in received)


def address(n: int) -> str:
    """The candidate of the `n`th check made, as the mail's To says."""
    return f"Candidate {n} <candidate-{n}@example.com>"


def everyone(count: int) -> Counter[str]:
    """Each candidate of `count` checks, once."""
    return Counter(address(n) for n in range(count))


def killed(server: Server) -> None:
    server.process.kill()
    server.process.wait(timeout=10)


def backlog(directory: Path, smtp: SmtpServer, count: int) -> tuple[str, str, list[str]]:
    """`count` checks whose reminders are due and unclaimed, made over the API of a server whose
    scheduler looked once at start-up (nothing was due) and not again: the next server takes
    them all in one claim. Its database URL, the organisation's API key and the checks' ids."""
    quiet = settings(smtp, GREENROOM_SCHEDULER_SECONDS="3600")
    with running_server(directory, quiet) as server:
        check_ids = [create_check(server, n) for n in range(count)]
        assert states(server, check_ids) == {"pending": count}
    return server.database_url, server.api_key, check_ids


def workdir(tmp_path: Path, name: str) -> Path:
    """A server's own directory (its log; its SQLite file unless told another database)."""
    path = tmp_path / name
    path.mkdir()
    return path


def as_org(server: Server, api_key: str) -> Server:
    """Another server on the same database, asked as the organisation that made the checks."""
    return dataclasses.replace(server, api_key=api_key)


@dataclass(frozen=True)
class AfterAKill:
    received: list[EmailMessage]
    """Every mail the mail server kept, from both servers."""
    by_the_kill: Counter[str]
    """The recipients of what it had kept when the first server was killed."""
    reminders: list[dict[str, Any]]
    """The reminders in the end as the API shows them, in the order the checks were made."""


CHECKS_KILLED = 4


@pytest.fixture(scope="module")
def after_a_kill(tmp_path_factory: pytest.TempPathFactory) -> AfterAKill:
    """Due reminders for a few checks; a server takes them all. The mail server holds one mail
    before answering its recipient and another one after keeping it, before its 250; the
    others are sent and marked. Then the server is killed (SIGKILL) and another started on the
    same database, with the same short lease (5 s)."""
    tmp_path = tmp_path_factory.mktemp("killed")
    with running_smtp() as smtp:
        holds = [Hold("rcpt"), Hold("data")]
        smtp.inbox.holds = holds
        database_url, api_key, check_ids = backlog(workdir(tmp_path, "setup"), smtp, CHECKS_KILLED)
        on_the_database = settings(smtp, GREENROOM_DATABASE_URL=database_url)
        with running_server(workdir(tmp_path, "first"), on_the_database) as first:
            first = as_org(first, api_key)
            wait_until(lambda: all(hold.reached.is_set() for hold in holds), "two mails held")
            wait_until(
                lambda: states(first, check_ids) == {"sent": CHECKS_KILLED - 2, "pending": 2},
                "all but the held reminders sent",
            )
            killed(first)
            by_the_kill = recipients(smtp.inbox.received)
        with running_server(workdir(tmp_path, "second"), on_the_database) as second:
            second = as_org(second, api_key)
            wait_until(
                lambda: states(second, check_ids) == {"sent": CHECKS_KILLED},
                "every reminder sent after the restart",
            )
            reminders = [the_reminder(second, check_id) for check_id in check_ids]
        return AfterAKill(list(smtp.inbox.received), by_the_kill, reminders)


def held(after: AfterAKill, *, kept: bool) -> int:
    """The check whose mail was held before its recipient was answered (not `kept` by the
    kill) or before its 250 (`kept`). Both were claimed twice, by the killed server and, once
    its lease had lapsed, by the next; every other reminder once."""
    tries = [reminder["tries"] for reminder in after.reminders]
    assert sorted(tries) == [1] * (CHECKS_KILLED - 2) + [2, 2]
    [n] = [
        n
        for n, tried in enumerate(tries)
        if tried == 2 and (address(n) in after.by_the_kill) == kept
    ]
    return n


def test_killed_between_claim_and_send_the_reminder_goes_out_once(
    after_a_kill: AfterAKill,
) -> None:
    n = held(after_a_kill, kept=False)
    assert recipients(after_a_kill.received)[address(n)] == 1
    assert after_a_kill.reminders[n]["state"] == "sent"


def test_killed_after_the_mail_was_accepted_it_is_sent_again_as_the_same_mail(
    after_a_kill: AfterAKill,
) -> None:
    n = held(after_a_kill, kept=True)
    again = [message for message in after_a_kill.received if str(message["To"]) == address(n)]
    assert len(again) == 2
    assert len({message["Message-ID"] for message in again}) == 1
    assert len({message["Date"] for message in again}) == 1
    assert len({part(message, "text/plain") for message in again}) == 1
    assert len({part(message, "text/calendar") for message in again}) == 1
    assert after_a_kill.reminders[n]["state"] == "sent"


def test_after_a_kill_no_reminder_is_lost_and_only_the_unanswered_one_came_twice(
    after_a_kill: AfterAKill,
) -> None:
    twice = address(held(after_a_kill, kept=True))
    assert recipients(after_a_kill.received) == everyone(CHECKS_KILLED) + Counter([twice])
    by_id = Counter(message["Message-ID"] for message in after_a_kill.received)
    assert sorted(by_id.values()) == [1] * (CHECKS_KILLED - 1) + [2]
    assert all(reminder["sent_at"] is not None for reminder in after_a_kill.reminders)


def part(message: EmailMessage, content_type: str) -> str:
    [found] = [part for part in message.walk() if part.get_content_type() == content_type]
    assert isinstance(found, EmailMessage)
    content = found.get_content()
    return content if isinstance(content, str) else bytes(content).decode()


CHECKS_ON_TWO = 40
PACE_SECONDS = 0.05
"""Between two checks made: they come over two seconds, so each scheduler (every second) takes
some. Two ticks at the same moment contend for the same rows; the one that lost has sent
nothing, ticks earlier next time and wins then."""


async def test_two_servers_on_one_postgresql_database_send_each_reminder_once(
    tmp_path: Path,
) -> None:
    async with throwaway_postgres() as database_url:
        await asyncio.to_thread(two_servers, tmp_path, database_url)


def two_servers(tmp_path: Path, database_url: str) -> None:
    """Two servers, each with its own mail server (so that both are seen to work), take the
    reminders of checks made on either while both schedulers run."""
    with ExitStack() as stack:
        smtps = [stack.enter_context(running_smtp()) for _ in range(2)]
        on_the_database = {
            "GREENROOM_DATABASE_URL": database_url,
            # No claim lapses here: this is about two claims at once, not about a lost one.
            "GREENROOM_REMINDER_LEASE_SECONDS": "60",
        }
        servers = [
            stack.enter_context(
                running_server(workdir(tmp_path, name), settings(smtp, **on_the_database))
            )
            for name, smtp in zip(["a", "b"], smtps, strict=True)
        ]
        # As the first one's organisation (the second server made one of its own).
        a, b = servers[0], as_org(servers[1], servers[0].api_key)
        check_ids = []
        for n in range(CHECKS_ON_TWO):
            check_ids.append(create_check([a, b][n % 2], n))
            time.sleep(PACE_SECONDS)
        wait_until(lambda: states(a, check_ids) == {"sent": CHECKS_ON_TWO}, "every reminder sent")
        time.sleep(1.5)  # a tick of each more: nothing else comes

        received = [message for smtp in smtps for message in smtp.inbox.received]
        by_id = Counter(message["Message-ID"] for message in received)
        assert len(by_id) == CHECKS_ON_TWO
        assert by_id.most_common(1)[0][1] == 1, by_id.most_common(3)
        assert recipients(received) == everyone(CHECKS_ON_TWO)
        assert all(smtp.inbox.received for smtp in smtps), "one server sent everything"
        # Each claimed once: no row was ever taken by both.
        assert {the_reminder(b, check_id)["tries"] for check_id in check_ids} == {1}
