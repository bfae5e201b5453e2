"""Checks for every audience: created and read by vendors and recruiters, run by candidates."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from server.checks import attempts
from server.checks.offers import OfferLimits
from server.config import Settings
from server.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RetryLater,
    TooManyAttempts,
    Unauthorized,
)
from server.ids import new_id
from server.media.rtc.candidates import CandidatePolicy
from server.media.rtc.sdp import parse_offer
from server.media.rtc.turn import ice_servers_for_browser
from server.media.service import MediaService
from server.media.verdict.local import local_result
from server.media.verdict.result import AttemptHeader
from server.models.check import (
    CandidateInfo,
    Check,
    CheckChanges,
    CheckStatus,
    CheckView,
    NewCheck,
)
from server.models.fallback import LocalCheck
from server.models.feedback import Feedback, FeedbackAnswer
from server.models.listing import AttemptPage, CheckListQuery, CheckPage, encode_cursor
from server.models.offer import AnswerBody, OfferBody
from server.models.org import Organisation
from server.models.reminder import Reminders, ReminderView
from server.models.result import Browser, Result
from server.notify.offsets import parse_offsets
from server.store import board, checks, feedback, insight, orgs, reminders
from server.store.attempts import attempts_since, check_with_latest_result
from server.store.board import AttemptRecord, BoardQuery, BoardRow
from server.store.insight import Insight, InsightQuery

MAX_AHEAD = timedelta(days=730)
# A local check takes seconds and a person to start it: more than this a minute is a script.
MAX_FALLBACKS_PER_MINUTE = 6
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
API_KEY_SHAPE = re.compile(r"gr_[A-Za-z0-9_-]{20,100}")
CHECK_ID_SHAPE = re.compile(r"[0-9a-f]{32}")
# A PATCH is applied to the check as read; a change landing meanwhile (a verdict) means read again.
UPDATE_TRIES = 3
GONE = "this check link is not valid or has expired"


def check_schedule(new: NewCheck, now: datetime) -> None:
    """A check is for an interview that has not ended and is at most two years away."""
    if new.starts_at > now + MAX_AHEAD:
        raise InvalidInput("starts_at: is more than two years ahead")
    if new.starts_at + timedelta(minutes=new.duration_minutes) <= now:
        raise InvalidInput("starts_at: the interview has already ended")


@dataclass(frozen=True)
class CandidateCheck:
    """A check reached through its candidate link, with its organisation."""

    check: Check
    org: Organisation


class CheckService:
    def __init__(self, engine: AsyncEngine, media: MediaService, settings: Settings) -> None:
        self.engine = engine
        self.media = media
        self.settings = settings
        self._offers = OfferLimits(settings.offers_per_link, settings.offers_per_address)
        self._candidates = CandidatePolicy.for_server(
            settings.ice_allow_private, settings.ice_addresses
        )
        # One at a time, so that concurrent fallbacks cannot all pass the count before any is
        # stored.
        self._fallback_lock = asyncio.Lock()

    # Vendors and recruiters

    async def organisation_for_key(self, key: str) -> Organisation:
        found = None
        if API_KEY_SHAPE.fullmatch(key):
            found = await orgs.org_for_api_key(self.engine, key)
        if found is None:
            raise Unauthorized("the API key is not valid")
        return found

    async def organisation(self, org_id: str) -> Organisation:
        found = await orgs.get_org(self.engine, org_id)
        if found is None:
            raise NotFound("no such organisation")
        return found

    async def create(self, org: Organisation, new: NewCheck, now: datetime) -> CheckView:
        check_schedule(new, now)
        check = await checks.create_check(
            self.engine, org.id, new, reminders=self.reminder_offsets(org)
        )
        return await self.read(org, check.id)

    def reminder_offsets(self, org: Organisation) -> tuple[timedelta, ...]:
        """The organisation's lead times, or the server's; none while reminders are off."""
        if not self.settings.reminders_on:
            return ()
        if org.reminder_offsets:
            return parse_offsets(tuple(org.reminder_offsets.split(",")))
        return parse_offsets(self.settings.reminder_offsets)

    async def read(self, org: Organisation, check_id: str) -> CheckView:
        """The organisation's check, its status and latest result read together; another
        organisation's check is not found."""
        found = (
            await check_with_latest_result(self.engine, org.id, check_id)
            if CHECK_ID_SHAPE.fullmatch(check_id)
            else None
        )
        if found is None:
            raise NotFound("no such check")
        check, result = found
        answer = await feedback.latest_feedback(self.engine, check.id)
        mail = await reminders.reminders_of(self.engine, check.id)
        return self._view(check, result, answer, mail)

    async def update(
        self, org: Organisation, check_id: str, changes: CheckChanges, now: datetime
    ) -> CheckView:
        """The same check (link, status, attempts) for the interview as it is now planned."""
        for _ in range(UPDATE_TRIES):
            check = await self._own(org, check_id)
            if check.status == CheckStatus.CANCELLED:
                break
            new = changes.applied_to(check)
            if new.starts_at != check.starts_at or new.duration_minutes != check.duration_minutes:
                check_schedule(new, now)
            outcome = await checks.update_check(
                self.engine, check, new, reminders=self.reminder_offsets(org)
            )
            if outcome == "updated":
                return await self.read(org, check.id)
            if outcome == "gone":
                break
        else:
            raise Conflict("the check changed meanwhile; try again", code="check_changed")
        raise Conflict("this check is cancelled", code="check_cancelled")

    async def cancel(self, org: Organisation, check_id: str) -> CheckView:
        """The link stops working at once, a running session for it is closed, and the
        candidate is told (when reminders are on)."""
        check = await self._own(org, check_id)
        await checks.cancel_check(self.engine, org.id, check.id, notify=self.settings.reminders_on)
        await self.media.close_check(check.id)
        return await self.read(org, check.id)

    async def page(self, org: Organisation, query: CheckListQuery) -> CheckPage:
        found = await checks.list_checks(
            self.engine,
            org.id,
            status=query.status,
            starts_after=query.starts_after,
            starts_before=query.starts_before,
            after=query.after(),
            limit=query.limit + 1,
        )
        page = found[: query.limit]
        ids = [check.id for check in page]
        async with self.engine.connect() as conn:
            results = await board.latest_results(conn, ids)
        answers = await feedback.latest_feedbacks(self.engine, ids)
        mail = await reminders.reminders_for(self.engine, ids)
        last = page[-1] if len(found) > query.limit else None
        return CheckPage(
            items=[
                self._view(check, results.get(check.id), answers.get(check.id), mail[check.id])
                for check in page
            ],
            next_cursor=None if last is None else encode_cursor(last.starts_at, last.id),
        )

    async def attempts(self, org: Organisation, check_id: str) -> AttemptPage:
        records = await self.history(org, check_id)
        return AttemptPage(items=[record.result for record in records])

    async def erase(self, org: Organisation, check_id: str) -> None:
        """The candidate's personal data, results, feedback and reminders are deleted, and a
        running session for the check is closed; from then on the check is not found."""
        check = await self._own(org, check_id)
        await checks.erase_check(self.engine, org.id, check.id)
        await self.media.close_check(check.id)

    async def board(self, org: Organisation, query: BoardQuery, now: datetime) -> list[BoardRow]:
        return await board.board_rows(self.engine, org.id, query, now)

    async def insight(self, org: Organisation, query: InsightQuery, now: datetime) -> Insight:
        return await insight.insight(self.engine, org.id, query, now)

    async def board_row(self, org: Organisation, check_id: str) -> BoardRow:
        found = (
            await board.board_row(self.engine, org.id, check_id)
            if CHECK_ID_SHAPE.fullmatch(check_id)
            else None
        )
        if found is None:
            raise NotFound("no such check")
        return found

    async def history(self, org: Organisation, check_id: str) -> list[AttemptRecord]:
        """Every attempt of the organisation's check, the latest first."""
        check = await self._own(org, check_id)
        return await board.attempts_of(self.engine, check.id)

    async def _own(self, org: Organisation, check_id: str) -> Check:
        found = (
            await checks.get_check(self.engine, org.id, check_id)
            if CHECK_ID_SHAPE.fullmatch(check_id)
            else None
        )
        if found is None:
            raise NotFound("no such check")
        return found

    def _view(
        self,
        check: Check,
        result: Result | None,
        answer: Feedback | None,
        mail: list[ReminderView],
    ) -> CheckView:
        url = f"{self.settings.base_url}/c/{check.token}"
        return CheckView.of(
            check,
            candidate_url=url,
            result=result,
            feedback=answer,
            reminders=Reminders(enabled=self.settings.reminders_on, items=mail),
        )

    # Candidates

    async def embedders(self, token: str, now: datetime) -> tuple[bool, tuple[str, ...]]:
        """Whether the link is usable, and the origins that may frame its page. An expired link
        is still framed by its organisation's origins, so that it can say it has expired."""
        if not TOKEN_SHAPE.fullmatch(token):
            return False, ()
        check = await checks.check_by_token(self.engine, token, now)
        org_id = check.org_id if check else await checks.org_id_for_token(self.engine, token)
        org = None if org_id is None else await orgs.get_org(self.engine, org_id)
        return check is not None, org.allowed_origins if org else ()

    async def usable_check(self, token: str, now: datetime) -> Check:
        """The check a candidate link points to, unless the link is unknown or has expired."""
        check = None
        if TOKEN_SHAPE.fullmatch(token):
            check = await checks.check_by_token(self.engine, token, now)
        if check is None:
            raise NotFound(GONE)
        return check

    async def for_candidate(self, token: str, now: datetime) -> CandidateCheck:
        check = await self.usable_check(token, now)
        org = await orgs.get_org(self.engine, check.org_id)
        if org is None:  # deleted since the check was read
            raise NotFound(GONE)
        return CandidateCheck(check, org)

    async def candidate_info(self, token: str, now: datetime) -> CandidateInfo:
        found = await self.for_candidate(token, now)
        check = found.check
        return CandidateInfo(
            title=check.title,
            locale=check.locale,
            starts_at=check.starts_at,
            duration_minutes=check.duration_minutes,
            # Fresh, short-lived TURN credentials on every request; the page asks again at Start.
            ice_servers=ice_servers_for_browser(self.settings, now, check.id),
            time_zone=check.time_zone,
            agenda=check.agenda,
            interviewers=check.interviewers,
            join_url=check.join_url,
            candidate_name=check.candidate_name,
            organisation=found.org.name,
            embed_origins=list(found.org.allowed_origins),
        )

    async def start_attempt(
        self, token: str, body: OfferBody, browser: Browser, now: datetime, client: str
    ) -> AnswerBody:
        """A media session for the check's browser (at address `client`); the check is in
        progress from now on. Only an offer that starts a session counts against the link's and
        the address's limits."""
        check = await self.usable_check(token, now)
        offer = parse_offer(body.sdp, self._candidates)
        self._offers.take(check.id, client)
        try:
            answer = await self.media.answer(check.id, offer, browser)
        except (RetryLater, InvalidInput):
            self._offers.give_back(check.id, client)
            raise
        await attempts.start(self.engine, check.id, body.time_zone)
        return answer

    async def record_fallback(
        self, token: str, measured: LocalCheck, browser: Browser, now: datetime
    ) -> Result:
        """Stores a check the browser had to run alone, because WebRTC could not reach us."""
        check = await self.usable_check(token, now)
        async with self._fallback_lock:
            recent = await attempts_since(self.engine, check.id, now - timedelta(minutes=1))
            if recent >= MAX_FALLBACKS_PER_MINUTE:
                raise TooManyAttempts(
                    "too many attempts for this check; wait a minute", retry_after=60
                )
            if await self.media.connected(check.id):
                raise Conflict("this check is running over WebRTC", code="check_running")
            # A session still trying to connect for this check would end later without a verdict.
            await self.media.close_check(check.id)
            header = AttemptHeader(
                check_id=check.id,
                attempt_id=new_id(),
                started_at=now,
                finished_at=now,
                browser=browser,
            )
            result = local_result(measured, header)
            await attempts.record_verdict(self.engine, result)
        return result

    async def record_feedback(self, token: str, answer: FeedbackAnswer, now: datetime) -> None:
        """The candidate's answer about one attempt; a new answer replaces the last."""
        check = await self.usable_check(token, now)
        stored = Feedback(
            attempt_id=answer.attempt_id, ease=answer.ease, comment=answer.comment, at=now
        )
        if not await feedback.record_feedback(self.engine, check.id, stored):
            raise NotFound("no such attempt for this check")
