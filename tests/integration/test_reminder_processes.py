"""Reminders across real `greenroom serve` processes: one killed between its claim and the send,
one killed after the mail server kept the mail but before the row was marked, and two sharing
one PostgreSQL database. Every reminder arrives, and arrives once (the second case: again, as
the same mail)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from server.bench.server import Server, running_server
from tests.conftest import throwaway_postgres
from tests.support.smtp import Hold, Inbox, SmtpServer, running_smtp

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


def everyone(count: int) -> Counter[str]:
    """Each candidate of `count` checks, once."""
    return Counter(f"Candidate {n} <candidate-{n}@example.com>" for n in range(count))


def killed(server: Server) -> None:
    server.process.kill()
    server.process.wait(timeout=10)


@contextmanager
def backlog(
    directory: Path, smtp: SmtpServer, count: int, database: Mapping[str, str] | None = None
) -> Iterator[tuple[str, str, list[str]]]:
    """`count` checks whose reminders are due and unclaimed, made over the API of a server whose
    scheduler looked once at start-up (nothing was due) and not again: the next server takes
    them all in one claim. Its database URL, the organisation's API key and the checks' ids."""
    quiet = settings(smtp, GREENROOM_SCHEDULER_SECONDS="3600", **(database or {}))
    with running_server(directory, quiet) as server:
        check_ids = [create_check(server, n) for n in range(count)]
        assert states(server, check_ids) == {"pending": count}
    yield server.database_url, server.api_key, check_ids


def workdir(tmp_path: Path, name: str) -> Path:
    """A server's own directory (its log; its SQLite file unless told another database)."""
    path = tmp_path / name
    path.mkdir()
    return path


def as_org(server: Server, api_key: str) -> Server:
    """Another server on the same database, asked as the organisation that made the checks."""
    return dataclasses.replace(server, api_key=api_key)


def killed_while_held(
    tmp_path: Path, at: Literal["rcpt", "data"], count: int
) -> tuple[Inbox, Counter[str], list[dict[str, Any]]]:
    """Due reminders for `count` checks; a server takes them all, the mail server holds one of
    them at `at`, the others are sent and marked; the server is killed, another started on the
    same database. What the mail server received by the kill and in the end (the inbox), and
    the reminders as the API shows them in the end."""
    with running_smtp() as smtp:
        smtp.inbox.hold = Hold(at)
        with backlog(workdir(tmp_path, "setup"), smtp, count) as (database_url, api_key, check_ids):
            on_the_database = settings(smtp, GREENROOM_DATABASE_URL=database_url)
            with running_server(workdir(tmp_path, "first"), on_the_database) as first:
                first = as_org(first, api_key)
                wait_until(smtp.inbox.hold.reached.is_set, "a mail held by the SMTP server")
                wait_until(
                    lambda: states(first, check_ids) == {"sent": count - 1, "pending": 1},
                    "all but the held reminder sent",
                )
                killed(first)
                by_the_kill = recipients(smtp.inbox.received)
            with running_server(workdir(tmp_path, "second"), on_the_database) as second:
                second = as_org(second, api_key)
                wait_until(
                    lambda: states(second, check_ids) == {"sent": count},
                    "every reminder sent after the restart",
                )
                reminders = [the_reminder(second, check_id) for check_id in check_ids]
        return smtp.inbox, by_the_kill, reminders


def test_killed_between_claim_and_send_the_reminder_goes_out_once(tmp_path: Path) -> None:
    inbox, by_the_kill, reminders = killed_while_held(tmp_path, "rcpt", count=3)

    assert sum(by_the_kill.values()) == 2  # the held one had no recipient yet
    assert recipients(inbox.received) == everyone(3)
    assert len({message["Message-ID"] for message in inbox.received}) == 3
    # The held one was claimed twice: by the killed server, then after its lease lapsed.
    assert sorted(reminder["tries"] for reminder in reminders) == [1, 1, 2]
    assert all(reminder["sent_at"] is not None for reminder in reminders)


def test_killed_after_the_mail_was_accepted_it_is_sent_again_as_the_same_mail(
    tmp_path: Path,
) -> None:
    inbox, by_the_kill, reminders = killed_while_held(tmp_path, "data", count=3)

    assert sorted(by_the_kill.values()) == [1, 1, 1]  # the held one was kept, not answered
    copies = recipients(inbox.received)
    assert set(copies) == set(everyone(3))
    assert sorted(copies.values()) == [1, 1, 2]
    [(twice, _)] = [(to, n) for to, n in copies.items() if n == 2]
    again = [message for message in inbox.received if str(message["To"]) == twice]
    assert len({message["Message-ID"] for message in again}) == 1
    assert len({message["Date"] for message in again}) == 1
    assert len({part(message, "text/plain") for message in again}) == 1
    assert len({part(message, "text/calendar") for message in again}) == 1
    # Every reminder has its own Message-ID, and only the retried one came twice.
    by_id = Counter(message["Message-ID"] for message in inbox.received)
    assert sorted(by_id.values()) == [1, 1, 2]
    assert sorted(reminder["tries"] for reminder in reminders) == [1, 1, 2]


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
