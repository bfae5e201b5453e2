"""A Greenroom server started the way users start it: `greenroom migrate`, `greenroom org create`,
then `greenroom serve` on a free port, its log in a file. The benchmark and the browser tests
both run against one of these."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GREENROOM = str(Path(sys.executable).parent / "greenroom")
START_SECONDS = 30.0
ORGANISATION = "Greenroom Test"
"""The name of the organisation `running_server` creates."""


@dataclass(frozen=True)
class Server:
    base_url: str
    api_key: str
    """The API key of the organisation `running_server` created (its origin is `base_url`)."""
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One call to the REST API as the organisation, the JSON answer back (or HTTPError)."""
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server(workdir: Path, settings: Mapping[str, str] | None = None) -> Iterator[Server]:
    """`greenroom serve` on a free port of 127.0.0.1 with a SQLite database in `workdir` (unless
    `settings` name another), media kept on loopback, no limit on offers from one address (every
    candidate comes from this machine), and `settings` (GREENROOM_* variables) on top; stopped
    on the way out."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "GREENROOM_DATABASE_URL": f"sqlite:///{workdir / 'greenroom.db'}",
        "GREENROOM_PORT": str(port),
        "GREENROOM_ICE_ADDRESSES": "127.0.0.1",
        # Every candidate here is on this machine: loopback, or a private test address.
        "GREENROOM_ICE_ALLOW_PRIVATE": "1",
        "GREENROOM_OFFERS_PER_ADDRESS": "100000",
        **(settings or {}),
    }
    # The database it serves, also when `settings` name another than the SQLite file.
    database_url = env["GREENROOM_DATABASE_URL"]
    subprocess.run([GREENROOM, "migrate"], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [GREENROOM, "org", "create", ORGANISATION, "--origin", base_url],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    api_key = json.loads(created.stdout)["api_key"]
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [GREENROOM, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(
        base_url=base_url,
        api_key=api_key,
        database_url=database_url,
        log_path=log_path,
        process=process,
    )
    try:
        wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=1):
                return
        except OSError:
            if server.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + server.log()) from None
            time.sleep(0.1)
