"""The check page is framable by its own organisation's origins only, and keeps the camera,
microphone and autoplay its embedder delegates."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from server.cli import main
from server.keys import engine_key
from server.store.checks import create_check
from server.store.db import create_engine
from server.store.orgs import create_org, org_for_api_key
from server.store.schema import organisations
from tests.conftest import Seeded, new_check

Client = TestClient[Any, Any]


def frame_ancestors(csp: str) -> str:
    directives = [d.strip() for d in csp.split(";")]
    found = [d for d in directives if d.startswith("frame-ancestors ")]
    assert len(found) == 1, csp
    return found[0].removeprefix("frame-ancestors ")


async def page_for(client: Client, origins: list[str]) -> Any:
    engine = client.app[engine_key]
    org = await create_org(engine, "Org", origins)
    check = await create_check(engine, org.id, new_check())
    response = await client.get(f"/c/{check.token}")
    assert response.status == 200
    return response


async def test_each_organisation_gets_its_own_frame_ancestors(client: Client) -> None:
    first = await page_for(client, ["https://vendor-a.example", "https://app.vendor-a.example"])
    second = await page_for(client, ["http://localhost:8080"])
    nobody = await page_for(client, [])
    assert frame_ancestors(first.headers["Content-Security-Policy"]) == (
        "https://vendor-a.example https://app.vendor-a.example"
    )
    assert frame_ancestors(second.headers["Content-Security-Policy"]) == "http://localhost:8080"
    assert frame_ancestors(nobody.headers["Content-Security-Policy"]) == "'none'"
    for response in (first, second, nobody):
        assert "*" not in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"


async def test_the_page_keeps_what_its_embedder_delegates(client: Client, seeded: Seeded) -> None:
    response = await client.get(f"/c/{seeded.check.token}")
    # `(self)` is the framed page's own origin: Chromium 156 grants getUserMedia in a
    # cross-origin iframe with allow="camera; microphone; autoplay" under this header, and
    # refuses it without the attribute or under `camera=()` (docs/protocol.md).
    assert response.headers["Permissions-Policy"] == (
        "camera=(self), microphone=(self), autoplay=(self)"
    )
    assert "X-Frame-Options" not in response.headers


async def test_an_unknown_link_is_framable_by_nobody(client: Client) -> None:
    response = await client.get("/c/" + "A" * 32)
    assert response.status == 404
    assert frame_ancestors(response.headers["Content-Security-Policy"]) == "'none'"


async def test_details_and_api_are_never_framable(client: Client, seeded: Seeded) -> None:
    for path in (f"/c/{seeded.check.token}/info", f"/api/v1/checks/{seeded.check.id}"):
        response = await client.get(path)
        assert frame_ancestors(response.headers["Content-Security-Policy"]) == "'none'"


async def test_a_stored_non_origin_never_reaches_the_header(client: Client) -> None:
    engine = client.app[engine_key]
    org = await create_org(engine, "Old", ["https://ok.example"])
    check = await create_check(engine, org.id, new_check())
    # As if written before origins were validated at creation.
    async with engine.begin() as conn:
        await conn.execute(
            organisations.update()
            .where(organisations.c.id == org.id)
            .values(
                allowed_origins=[
                    "https://ok.example",
                    "https://x.example; script-src 'unsafe-inline'",
                    "*",
                    "https://y.example\r\nSet-Cookie: a=b",
                ]
            )
        )
    response = await client.get(f"/c/{check.token}")
    assert frame_ancestors(response.headers["Content-Security-Policy"]) == "https://ok.example"
    assert "Set-Cookie" not in response.headers
    info = await (await client.get(f"/c/{check.token}/info")).json()
    assert info["embed_origins"] == ["https://ok.example"]


def test_org_create_stores_origins_as_browsers_write_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["migrate", "--database", url]) == 0
    capsys.readouterr()
    argv = ["org", "create", "Acme", "--database", url]
    for origin in (
        "https://Vendor.Example:443/",
        "http://localhost:8080",
        "https://vendor.example",
    ):
        argv += ["--origin", origin]
    assert main(argv) == 0
    key = json.loads(capsys.readouterr().out)["api_key"]

    async def stored() -> tuple[str, ...]:
        engine = create_engine(url)
        try:
            org = await org_for_api_key(engine, key)
        finally:
            await engine.dispose()
        assert org is not None
        return org.allowed_origins

    assert asyncio.run(stored()) == ("https://vendor.example", "http://localhost:8080")


@pytest.mark.parametrize(
    "origin",
    [
        "https://vendor.example; script-src *",
        "https://vendor.example 'unsafe-inline'",
        "https://vendor.example\r\nX-Injected: 1",
        "https://vendor.example,https://evil.example",
        "*",
        "https://*.vendor.example",
        "https://vendor.example?x",
    ],
)
def test_org_create_refuses_header_injection(
    tmp_path: Path, origin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["migrate", "--database", url]) == 0
    argv = ["org", "create", "Evil", "--origin", "https://ok.example", "--origin", origin]
    assert main([*argv, "--database", url]) == 2
    assert "not an origin" in capsys.readouterr().err

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                query = sa.select(sa.func.count()).select_from(organisations)
                return int((await conn.execute(query)).scalar_one())
        finally:
            await engine.dispose()

    assert asyncio.run(count()) == 0


async def test_an_expired_link_can_still_explain_itself_where_it_is_embedded(
    client: Client,
) -> None:
    engine = client.app[engine_key]
    org = await create_org(engine, "Org", ["https://vendor-a.example"])
    long_ago = datetime.now(UTC) - timedelta(days=30)
    check = await create_check(engine, org.id, new_check(starts_at=long_ago))
    response = await client.get(f"/c/{check.token}")
    assert response.status == 404, "the link has expired"
    csp = response.headers["Content-Security-Policy"]
    assert frame_ancestors(csp) == "https://vendor-a.example"
    unknown = await client.get("/c/" + "A" * 32)
    assert frame_ancestors(unknown.headers["Content-Security-Policy"]) == "'none'"
