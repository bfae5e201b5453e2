"""Sending mail over SMTP with aiosmtplib: where to (`GREENROOM_SMTP_URL`), and what a failure
means for a retry."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

Security = Literal["plain", "starttls", "tls"]
SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
TIMEOUT_SECONDS = 30.0


class InvalidSmtpUrl(ValueError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpSettings:
        """`smtp://host[:25]`, `smtp+starttls://user:pass@host[:587]`, `smtps://host[:465]`."""
        try:
            parts = urlsplit(url)
            port = parts.port
            host = parts.hostname
        except ValueError as exc:
            raise InvalidSmtpUrl(f"the SMTP URL cannot be read: {exc}") from None
        if parts.scheme not in SCHEMES:
            raise InvalidSmtpUrl(
                "the SMTP URL must start with smtp://, smtp+starttls:// or smtps://"
            )
        if not host or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise InvalidSmtpUrl("the SMTP URL is scheme://[user:password@]host[:port] only")
        security, default_port = SCHEMES[parts.scheme]
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if (username is None) != (password is None):
            raise InvalidSmtpUrl("the SMTP URL needs both a user name and a password, or neither")
        if username is not None and security == "plain":
            raise InvalidSmtpUrl("a password is never sent unencrypted: use smtp+starttls or smtps")
        return cls(host, port or default_port, security, username, password)


class SendFailed(Exception):
    """The server did not take the mail. Temporary (4xx, no answer, or our login refused): try
    again later; permanent (5xx, e.g. a bad address): the error is kept and the mail is not
    retried."""

    def __init__(self, temporary: bool, reason: str) -> None:
        super().__init__(reason)
        self.temporary = temporary
        self.reason = reason


class Mailer:
    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        self.settings = settings
        self._tls_context = tls_context

    async def send(self, message: EmailMessage) -> None:
        """One mail over a session of its own."""
        async with self.connection() as connection:
            await connection.send(message)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A session for several mails in turn, closed when the block ends."""
        connection = Connection(self)
        try:
            yield connection
        finally:
            await connection.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            tls_context=self._tls_context,
            timeout=TIMEOUT_SECONDS,
        )
        try:
            await client.connect()
        except FAILURES as exc:
            client.close()
            raise _failure(exc) from exc
        except BaseException:
            client.close()
            raise
        return client


class Connection:
    """One SMTP session (connection, TLS, login) that carries mails one after another: opened
    by the first mail, closed by a failure, and opened again by the next mail."""

    def __init__(self, mailer: Mailer) -> None:
        self._mailer = mailer
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, message: EmailMessage) -> None:
        if self._client is not None:
            try:
                await self._over(self._client, message)
                return
            except SendFailed as failed:
                # A server may end a session it has kept long enough (it hangs up, or answers
                # 421): the mail goes again on a new one. Had it been taken before the
                # hang-up, this is the retry any lost answer gets, with the same Message-ID.
                if not _hung_up(failed.__cause__):
                    raise
        self._client = await self._mailer._connect()
        await self._over(self._client, message)

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass  # the mails are sent or failed already; only the goodbye is lost
        finally:
            client.close()

    async def _over(self, client: aiosmtplib.SMTP, message: EmailMessage) -> None:
        try:
            await client.send_message(message)
        except FAILURES as exc:
            self._drop()
            raise _failure(exc) from exc
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        # After a failure the session's state is unknown: it is never reused.
        client, self._client = self._client, None
        if client is not None:
            client.close()


FAILURES = (aiosmtplib.SMTPException, OSError, TimeoutError)
"""What a mail server or the network can do to a mail: each is a SendFailed."""


def _failure(exc: BaseException) -> SendFailed:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return SendFailed(all(400 <= code < 500 for code in codes), reasons)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # Our settings, not the candidate's address: once they are fixed, the mail can go.
        return SendFailed(True, f"login refused: {exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SendFailed(400 <= exc.code < 500, f"{exc.code} {exc.message}")
    return SendFailed(True, f"{type(exc).__name__}: {exc}")


def _hung_up(exc: BaseException | None) -> bool:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code == 421
    return isinstance(exc, aiosmtplib.SMTPServerDisconnected)
