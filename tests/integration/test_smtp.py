"""Sending through a real SMTP server: accepted mail arrives whole; a refusal is temporary or
permanent as its reply code says, and no answer at all is temporary."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import trustme

from server.notify.smtp import InvalidSmtpUrl, Mailer, SendFailed, SmtpSettings
from tests.support.smtp import SmtpServer, running_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


def a_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Greenroom <reminders@example.com>"
    message["To"] = "Märta Kandidat <marta@example.se>"
    message["Subject"] = "Påminnelse: intervju i morgon"
    message["Message-ID"] = "<reminder-1@greenroom>"
    message.set_content("Hej Märta!")
    return message


async def test_an_accepted_mail_arrives_whole(smtp: SmtpServer) -> None:
    await Mailer(SmtpSettings.parse(smtp.url)).send(a_message())
    [received] = smtp.inbox.received
    assert received["Subject"] == "Påminnelse: intervju i morgon"
    assert received["Message-ID"] == "<reminder-1@greenroom>"
    body = received.get_body()
    assert body is not None
    assert body.get_content().strip() == "Hej Märta!"


@pytest.mark.parametrize(
    ("reply", "temporary"),
    [("451 4.3.0 Try again later", True), ("550 5.1.1 No such user here", False)],
)
async def test_a_refusal_is_temporary_or_permanent_by_its_code(
    smtp: SmtpServer, reply: str, temporary: bool
) -> None:
    smtp.inbox.refuse_with = reply
    with pytest.raises(SendFailed) as failed:
        await Mailer(SmtpSettings.parse(smtp.url)).send(a_message())
    assert failed.value.temporary is temporary
    assert reply.split()[0] in failed.value.reason
    assert smtp.inbox.received == []


def contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server certificate for 127.0.0.1 from a test authority, and a client that trusts it."""
    authority = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_side)
    client_side = ssl.create_default_context()
    authority.configure_trust(client_side)
    return server_side, client_side


# aiosmtpd cannot see that an implicit-TLS socket is encrypted, and warns about AUTH on it.
IMPLICIT_TLS_AUTH = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@IMPLICIT_TLS_AUTH
@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_encrypted_with_a_login(security: str) -> None:
    server_side, client_side = contexts()
    login = ("greenroom", "s3cret pass")
    with running_smtp(security=security, tls=server_side, login=login) as server:
        await Mailer(SmtpSettings.parse(server.url), tls_context=client_side).send(a_message())
        assert len(server.inbox.received) == 1
        untrusted = Mailer(SmtpSettings.parse(server.url))
        with pytest.raises(SendFailed):
            await untrusted.send(a_message())
        assert len(server.inbox.received) == 1


@IMPLICIT_TLS_AUTH
async def test_a_refused_login_is_ours_to_fix_and_retried() -> None:
    server_side, client_side = contexts()
    with running_smtp(security="tls", tls=server_side, login=("greenroom", "right")) as server:
        wrong = SmtpSettings.parse(server.url.replace("greenroom:right@", "greenroom:wrong@"))
        with pytest.raises(SendFailed) as failed:
            await Mailer(wrong, tls_context=client_side).send(a_message())
        # Every candidate's reminder would fail for good on a typo in our settings otherwise.
        assert failed.value.temporary
        assert failed.value.reason.startswith("login refused: 535")
        assert server.inbox.received == []


async def test_no_server_is_temporary() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(SendFailed) as failed:
        await Mailer(SmtpSettings.parse(f"smtp://127.0.0.1:{port}")).send(a_message())
    assert failed.value.temporary


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 25, "plain", None)),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example.com",
            ("mail.example.com", 587, "starttls", "u@x"),
        ),
        ("smtps://mail.example.com:2465", ("mail.example.com", 2465, "tls", None)),
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    settings = SmtpSettings.parse(url)
    assert (settings.host, settings.port, settings.security, settings.username) == expected
    assert "p:w" not in repr(settings), "the password is never printed"


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://user:secret@mail.example.com",
        "smtp+starttls://user@mail.example.com",
        "smtp://mail.example.com/path",
        "smtp://mail.example.com:99999",
    ],
)
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidSmtpUrl):
        SmtpSettings.parse(url)


def numbered(number: int) -> EmailMessage:
    message = a_message()
    message.replace_header("Message-ID", f"<reminder-{number}@greenroom>")
    return message


async def test_one_session_carries_several_mails(smtp: SmtpServer) -> None:
    async with Mailer(SmtpSettings.parse(smtp.url)).connection() as connection:
        for number in range(3):
            await connection.send(numbered(number))
    assert [m["Message-ID"] for m in smtp.inbox.received] == [
        f"<reminder-{number}@greenroom>" for number in range(3)
    ]
    assert len(set(smtp.inbox.sessions)) == 1


async def test_a_refused_mail_ends_the_session_and_the_next_gets_a_new_one(
    smtp: SmtpServer,
) -> None:
    async with Mailer(SmtpSettings.parse(smtp.url)).connection() as connection:
        await connection.send(numbered(1))
        smtp.inbox.refuse_with = "550 5.1.1 No such user here"
        with pytest.raises(SendFailed) as failed:
            await connection.send(numbered(2))
        assert not failed.value.temporary
        smtp.inbox.refuse_with = None
        await connection.send(numbered(3))
    assert [m["Message-ID"] for m in smtp.inbox.received] == [
        "<reminder-1@greenroom>",
        "<reminder-3@greenroom>",
    ]
    assert len(set(smtp.inbox.sessions)) == 2


async def test_a_session_the_server_ended_is_replaced_and_the_mail_still_goes() -> None:
    with running_smtp(idle_timeout=0.2) as server:
        async with Mailer(SmtpSettings.parse(server.url)).connection() as connection:
            await connection.send(numbered(1))
            await asyncio.sleep(0.5)  # the server says 421 and hangs up meanwhile
            await connection.send(numbered(2))
        assert len(server.inbox.received) == 2
        assert len(set(server.inbox.sessions)) == 2
