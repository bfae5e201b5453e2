"""An SMTP server in the benchmark's own process (aiosmtpd) that accepts every mail and keeps
only what the figures need: who sent it, its `Message-ID`, its recipients and when it arrived.

Each sender gets a listener (a port) of its own, so a mail is known by the instance that sent
it while the mails themselves stay exactly as the scheduler makes them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from server.bench.server import free_port

HEADERS = BytesHeaderParser(policy=compat32)
"""The header block only: the body is never parsed (the sink must not be the bottleneck)."""


@dataclass(frozen=True)
class Received:
    sender: int
    """The listener's number: the instance that sent it."""
    message_id: str
    recipients: tuple[str, ...]
    at: float
    """time.monotonic() when the DATA was accepted."""


@dataclass
class MailSink:
    """Every mail accepted, from every listener's thread."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _received: list[Received] = field(default_factory=list)
    _recipients: set[str] = field(default_factory=set)

    def add(self, mail: Received) -> None:
        with self._lock:
            self._received.append(mail)
            self._recipients.update(mail.recipients)

    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def distinct_recipients(self) -> int:
        with self._lock:
            return len(self._recipients)


@dataclass(frozen=True)
class _Listener:
    sink: MailSink
    sender: int

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = HEADERS.parsebytes(envelope.content, headersonly=True)
        self.sink.add(
            Received(
                sender=self.sender,
                message_id=str(headers.get("Message-ID", "")),
                recipients=tuple(envelope.rcpt_tos),
                at=time.monotonic(),
            )
        )
        return "250 Message accepted"


@contextlib.contextmanager
def running_sink(senders: int) -> Iterator[tuple[MailSink, list[str]]]:
    """The sink and one `smtp://` URL per sender, listening on 127.0.0.1 until the block ends."""
    from aiosmtpd.controller import Controller

    sink = MailSink()
    with contextlib.ExitStack() as stack:
        urls = []
        for number in range(1, senders + 1):
            # The controller connects to its own port once started, so it needs a real one.
            port = free_port()
            controller = Controller(_Listener(sink, number), hostname="127.0.0.1", port=port)
            controller.start()
            stack.callback(controller.stop)
            urls.append(f"smtp://127.0.0.1:{port}")
        yield sink, urls
