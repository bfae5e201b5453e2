"""Signing recruiters in and out, and the accounts they sign in with."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from server.accounts.limits import FailureWindow
from server.accounts.passwords import DECOY_HASH, hash_password, verify_password
from server.errors import Conflict, GreenroomError, RetryLater
from server.models.check import Locale
from server.models.user import Login, NewUser, User, UserSession
from server.store import users

SESSION_HOURS = 12
"""A working day: after it the recruiter signs in again, wherever the cookie went."""
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW_SECONDS = 15 * 60


class LoginFailed(GreenroomError):
    """One answer for an unknown address and a wrong password, so neither tells which."""

    status = 401
    code = "login_failed"


class TooManyLogins(RetryLater):
    status = 429
    code = "too_many_logins"


@dataclass(frozen=True)
class SignedIn:
    token: str
    """For the cookie; only its hash is stored."""
    session: UserSession


def token_hash(token: str) -> str:
    # 192 random bits: a fast hash suffices, as for API keys.
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._by_account = FailureWindow(FAILURES_PER_ACCOUNT, FAILURE_WINDOW_SECONDS)
        self._by_address = FailureWindow(FAILURES_PER_ADDRESS, FAILURE_WINDOW_SECONDS)

    async def create_user(self, org_id: str, new: NewUser) -> User:
        try:
            return await users.create_user(
                self.engine, org_id, new, await hash_password(new.password)
            )
        except users.EmailTaken:
            raise Conflict(
                "an account with this e-mail address exists", code="email_taken"
            ) from None

    async def login(self, form: Login, address: str, now: datetime) -> SignedIn:
        """A new session for the account, or LoginFailed / TooManyLogins. The per-address
        limit slows one machine guessing many accounts; the per-account one, many machines
        guessing one."""
        account = form.email.lower()
        clock = time.monotonic()
        waits = [
            self._by_account.retry_after(account, clock),
            self._by_address.retry_after(address, clock),
        ]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise TooManyLogins("too many failed sign-ins; try again later", retry_after=wait)
        found = await users.user_by_email(self.engine, account)
        verified = await verify_password(found[1] if found else DECOY_HASH, form.password)
        if found is None or not verified.ok:
            self._by_account.fail(account, clock)
            self._by_address.fail(address, clock)
            raise LoginFailed("the e-mail address or the password is wrong")
        user = found[0]
        self._by_account.forget(account)
        if verified.new_hash is not None:
            await users.set_password_hash(self.engine, user.id, verified.new_hash)
        token = secrets.token_urlsafe(24)
        csrf_token = secrets.token_urlsafe(24)
        expires_at = now + timedelta(hours=SESSION_HOURS)
        await users.create_session(self.engine, user.id, token_hash(token), csrf_token, expires_at)
        return SignedIn(token, UserSession(user=user, csrf_token=csrf_token, expires_at=expires_at))

    async def session(self, token: str, now: datetime) -> UserSession | None:
        if not 16 <= len(token) <= 64:
            return None
        return await users.session_by_hash(self.engine, token_hash(token), now)

    async def logout(self, token: str) -> None:
        await users.delete_session(self.engine, token_hash(token))

    async def set_preferences(self, user: User, locale: Locale | None, time_zone: str) -> None:
        await users.set_preferences(self.engine, user.id, locale=locale, time_zone=time_zone)
