"""A real SMTP server in the test process (aiosmtpd), keeping what it is sent."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Hold:
    """The first mail to reach `at` waits there unanswered until `released` is set, or its
    sender goes away (one mail per hold): `rcpt` before the recipient is answered, so nothing
    is accepted; `data` after the message is kept in the inbox but before its 250, so the
    sender cannot know it was."""

    at: Literal["rcpt", "data"]
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    async def stop_at(self, at: str) -> None:
        if at != self.at or self.reached.is_set():
            return
        self.reached.set()
        await asyncio.to_thread(self.released.wait)


@dataclass
class Inbox:
    """What the server accepted, and how it answers the next recipients."""

    received: list[EmailMessage] = field(default_factory=list)
    sessions: list[tuple[str, int]] = field(default_factory=list)
    """For each mail received, the client's end of the connection that carried it."""
    refuse_with: str | None = None
    """An SMTP reply such as "451 4.3.0 Try again later" for every RCPT, or None to accept."""
    holds: list[Hold] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        for hold in self.holds:
            await hold.stop_at("rcpt")
        if self.refuse_with is not None:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.sessions.append(session.peer)
        for hold in self.holds:
            await hold.stop_at("data")
        return "250 Message accepted"


@dataclass(frozen=True)
class SmtpServer:
    inbox: Inbox
    port: int
    scheme: str = "smtp"
    login: tuple[str, str] | None = None

    @property
    def url(self) -> str:
        user = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"{self.scheme}://{user}127.0.0.1:{self.port}"


def _free_port() -> int:
    # The controller checks its own port once started, so it needs a real one, not 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp(
    *,
    security: str = "plain",
    tls: ssl.SSLContext | None = None,
    login: tuple[str, str] | None = None,
    idle_timeout: float | None = None,
) -> Iterator[SmtpServer]:
    """`plain`, `starttls` (required, and login only after it) or `tls` (implicit, from the
    first byte); with `idle_timeout`, a session quiet that long is ended by the server (421,
    then it hangs up)."""
    inbox = Inbox()
    port = _free_port()
    options: dict[str, Any] = {} if idle_timeout is None else {"timeout": idle_timeout}
    if security == "starttls":
        options |= {"tls_context": tls, "require_starttls": True, "auth_require_tls": True}
    elif security == "tls":
        # aiosmtpd cannot tell that the socket itself is encrypted: allow AUTH on it.
        options |= {"ssl_context": tls, "auth_require_tls": False}
    if login is not None:
        options["authenticator"] = _accepting(login)
        options["auth_required"] = True
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    scheme = {"plain": "smtp", "starttls": "smtp+starttls", "tls": "smtps"}[security]
    try:
        yield SmtpServer(inbox, port, scheme, login)
    finally:
        for hold in inbox.holds:
            hold.released.set()
        controller.stop()


def _accepting(login: tuple[str, str]) -> Any:
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        given = (auth_data.login.decode(), auth_data.password.decode())
        # Not handled: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=given == login, handled=False)

    return authenticate
