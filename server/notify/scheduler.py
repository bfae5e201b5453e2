"""The reminder scheduler: in each server process, it takes due reminders under a lease, sends
them and marks them, so that across restarts and instances each goes out once.

Delivery is at least once, effectively once: a process killed after the mail server accepted a
mail but before the row was marked sends it again when the lease lapses, with the same
`Message-ID`, `Date` and calendar file, which mail programs and calendars recognise as the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy.ext.asyncio import AsyncEngine

from server.config import Settings
from server.models.check import Check, CheckStatus
from server.models.org import Organisation
from server.models.reminder import ReminderView
from server.notify.message import Reminder, reminder_message
from server.notify.plan import Planned, retry_at, why_not_send
from server.notify.smtp import Connection, Mailer, SendFailed, SmtpSettings
from server.store import checks
from server.store.orgs import get_org
from server.store.reminders import (
    Claimed,
    claim_due,
    mark_failed,
    mark_sent,
    mark_skipped,
    reminders_for,
    renew_lease,
)

log = logging.getLogger(__name__)

BATCH = 64
"""Reminders taken in one claim; a full batch is followed by the next at once."""
SENDING_AT_ONCE = 8
"""Mails in flight per process: bounded, so that a burst does not open hundreds of connections."""


@dataclass(frozen=True)
class _Taken:
    """What the mails of one claim are made from, read once for the claim when it is taken."""

    checks: dict[str, Check]
    orgs: dict[str, Organisation]
    planned: dict[str, list[ReminderView]]


class Scheduler:
    def __init__(self, engine: AsyncEngine, settings: Settings, mailer: Mailer) -> None:
        self.engine = engine
        self.settings = settings
        self.mailer = mailer
        self.lease = timedelta(seconds=settings.reminder_lease_seconds)
        self._sending = asyncio.Semaphore(SENDING_AT_ONCE)
        sender = parseaddr(settings.mail_from)[1]
        self._domain = sender.rpartition("@")[2] or "greenroom"

    async def run(self) -> None:
        failing = False
        while True:
            try:
                taken = await self.run_once(datetime.now(UTC))
                failing = False
            except Exception:
                if not failing:  # once per outage
                    log.exception("sending reminders failed; trying again")
                failing, taken = True, 0
            if taken < BATCH:
                await asyncio.sleep(self.settings.scheduler_seconds)

    async def run_once(self, now: datetime) -> int:
        """Sends what is due at `now`; the number of reminders taken."""
        claimed = await claim_due(self.engine, now, self.lease, BATCH)
        if not claimed:
            return 0
        taken = await self._read(claimed)
        # Each sender takes the next reminder when its last is done, over one SMTP session.
        queue = deque(claimed)
        senders = min(SENDING_AT_ONCE, len(claimed))
        # A sender that fails stops the others: none is left running into the next round.
        async with asyncio.TaskGroup() as senders_group:
            for _ in range(senders):
                senders_group.create_task(self._send_from(queue, taken, now))
        return len(claimed)

    async def _read(self, claimed: list[Claimed]) -> _Taken:
        check_ids = {reminder.check_id for reminder in claimed}
        found = await checks.checks_by_ids(self.engine, check_ids)
        orgs = {}
        for org_id in {check.org_id for check in found.values()}:
            org = await get_org(self.engine, org_id)
            if org is not None:
                orgs[org_id] = org
        return _Taken(found, orgs, await reminders_for(self.engine, list(found)))

    async def _send_from(self, queue: deque[Claimed], taken: _Taken, now: datetime) -> None:
        async with self._sending, self.mailer.connection() as connection:
            while queue:
                await self._deliver(queue.popleft(), taken, connection, now)

    async def _deliver(
        self, claimed: Claimed, taken: _Taken, connection: Connection, now: datetime
    ) -> None:
        # The lease runs from this mail's turn, not from the claim: a batch waits its turns
        # longer than a lease may last, and one that lapsed meanwhile is another's to send. A
        # reminder planned again or dropped since the claim (the interview moved, was cancelled
        # or erased) has lost its lease too, so what was read at the claim still holds for it.
        renewed = await renew_lease(self.engine, claimed, datetime.now(UTC) + self.lease)
        if renewed is None:
            return
        claimed = renewed
        check = taken.checks.get(claimed.check_id)
        org = None if check is None else taken.orgs.get(check.org_id)
        if check is None or org is None:
            return  # erased: its reminders went with it
        planned = taken.planned.get(check.id, [])
        why = why_not_send(
            cancellation=claimed.kind == "cancellation",
            offset=timedelta(minutes=claimed.offset_minutes),
            starts_at=check.starts_at,
            cancelled=check.status == CheckStatus.CANCELLED,
            others=[_planned(item) for item in planned if item.kind == claimed.kind],
            now=now,
        )
        if why is not None:
            await mark_skipped(self.engine, claimed, why)
            return
        try:
            await connection.send(self.message(claimed, check, org, planned))
        except SendFailed as failed:
            again = retry_at(claimed.tries, now, check.starts_at) if failed.temporary else None
            log.warning(
                "reminder %s not sent (%s): %s",
                claimed.id,
                "will retry" if again else "gave up",
                failed.reason,
            )
            await mark_failed(self.engine, claimed, failed.reason, retry_at=again)
            return
        await mark_sent(self.engine, claimed, datetime.now(UTC))

    def message(
        self, claimed: Claimed, check: Check, org: Organisation, planned: list[ReminderView]
    ) -> EmailMessage:
        leads = [item.offset_minutes for item in planned if item.kind == "reminder"]
        reminder = Reminder(
            check=check,
            org_name=org.name,
            check_url=f"{self.settings.base_url}/c/{check.token}",
            last=claimed.offset_minutes == min(leads, default=0),
            ready=check.status == CheckStatus.READY,
            sequence=check.calendar_sequence,
            # The same on every try of this mail; a new one when the interview has moved.
            message_id=f"<{claimed.kind}.{claimed.id}.{check.calendar_sequence}@{self._domain}>",
            dated=claimed.due_at,
            reply_to=org.reply_to,
            cancelled=claimed.kind == "cancellation",
        )
        return reminder_message(reminder, sender=self.settings.mail_from)


def _planned(item: ReminderView) -> Planned:
    return Planned(timedelta(minutes=item.offset_minutes), item.state.value, item.due_at)


@contextlib.asynccontextmanager
async def running_scheduler(engine: AsyncEngine, settings: Settings) -> AsyncIterator[None]:
    """Reminders go out while the app runs, if it has SMTP settings; otherwise nothing runs."""
    if not settings.reminders_on:
        log.info("reminders are off: no SMTP settings (GREENROOM_SMTP_URL)")
        yield
        return
    mailer = Mailer(SmtpSettings.parse(settings.smtp_url))
    task = asyncio.create_task(Scheduler(engine, settings, mailer).run(), name="reminders")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
