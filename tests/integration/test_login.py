"""Signing in and out: the cookie, the CSRF checks, the limits, and one answer for every wrong
sign-in."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from server.accounts import service as accounts_service
from server.store.db import create_engine
from server.store.schema import user_sessions, users
from tests.conftest import Seeded
from tests.support.recruiters import (
    Recruiter,
    create_recruiter,
    csrf_token,
    origin,
    sign_in,
)

Client = TestClient[Any, Any]


@pytest.fixture
async def recruiter(database_url: str, seeded: Seeded) -> Recruiter:
    return await create_recruiter(database_url, seeded.org_id)


async def post_login(
    client: Client, email: str, password: str, *, headers: dict[str, str] | None = None
) -> Any:
    page = await client.get("/login")
    token = csrf_token(await page.text())
    return await client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers=origin(client) if headers is None else headers,
        allow_redirects=False,
    )


async def session_rows(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int(
                (
                    await conn.execute(sa.select(sa.func.count()).select_from(user_sessions))
                ).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_signing_in_sets_a_strict_http_only_cookie(
    client: Client, recruiter: Recruiter
) -> None:
    response = await post_login(client, recruiter.email.upper(), recruiter.password)
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard"
    cookie = response.cookies["greenroom_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert not cookie["secure"], "plain http here; Secure behind an https public URL"
    board = await client.get("/dashboard")
    assert board.status == 200
    assert "Rita Recruiter" in await board.text()


async def test_pages_need_a_session(client: Client) -> None:
    response = await client.get("/dashboard?status=ready", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/login?next=/dashboard?status%3Dready"
    events = await client.get("/dashboard/events", headers={"Accept": "text/event-stream"})
    assert events.status == 401


async def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(
    client: Client, recruiter: Recruiter
) -> None:
    wrong = await post_login(client, recruiter.email, "not the password at all")
    unknown = await post_login(client, "nobody@example.com", "not the password at all")
    assert wrong.status == unknown.status == 401
    assert (await wrong.text()) == (await unknown.text()).replace(
        "nobody@example.com", recruiter.email
    )
    assert "greenroom_session" not in wrong.cookies


async def test_an_unknown_address_takes_as_long_as_a_wrong_password(
    client: Client, recruiter: Recruiter
) -> None:
    """Both verify one argon2 hash; without the decoy an unknown address answers at once."""

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await post_login(client, email, f"wrong password {email}")
        assert response.status == 401
        return time.perf_counter() - started

    wrong, unknown = [], []
    for attempt in range(4):
        wrong.append(await timed(recruiter.email))
        unknown.append(await timed(f"nobody{attempt}@example.com"))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.6 < ratio < 1.6, f"unknown {unknown} vs wrong {wrong}"


async def test_failed_sign_ins_are_limited_per_account(
    client: Client, recruiter: Recruiter
) -> None:
    for _ in range(accounts_service.FAILURES_PER_ACCOUNT):
        assert (await post_login(client, recruiter.email, "wrong password!!")).status == 401
    refused = await post_login(client, recruiter.email, recruiter.password)
    assert refused.status == 429, "even the right password waits"
    assert 0 < int(refused.headers["Retry-After"]) <= accounts_service.FAILURE_WINDOW_SECONDS
    assert "greenroom_session" not in refused.cookies


async def test_a_login_without_its_token_or_from_another_origin_is_refused(
    client: Client, recruiter: Recruiter, database_url: str
) -> None:
    no_token = await client.post(
        "/login",
        data={"email": recruiter.email, "password": recruiter.password},
        headers=origin(client),
        allow_redirects=False,
    )
    assert no_token.status == 403
    foreign = await post_login(
        client, recruiter.email, recruiter.password, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    assert await session_rows(database_url) == 0


async def test_a_state_change_needs_the_sessions_own_token(
    client: Client, recruiter: Recruiter, seeded: Seeded
) -> None:
    # A token from another signed-in session does not do.
    other_token = await sign_in(client, recruiter)
    client.session.cookie_jar.clear()
    await sign_in(client, recruiter)
    cancel = f"/dashboard/checks/{seeded.check.id}/cancel"
    for data, headers in [
        ({}, origin(client)),
        ({"csrf_token": "x" * 32}, origin(client)),
        ({"csrf_token": other_token}, origin(client)),
        ({"csrf_token": other_token}, {"Origin": "https://evil.example"}),
    ]:
        response = await client.post(cancel, data=data, headers=headers, allow_redirects=False)
        assert response.status == 403
        assert "text/html" in response.headers["Content-Type"]
    detail = await client.get(f"/dashboard/checks/{seeded.check.id}")
    assert 'data-status="not_started"' in await detail.text(), "nothing was cancelled"


async def test_signing_out_ends_the_session_and_a_replayed_cookie_is_refused(
    client: Client, recruiter: Recruiter, database_url: str
) -> None:
    token = await sign_in(client, recruiter)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["greenroom_session"]
    response = await client.post(
        "/logout", data={"csrf_token": token}, headers=origin(client), allow_redirects=False
    )
    assert response.status == 303
    assert await session_rows(database_url) == 0
    # The old cookie, replayed:
    client.session.cookie_jar.update_cookies({"greenroom_session": cookie.value})
    page = await client.get("/dashboard", allow_redirects=False)
    assert page.status == 303
    again = await client.post(
        "/logout", data={"csrf_token": token}, headers=origin(client), allow_redirects=False
    )
    assert again.status == 401


async def test_the_hash_is_renewed_when_the_profile_changes(
    client: Client, recruiter: Recruiter, database_url: str
) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192).hash(recruiter.password)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(users.update().values(password_hash=old))
        assert (await post_login(client, recruiter.email, recruiter.password)).status == 303
        async with engine.connect() as conn:
            renewed = (await conn.execute(sa.select(users.c.password_hash))).scalar_one()
    finally:
        await engine.dispose()
    assert renewed != old
    assert not PasswordHasher().check_needs_rehash(renewed)


async def test_a_next_page_elsewhere_is_ignored(client: Client, recruiter: Recruiter) -> None:
    page = await client.get("/login?next=//evil.example/dashboard")
    token = csrf_token(await page.text())
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": recruiter.email,
            "password": recruiter.password,
            "next": "//evil.example/dashboard",
        },
        headers=origin(client),
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/dashboard"
