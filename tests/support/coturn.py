"""A real coturn (Debian's `turnserver`) on 127.0.0.1, for tests of the TURN relay path.

Its ports lie above the kernel's ephemeral range (32768-60999), so neither the browser nor the
server can already hold one of them. Nothing outside the given folder is read or written: no
configuration file, no pid file or database under /var, no system service.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
REALM = "greenroom.test"
FIRST_PORT = 61000
RELAY_PORTS = 100
START_SECONDS = 10.0
STUN_MAGIC_COOKIE = 0x2112A442
ALLOCATION_LOGGED = re.compile(r"ALLOCATE processed, success")


class CoturnError(RuntimeError):
    """coturn is not installed, or did not come up."""


@dataclass(frozen=True)
class Coturn:
    """A running coturn: where it listens, its shared secret, and its log."""

    port: int
    relay_ports: tuple[int, int]
    secret: str = field(repr=False)
    log_path: Path
    host: str = HOST
    realm: str = REALM

    @property
    def urls(self) -> tuple[str, str]:
        """Its TURN URLs, UDP and TCP, in the form GREENROOM_TURN_URLS takes."""
        return (
            f"turn:{self.host}:{self.port}?transport=udp",
            f"turn:{self.host}:{self.port}?transport=tcp",
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def allocations(self) -> list[str]:
        """The log lines of every relay allocation coturn granted so far."""
        return [line for line in self.log().splitlines() if ALLOCATION_LOGGED.search(line)]


def turnserver_path() -> str:
    path = shutil.which("turnserver")
    if path is None:
        raise CoturnError(
            "coturn's `turnserver` is not installed: `apt-get install coturn` "
            "(`make test` installs it when run as root)"
        )
    return path


@contextmanager
def running_coturn(folder: Path) -> Iterator[Coturn]:
    """Starts coturn with a fresh random secret, waits until UDP and TCP answer, stops it after."""
    executable = turnserver_path()
    port, relay_ports = _choose_ports()
    secret = secrets.token_urlsafe(24)
    log_path = folder / "turnserver.log"
    arguments = [
        executable,
        "-n",  # no configuration file: /etc/turnserver.conf must not change the test
        f"--listening-ip={HOST}",
        f"--relay-ip={HOST}",
        f"--listening-port={port}",
        f"--min-port={relay_ports[0]}",
        f"--max-port={relay_ports[1]}",
        "--use-auth-secret",
        f"--static-auth-secret={secret}",
        f"--realm={REALM}",
        "--fingerprint",
        "--verbose",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--no-rfc5780",
        # The Greenroom server offers only 127.0.0.1; coturn refuses loopback peers unless told,
        # and then relays to 127.0.0.1 alone.
        "--allow-loopback-peers",
        "--denied-peer-ip=0.0.0.0-255.255.255.255",
        f"--allowed-peer-ip={HOST}",
        f"--log-file={log_path}",
        "--simple-log",
        "--no-stdout-log",
        f"--pidfile={folder / 'turnserver.pid'}",
        f"--db={folder / 'turndb'}",
    ]
    # stderr carries coturn's complaints before its log opens (and "socket: Protocol not
    # supported" when the kernel lacks SCTP, which is harmless).
    with (folder / "turnserver.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
    turn = Coturn(port=port, relay_ports=relay_ports, secret=secret, log_path=log_path)
    try:
        _wait_until_answering(process, turn, folder)
        yield turn
    finally:
        _stop(process)


def _choose_ports() -> tuple[int, tuple[int, int]]:
    """A listening port free for both UDP and TCP, and a relay range right after it."""
    for _ in range(50):
        port = random.randrange(FIRST_PORT, 65535 - RELAY_PORTS)
        if _is_free(port, socket.SOCK_STREAM) and _is_free(port, socket.SOCK_DGRAM):
            return port, (port + 1, port + RELAY_PORTS)
    raise CoturnError(f"no free port for coturn above {FIRST_PORT}")


def _is_free(port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _binding_request() -> tuple[bytes, bytes]:
    transaction_id = os.urandom(12)
    return struct.pack("!HHI", 0x0001, 0, STUN_MAGIC_COOKIE) + transaction_id, transaction_id


def _is_binding_success(response: bytes, transaction_id: bytes) -> bool:
    return (
        len(response) >= 20
        and struct.unpack("!HHI", response[:8])[0] == 0x0101
        and response[8:20] == transaction_id
    )


def _answers_udp(port: int) -> bool:
    request, transaction_id = _binding_request()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.sendto(request, (HOST, port))
            return _is_binding_success(sock.recv(2048), transaction_id)
        except OSError:
            return False


def _answers_tcp(port: int) -> bool:
    request, transaction_id = _binding_request()
    try:
        with socket.create_connection((HOST, port), timeout=0.2) as sock:
            sock.sendall(request)
            return _is_binding_success(sock.recv(2048), transaction_id)
    except OSError:
        return False


def _wait_until_answering(process: subprocess.Popen[bytes], turn: Coturn, folder: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not (_answers_udp(turn.port) and _answers_tcp(turn.port)):
        if process.poll() is not None or time.monotonic() > deadline:
            stderr = (folder / "turnserver.stderr").read_text(errors="replace")
            raise CoturnError(
                f"coturn did not answer STUN on {turn.host}:{turn.port} (UDP and TCP) "
                f"within {START_SECONDS:g} s (exit status {process.poll()}):\n"
                f"{stderr}\n{turn.log()[-4000:]}"
            )
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
