"""Recruiters for tests: an account in an organisation, and a test client signed in as it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from server.accounts.service import AccountService
from server.models.user import NewUser, Role, User
from server.store.db import create_engine

Client = TestClient[Any, Any]
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Recruiter:
    user: User
    email: str
    password: str = PASSWORD


async def create_recruiter(
    database_url: str,
    org_id: str,
    email: str = "rita@example.com",
    *,
    role: Role = Role.RECRUITER,
    password: str = PASSWORD,
    time_zone: str = "Europe/Stockholm",
) -> Recruiter:
    engine = create_engine(database_url)
    try:
        new = NewUser(
            email=email, name="Rita Recruiter", role=role, password=password, time_zone=time_zone
        )
        user = await AccountService(engine).create_user(org_id, new)
    finally:
        await engine.dispose()
    return Recruiter(user, email, password)


def origin(client: Client) -> dict[str, str]:
    """The `Origin` a browser sends with a form posted from our own page."""
    return {"Origin": str(client.make_url("/")).rstrip("/")}


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has a form with a CSRF token"
    return found[1]


async def sign_in(client: Client, recruiter: Recruiter) -> str:
    """Signs the client in through the login form; returns the session's CSRF token."""
    page = await client.get("/login")
    token = csrf_token(await page.text())
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": recruiter.email, "password": recruiter.password},
        headers=origin(client),
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    board = await client.get("/dashboard")
    assert board.status == 200
    return csrf_token(await board.text())
