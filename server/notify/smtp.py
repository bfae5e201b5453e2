"""Sending mail over SMTP with aiosmtplib: where to (`GREENROOM_SMTP_URL`), and what a failure
means for a retry."""

from __future__ import annotations

import ssl
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
        settings = self.settings
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                username=settings.username,
                password=settings.password,
                use_tls=settings.security == "tls",
                start_tls=settings.security == "starttls",
                tls_context=self._tls_context,
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            reasons = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise SendFailed(all(400 <= code < 500 for code in codes), reasons) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Our settings, not the candidate's address: once they are fixed, the mail can go.
            raise SendFailed(True, f"login refused: {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise SendFailed(400 <= exc.code < 500, f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendFailed(True, f"{type(exc).__name__}: {exc}") from exc
