"""Recruiters' accounts: people of one organisation who see its checks on the dashboard."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from server.models.base import Body, Contract, Id, Line, Timestamp
from server.models.check import Email, Locale, TimeZone

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 200


class Role(StrEnum):
    ADMIN = "admin"
    """Everything a recruiter can do, and inviting recruiters."""
    RECRUITER = "recruiter"


def _lower(value: str) -> str:
    return value.lower()


AccountEmail = Annotated[Email, AfterValidator(_lower)]
"""An e-mail address as an account name: one account per address, however it is typed."""

Password = Annotated[
    str, StringConstraints(min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS)
]


class NewUser(Body):
    """A recruiter or admin to create (`greenroom user create`, an admin's invitation)."""

    email: AccountEmail
    name: Line
    role: Role = Role.RECRUITER
    password: Password = Field(repr=False)
    time_zone: TimeZone = "UTC"


class User(Contract):
    id: Id
    org_id: Id
    email: str
    name: str
    role: Role
    locale: Locale | None
    """The language the user chose; None follows the browser's Accept-Language."""
    time_zone: str
    """The zone the dashboard's date filters and 'today' are in."""
    created_at: Timestamp


class Login(Contract):
    """`POST /login`: what the form posts (bounded, so a huge password costs nothing to refuse)."""

    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
    password: Annotated[str, StringConstraints(max_length=MAX_PASSWORD_CHARS)] = Field(repr=False)


class UserSession(Contract):
    """A signed-in browser: the user, and the token its forms must carry."""

    user: User
    csrf_token: str
    expires_at: Timestamp


__all__ = ["Id", "Locale", "Login", "NewUser", "Role", "User", "UserSession"]
