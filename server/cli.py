"""The `greenroom` command: serve, migrate, demo, org, apikey, user and bench."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence

from aiohttp import web
from pydantic import ValidationError

from server.accounts.service import AccountService
from server.app import create_app
from server.bench.commands import add_bench_parser, run_bench
from server.config import ConfigError, Settings
from server.demo import seed_demo
from server.errors import GreenroomError
from server.logs import AccessLogger, configure_logging
from server.models.base import describe
from server.models.check import Candidate
from server.models.user import NewUser, Role
from server.notify.offsets import InvalidOffsets, offset_text, parse_offsets
from server.store.db import create_engine, current_revision, migrate
from server.store.orgs import (
    InvalidOrigin,
    api_keys_of,
    create_api_key,
    create_org,
    get_org,
    new_api_key_for,
    parse_origin,
    revoke_api_key,
    set_reminder_settings,
)

HEAD_REVISION = "0011"

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///path or postgresql://… (env GREENROOM_DATABASE_URL; "
        "default sqlite:///greenroom.db)",
    )
    serving = argparse.ArgumentParser(add_help=False)
    serving.add_argument("--host", help="listen address (env GREENROOM_HOST; default 127.0.0.1)")
    serving.add_argument("--port", type=int, help="listen port (env GREENROOM_PORT; default 8080)")

    top = argparse.ArgumentParser(prog="greenroom", description="Pre-interview device check.")
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", parents=[common, serving], help="serve the check and the API")
    commands.add_parser("migrate", parents=[common], help="bring the database schema up to date")
    commands.add_parser(
        "demo", parents=[common, serving], help="migrate, seed demo data, print its URLs and serve"
    )
    org = commands.add_parser("org", help="organisations").add_subparsers(
        dest="action", required=True
    )
    create = org.add_parser("create", parents=[common], help="create an organisation and API key")
    create.add_argument("name")
    create.add_argument(
        "--origin",
        action="append",
        default=[],
        metavar="URL",
        help="an origin allowed to embed the check (repeatable)",
    )
    mail = org.add_parser(
        "reminders", parents=[common], help="the organisation's reminder lead times and reply-to"
    )
    mail.add_argument("org_id", metavar="ORG_ID")
    mail.add_argument(
        "--offsets",
        metavar="LIST",
        help="lead times such as 24h,1h,15m (5m-30d each), or 'default' for the server's",
    )
    mail.add_argument(
        "--reply-to",
        metavar="ADDRESS",
        help="where candidates' replies go (a recruiter's or team's address), or 'none'",
    )
    keys = commands.add_parser("apikey", help="an organisation's API keys").add_subparsers(
        dest="action", required=True
    )
    for action, text in (
        ("create", "make a key (printed once)"),
        ("list", "every key, when it was last used, and whether it is revoked"),
        ("revoke", "refuse the key from the next request on"),
    ):
        command = keys.add_parser(action, parents=[common], help=text)
        command.add_argument("--org", required=True, metavar="ORG_ID")
        if action == "revoke":
            command.add_argument("key_id", metavar="KEY_ID")
    user = commands.add_parser("user", help="recruiters' accounts").add_subparsers(
        dest="action", required=True
    )
    new_user = user.add_parser(
        "create", parents=[common], help="create a recruiter or admin; prints JSON with its id"
    )
    new_user.add_argument("--org", required=True, metavar="ORG_ID")
    new_user.add_argument("--email", required=True)
    new_user.add_argument("--name", required=True)
    new_user.add_argument("--role", choices=[role.value for role in Role], default="recruiter")
    new_user.add_argument(
        "--time-zone", default="UTC", help="IANA zone for the dashboard's dates (default UTC)"
    )
    new_user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    add_bench_parser(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "bench":
        return run_bench(args)
    try:
        # The demo runs on this machine or a LAN: its browsers' candidates are private.
        env = {"GREENROOM_ICE_ALLOW_PRIVATE": "1"} if args.command == "demo" else {}
        settings = Settings.load(
            {**env, **os.environ},
            database_url=args.database,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
        )
    except ConfigError as exc:
        print(f"greenroom: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("database is up to date")
        return 0
    if args.command == "org" and args.action == "reminders":
        return asyncio.run(_org_reminders(settings, args))
    if args.command == "org":
        return asyncio.run(_create_org(settings, args.name, args.origin))
    if args.command == "user":
        return asyncio.run(_create_user(settings, args))
    if args.command == "apikey":
        return asyncio.run(_api_keys(settings, args))
    if args.command == "demo":
        asyncio.run(_demo(settings))
    elif not asyncio.run(_schema_current(settings)):
        print(
            "greenroom: the database schema is not up to date; run `greenroom migrate`",
            file=sys.stderr,
        )
        return 1
    log.info("serving on http://%s:%d", settings.host, settings.port)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log_class=AccessLogger,
    )
    return 0


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _schema_current(settings: Settings) -> bool:
    engine = create_engine(settings.database_url)
    try:
        return await current_revision(engine) == HEAD_REVISION
    finally:
        await engine.dispose()


async def _create_org(settings: Settings, name: str, origins: list[str]) -> int:
    name = name.strip()
    if not name or len(name) > 200:
        print("greenroom: the name must be 1-200 characters", file=sys.stderr)
        return 2
    try:
        normalised = [parse_origin(origin) for origin in origins]
    except InvalidOrigin as exc:
        print(f"greenroom: {exc}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        org = await create_org(engine, name, normalised)
        key = await create_api_key(engine, org.id)
    finally:
        await engine.dispose()
    print(json.dumps({"org_id": org.id, "api_key": key}))
    return 0


async def _api_keys(settings: Settings, args: argparse.Namespace) -> int:
    engine = create_engine(settings.database_url)
    try:
        if await get_org(engine, args.org) is None:
            print(f"greenroom: no organisation {args.org[:40]!r}", file=sys.stderr)
            return 1
        if args.action == "create":
            key_id, key = await new_api_key_for(engine, args.org)
            print(json.dumps({"id": key_id, "api_key": key}))
        elif args.action == "list":
            listed = [
                {
                    "id": key.id,
                    "created_at": key.created_at.isoformat(),
                    "last_used_at": key.last_used_at and key.last_used_at.isoformat(),
                    "revoked_at": key.revoked_at and key.revoked_at.isoformat(),
                }
                for key in await api_keys_of(engine, args.org)
            ]
            print(json.dumps({"items": listed}))
        elif not await revoke_api_key(engine, args.org, args.key_id):
            print(f"greenroom: no key {args.key_id[:40]!r} in this organisation", file=sys.stderr)
            return 1
        else:
            print(json.dumps({"id": args.key_id, "revoked": True}))
    finally:
        await engine.dispose()
    return 0


async def _org_reminders(settings: Settings, args: argparse.Namespace) -> int:
    """Changes what is given, keeps the rest, and prints the settings as they now are."""
    engine = create_engine(settings.database_url)
    try:
        org = await get_org(engine, args.org_id)
        if org is None:
            print(f"greenroom: no organisation {args.org_id[:40]!r}", file=sys.stderr)
            return 1
        offsets, reply_to = org.reminder_offsets, org.reply_to
        try:
            if args.offsets is not None:
                offsets = _offsets_setting(args.offsets)
            if args.reply_to is not None:
                reply_to = _reply_to_setting(args.reply_to)
        except ValueError as exc:
            print(f"greenroom: {exc}", file=sys.stderr)
            return 2
        await set_reminder_settings(engine, org.id, offsets=offsets, reply_to=reply_to)
    finally:
        await engine.dispose()
    print(json.dumps({"org_id": org.id, "offsets": offsets, "reply_to": reply_to}))
    return 0


def _offsets_setting(text: str) -> str | None:
    if text == "default":
        return None
    try:
        parsed = parse_offsets(tuple(text.split(",")))
    except InvalidOffsets as exc:
        raise ValueError(str(exc)) from None
    if not parsed:
        raise ValueError("give at least one lead time, or 'default'")
    return ",".join(offset_text(offset) for offset in parsed)


def _reply_to_setting(text: str) -> str | None:
    if text == "none":
        return None
    try:
        return Candidate(name="-", email=text).email
    except ValidationError:
        raise ValueError(f"{text[:60]!r} is not an e-mail address") from None


async def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("greenroom: the passwords differ", file=sys.stderr)
            return 2
    try:
        new = NewUser.model_validate(
            {
                "email": args.email,
                "name": args.name,
                "role": args.role,
                "password": password,
                "time_zone": args.time_zone,
            },
            strict=False,
        )
    except ValidationError as exc:
        print(f"greenroom: {describe(exc.errors(include_url=False))}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        if await get_org(engine, args.org) is None:
            print(f"greenroom: no organisation {args.org[:40]!r}", file=sys.stderr)
            return 2
        user = await AccountService(engine).create_user(args.org, new)
    except GreenroomError as exc:
        print(f"greenroom: {exc.message}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(json.dumps({"id": user.id}))
    return 0


async def _demo(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        offsets = parse_offsets(settings.reminder_offsets) if settings.reminders_on else ()
        demo = await seed_demo(engine, settings.base_url, offsets)
    finally:
        await engine.dispose()
    base = settings.base_url
    reminders = (
        f"the demo check's reminder goes to {demo.check.candidate_email} now"
        if settings.reminders_on
        else "off (set GREENROOM_SMTP_URL and GREENROOM_MAIL_FROM to send them)"
    )
    print(
        "\nGreenroom demo is starting.\n"
        f"  Candidate check page: {base}/c/{demo.check.token}\n"
        f"  API key (shown once):  {demo.api_key}\n"
        f"  Recruiter dashboard:   {base}/login\n"
        f"    e-mail {demo.recruiter_email}, password (shown once): {demo.recruiter_password}\n"
        f"  Check via the API:     curl -H 'Authorization: Bearer {demo.api_key}' "
        f"{base}/api/v1/checks/{demo.check.id}\n"
        f"  Reminders:             {reminders}\n",
        flush=True,
    )
