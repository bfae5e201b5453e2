"""The `greenroom` commands an operator runs, on a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from server.cli import main
from server.store.db import create_engine
from server.store.orgs import org_for_api_key


async def key_belongs_to(url: str, key: str, org_id: str) -> bool:
    engine = create_engine(url)
    try:
        org = await org_for_api_key(engine, key)
    finally:
        await engine.dispose()
    return org is not None and org.id == org_id


def test_migrate_then_create_an_organisation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["migrate", "--database", url]) == 0
    capsys.readouterr()
    assert (
        main(["org", "create", "Acme", "--origin", "https://vendor.example", "--database", url])
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"org_id", "api_key"}
    assert asyncio.run(key_belongs_to(url, printed["api_key"], printed["org_id"]))


@pytest.mark.parametrize("origin", ["vendor.example", "https://vendor.example/path", "ftp://x.y"])
def test_org_create_refuses_what_is_not_an_origin(
    tmp_path: Path, origin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["migrate", "--database", url]) == 0
    assert main(["org", "create", "Acme", "--origin", origin, "--database", url]) == 2
    assert "origin" in capsys.readouterr().err


def test_serve_refuses_a_database_that_is_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--database", f"sqlite:///{tmp_path / 'empty.db'}"]) == 1
    assert "greenroom migrate" in capsys.readouterr().err


def test_a_bad_setting_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0"]) == 2
    assert "port" in capsys.readouterr().err
