"""Signing in and out, the session cookie, and the CSRF checks every state change passes.

The session lives in our database (revocable, one row per signed-in browser); the cookie holds
only its random token. aiohttp-session carries it: `AccountSessions` is its storage.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import AbstractStorage, Session, get_session, new_session
from pydantic import ValidationError

from server.accounts.service import SESSION_HOURS, AccountService, LoginFailed, TooManyLogins
from server.config import Settings
from server.errors import GreenroomError
from server.keys import accounts_key, settings_key
from server.models.user import Login, UserSession

SESSION_COOKIE = "greenroom_session"
LOGIN_COOKIE = "greenroom_login"
"""Before there is a session, the login form's CSRF token is paired with this cookie."""
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
USER_SESSION = web.RequestKey("user_session", UserSession)
MAX_FORM_BYTES = 64 * 1024


class Forbidden(GreenroomError):
    status = 403
    code = "forbidden"


class SignInRequired(GreenroomError):
    status = 401
    code = "sign_in_required"


def secure_cookies(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


class AccountSessions(AbstractStorage):
    """aiohttp-session's storage over our `user_sessions` table."""

    def __init__(self, *, secure: bool) -> None:
        super().__init__(
            cookie_name=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="Strict",
            secure=secure,
        )

    async def load_session(self, request: web.Request) -> Session:
        token = self.load_cookie(request)
        found = None
        if token is not None:
            found = await accounts(request).session(token, datetime.now(UTC))
        if found is None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        request[USER_SESSION] = found
        return Session(token, data={"session": {"user_id": found.user.id}}, new=False)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: Session
    ) -> None:
        # The row itself is written and deleted by the account service; this sets the cookie.
        token = "" if session.empty else str(session.identity or "")
        self.save_cookie(response, token, max_age=None if not token else self.max_age)


def accounts(request: web.Request) -> AccountService:
    return request.config_dict[accounts_key]


async def signed_in(request: web.Request) -> UserSession | None:
    await get_session(request)
    return request.get(USER_SESSION)


async def require_session(request: web.Request) -> UserSession:
    found = await signed_in(request)
    if found is None:
        raise SignInRequired("sign in to see this page")
    return found


def own_origin(request: web.Request) -> str:
    public = request.config_dict[settings_key].public_url
    if public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}"
    return f"{request.scheme}://{request.host}"


def check_origin(request: web.Request) -> None:
    """A state change must come from our own pages; browsers send `Origin` on every POST."""
    origin = request.headers.get("Origin")
    if origin is None or origin != own_origin(request):
        raise Forbidden("this request did not come from a Greenroom page", code="bad_origin")


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


async def read_form(request: web.Request) -> dict[str, str]:
    """The form's text fields, bounded; a file or a repeated field is refused."""
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise Forbidden("the form is too large", code="form_too_large")
    posted = await request.post()
    form: dict[str, str] = {}
    for name, value in posted.items():
        if not isinstance(value, str) or name in form or len(form) >= 50:
            raise Forbidden("the form has fields it should not have", code="bad_form")
        form[name] = value
    return form


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing request carries the session's token (synchronizer pattern) and
    comes from our origin; a missing or wrong one is a 403 and changes nothing."""
    if request.method in SAFE_METHODS or request.path == "/login":
        return await handler(request)  # signing in has its own token (see `sign_in`)
    check_origin(request)
    session = await require_session(request)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        given = (await read_form(request)).get(CSRF_FIELD)
    if not same_token(given, session.csrf_token):
        raise Forbidden("the form has expired; reload the page and try again", code="bad_csrf")
    return await handler(request)


def login_token(request: web.Request) -> str:
    """The login form's token: the one its cookie already holds, or a new one."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    return token if 20 <= len(token) <= 64 else secrets.token_urlsafe(24)


def set_login_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request.config_dict[settings_key]),
        path="/login",
        max_age=3600,
    )


async def sign_in(request: web.Request, form: dict[str, str]) -> UserSession:
    """Checks the form's token and the password; raises LoginFailed, TooManyLogins or
    Forbidden. On success the session cookie is set on the response by the middleware."""
    check_origin(request)
    if not same_token(form.get(CSRF_FIELD), request.cookies.get(LOGIN_COOKIE, "")):
        raise Forbidden("the form has expired; reload the page and try again", code="bad_csrf")
    try:
        login = Login.model_validate(
            {"email": form.get("email", ""), "password": form.get("password", "")}
        )
    except ValidationError:
        raise LoginFailed("the e-mail address or the password is wrong") from None
    signed = await accounts(request).login(login, request.remote or "", datetime.now(UTC))
    # A session fixed before sign-in is never reused: always a new one.
    session = await new_session(request)
    session.set_new_identity(signed.token)
    session["user_id"] = signed.session.user.id
    request[USER_SESSION] = signed.session
    return signed.session


async def sign_out(request: web.Request) -> None:
    session = await get_session(request)
    if session.identity is not None:
        await accounts(request).logout(str(session.identity))
    session.invalidate()


__all__ = ["LoginFailed", "TooManyLogins"]
