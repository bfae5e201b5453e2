"""The `greenroom` commands an operator runs, on a real SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.accounts.service import AccountService
from server.cli import main
from server.models.user import Login
from server.store.db import create_engine
from server.store.orgs import get_org, org_for_api_key


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


def created_org(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["migrate", "--database", url]) == 0
    assert main(["org", "create", "Acme", "--database", url]) == 0
    org_id: str = json.loads(capsys.readouterr().out.splitlines()[-1])["org_id"]
    return org_id


async def signs_in(url: str, email: str, password: str) -> bool:
    engine = create_engine(url)
    try:
        signed = await AccountService(engine).login(
            Login(email=email, password=password), "127.0.0.1", datetime.now(UTC)
        )
    finally:
        await engine.dispose()
    return signed.session.user.email == email.lower()


def test_user_create_makes_an_account_that_signs_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    org_id = created_org(url, capsys)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    argv = ["user", "create", "--org", org_id, "--email", "Rita@Example.com", "--name", "Rita"]
    assert main([*argv, "--role", "admin", "--password-stdin", "--database", url]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"id"}
    assert asyncio.run(signs_in(url, "rita@example.com", "a long enough password"))

    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main([*argv, "--password-stdin", "--database", url]) == 2, "one account per address"
    assert "exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "password", "complaint"),
    [
        (["--email", "not-an-address"], "a long enough password", "email"),
        (["--email", "r@example.com"], "short", "password"),
        (["--email", "r@example.com", "--role", "owner"], "a long enough password", "role"),
        (
            ["--email", "r@example.com", "--time-zone", "Nowhere/Else"],
            "a long enough password",
            "time zone",
        ),
    ],
)
def test_user_create_refuses_bad_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    password: str,
    complaint: str,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    org_id = created_org(url, capsys)
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    argv = ["user", "create", "--org", org_id, "--name", "Rita", *flags, "--password-stdin"]
    with contextlib.suppress(SystemExit):  # argparse refuses a role outside its choices
        assert main([*argv, "--database", url]) == 2
    assert complaint in capsys.readouterr().err


def test_user_create_needs_an_existing_organisation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    created_org(url, capsys)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    argv = ["user", "create", "--org", "0" * 32, "--email", "r@example.com", "--name", "R"]
    assert main([*argv, "--password-stdin", "--database", url]) == 2
    assert "no organisation" in capsys.readouterr().err


async def reminder_settings(url: str, org_id: str) -> tuple[str | None, str | None]:
    engine = create_engine(url)
    try:
        org = await get_org(engine, org_id)
    finally:
        await engine.dispose()
    assert org is not None
    return org.reminder_offsets, org.reply_to


def test_org_reminders_sets_changes_and_resets_an_organisations_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    org_id = created_org(url, capsys)
    given = ["--offsets", "15m,48h", "--reply-to", "hr@acme.example", "--database", url]
    assert main(["org", "reminders", org_id, *given]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "org_id": org_id,
        "offsets": "2d,15m",
        "reply_to": "hr@acme.example",
    }
    assert main(["org", "reminders", org_id, "--offsets", "default", "--database", url]) == 0
    assert asyncio.run(reminder_settings(url, org_id)) == (None, "hr@acme.example")

    for bad in (["--offsets", "1m"], ["--offsets", "1h,1h"], ["--reply-to", "not an address"]):
        assert main(["org", "reminders", org_id, *bad, "--database", url]) == 2
        assert capsys.readouterr().err.startswith("greenroom: ")
    assert asyncio.run(reminder_settings(url, org_id)) == (None, "hr@acme.example")
    assert main(["org", "reminders", "0" * 32, "--reply-to", "none", "--database", url]) == 1
