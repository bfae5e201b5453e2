"""Settings, read once at start-up from `GREENROOM_*` environment variables and CLI flags."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from server.notify.offsets import InvalidOffsets, parse_offsets
from server.notify.smtp import InvalidSmtpUrl, SmtpSettings

ENV_PREFIX = "GREENROOM_"
VERDICT_GRACE_SECONDS = 8.0
"""How long after the measurement window a verdict waits for media that is slow to arrive."""
SPEAKERS_SECONDS = 60.0
"""How long the speakers step waits for the chime to be heard or the candidate to answer."""
WEBHOOK_TRY_SECONDS = 15.0
"""How long one try of a webhook delivery may take, connecting included."""
MIN_WEBHOOK_LEASE_SECONDS = 20.0
"""A try and the marks around it within one lease, with room to spare."""
MIN_WORKER_RSS_MB = 256
"""Below this a fresh media worker would be replaced as soon as it started."""
MIN_TURN_SECRET_LENGTH = 16
"""A leaked username/password pair allows an offline guess of the secret; keep guessing hopeless."""

_HOST = r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
_PORT = r"(?::(?P<port>[0-9]{1,5}))?"
STUN_URL = re.compile(rf"stuns?:{_HOST}{_PORT}")
"""RFC 7064: `stun:host[:port]` or `stuns:host[:port]`, no path, no query."""
TURN_URL = re.compile(rf"turns?:{_HOST}{_PORT}(?:\?transport=(?:udp|tcp))?")
"""RFC 7065: `turn:host[:port][?transport=udp|tcp]`, likewise `turns:`."""


class ConfigError(ValueError):
    """A setting has a value the service cannot start with."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    """Address the HTTP server listens on."""
    port: int = 8080
    """Port the HTTP server listens on."""
    database_url: str = "sqlite:///greenroom.db"
    """`sqlite:///path` (the default, a file in the working directory) or `postgresql://…`."""
    public_url: str = ""
    """Base URL candidates reach us at, used in candidate links; empty means http://host:port."""
    max_sessions: int = 8
    """Concurrent media sessions a media process accepts before answering 503, whatever its
    headroom."""
    admission: str = "headroom"
    """`headroom`: a media process also refuses a session (503) while it lacks measured headroom
    (event-loop lag, CPU, sessions still decoding); `cap`: only `max_sessions` counts."""
    admission_max_lag_ms: float = 50.0
    """Refuse new sessions while the media process's event loop runs this late (ms)."""
    admission_max_cpu: float = 0.8
    """Refuse new sessions while the media process's CPU over the last 3 s, with what the new
    and the just-admitted sessions will add, would pass this many cores (one process ≈ 1 core)."""
    admission_max_decoding: int = 6
    """At most this many sessions of one media process in their decoding window (before their
    verdict: the picture, then the sound, are decoded) at once."""
    admission_decoding_cpu: float = 0.08
    """What one session in its decoding window is taken to cost (cores): reserved for sessions
    admitted in the last 3 s, whose cost the CPU figure does not show yet."""
    loopback: str = "passthrough"
    """`passthrough` sends the browser's own frames back; `reencode` decodes and re-encodes them
    (the naive design, several times the CPU; kept to be measured against)."""
    media_workers: int = 0
    """Media worker processes (about one per core); 0 keeps media in the HTTP process."""
    worker_max_sessions: int = 1000
    """Sessions a media worker starts before it is replaced by a fresh one (drained: it takes no
    new sessions and stops once its live ones end); 0 never."""
    worker_max_rss_mb: int = 1024
    """A media worker's resident memory (MB) at which it is replaced likewise; 0 never."""
    session_seconds: float = 300.0
    """Hard limit on one media session's life; the peer connection is closed after it."""
    measure_seconds: float = 4.0
    """How much media (from the first frame) the verdict is judged on."""
    ice_addresses: tuple[str, ...] = field(default=())
    """Local addresses offered as ICE host candidates; empty means every interface."""
    ice_allow_private: bool = False
    """Send ICE checks to the browser's private, carrier-grade NAT and `.local` candidates too
    (server and candidates on one private network; development and tests). Loopback candidates
    are probed only when an ICE address is itself on loopback."""
    offers_per_link: int = 30
    """Offers one check link may post in ten minutes before it gets 429 + Retry-After."""
    offers_per_address: int = 60
    """Offers one client address may post in ten minutes (a shared office NAT has several
    candidates; behind a reverse proxy every client has the proxy's address)."""
    log_level: str = "INFO"
    """Python logging level name."""
    stun_urls: tuple[str, ...] = field(default=())
    """STUN servers the candidate's browser may use (`stun:host[:port]`); empty means none."""
    turn_urls: tuple[str, ...] = field(default=())
    """TURN servers for browsers that cannot reach us directly (`turn:host[:port][?transport=]`)."""
    turn_secret: str = field(default="", repr=False)
    """coturn's `static-auth-secret`; pages get credentials derived from it, never the secret."""
    turn_credential_seconds: int = 3600
    """How long a TURN credential handed to a page stays valid for starting a relay."""
    smtp_url: str = field(default="", repr=False)
    """Where reminders are sent: `smtp://host:25`, `smtp+starttls://user:pass@host:587` or
    `smtps://user:pass@host:465`; empty turns reminders off."""
    mail_from: str = ""
    """The reminders' sender, e.g. `Greenroom <reminders@example.com>`; needed with an SMTP URL."""
    reminder_offsets: tuple[str, ...] = ("24h", "1h")
    """How long before the interview reminders go out (each from 5m to 30d)."""
    scheduler_seconds: float = 30.0
    """How often due reminders are looked for."""
    webhook_allow_private: bool = False
    """Let webhooks go to http:// and private addresses: for development and tests only."""
    webhook_lease_seconds: float = 60.0
    """How long a claimed webhook delivery is one deliverer's, from when its try starts; a
    crashed server's deliveries are sent again (with the same `webhook-id`) by another, or by
    itself restarted, after this. It must outlast a try (`WEBHOOK_TRY_SECONDS`), or a slow
    receiver gets the delivery twice."""
    reminder_lease_seconds: float = 300.0
    """How long a claimed reminder is one scheduler's, from when its mail starts on its way; a
    crashed one's reminders are sent by another (or itself, restarted) after this. Keep it well
    above the time one mail can take (the SMTP timeout is 30 s per command), or a slow one goes
    twice."""

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1-65535, not {self.port}")
        if urlsplit(self.database_url).scheme.split("+")[0] not in ("sqlite", "postgresql"):
            raise ConfigError("database URL must start with sqlite:// or postgresql://")
        if self.public_url and urlsplit(self.public_url).scheme not in ("http", "https"):
            raise ConfigError("public URL must be an http(s) URL")
        if self.max_sessions < 1:
            raise ConfigError("max sessions must be at least 1")
        self._check_admission()
        if self.loopback not in ("passthrough", "reencode"):
            raise ConfigError("loopback must be passthrough or reencode")
        if not 0 <= self.media_workers <= 64:
            raise ConfigError("media workers must be from 0 to 64")
        if self.worker_max_sessions < 0:
            raise ConfigError("worker max sessions must be 0 (never) or more")
        if self.worker_max_rss_mb and self.worker_max_rss_mb < MIN_WORKER_RSS_MB:
            raise ConfigError(
                f"worker max RSS must be 0 (never) or at least {MIN_WORKER_RSS_MB} MB (an idle "
                "worker takes about 160 MB, and one replaced as it starts would never serve)"
            )
        if not math.isfinite(self.session_seconds) or not 0 < self.session_seconds <= 86400:
            raise ConfigError("session seconds must be above 0 and at most 86400")
        if not 1.0 <= self.measure_seconds <= 60.0:
            raise ConfigError("measure seconds must be from 1 to 60")
        slowest_verdict = self.measure_seconds + VERDICT_GRACE_SECONDS + SPEAKERS_SECONDS
        if slowest_verdict >= self.session_seconds:
            raise ConfigError(
                f"session seconds must exceed measure seconds + "
                f"{VERDICT_GRACE_SECONDS + SPEAKERS_SECONDS:g} (the grace for slow media and the "
                "speakers step), or a slow check is cut off before its verdict"
            )
        for address in self.ice_addresses:
            try:
                ipaddress.ip_address(address)
            except ValueError as exc:
                raise ConfigError(f"ICE address {address!r} is not an IP address") from exc
        if not 1 <= self.offers_per_link <= 100_000 or not 1 <= self.offers_per_address <= 100_000:
            raise ConfigError("offers per link and per address must be from 1 to 100000")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"unknown log level {self.log_level!r}")
        self._check_ice_servers()
        self._check_mail()
        lease = self.webhook_lease_seconds
        if not math.isfinite(lease) or not MIN_WEBHOOK_LEASE_SECONDS <= lease <= 3600:
            raise ConfigError(
                f"the webhook lease must be from {MIN_WEBHOOK_LEASE_SECONDS:g} to 3600 seconds "
                f"(longer than a try's {WEBHOOK_TRY_SECONDS:g} s)"
            )

    def _check_admission(self) -> None:
        if self.admission not in ("headroom", "cap"):
            raise ConfigError("admission must be headroom or cap")
        lag, cpu, reserve = (
            self.admission_max_lag_ms,
            self.admission_max_cpu,
            self.admission_decoding_cpu,
        )
        if not math.isfinite(lag) or not 1.0 <= lag <= 10_000.0:
            raise ConfigError("admission max lag must be from 1 to 10000 ms")
        if not math.isfinite(cpu) or not 0.05 <= cpu <= 64.0:
            raise ConfigError("admission max CPU must be from 0.05 to 64 cores")
        if self.admission_max_decoding < 1:
            raise ConfigError("admission max decoding must be at least 1")
        if not math.isfinite(reserve) or not 0.0 <= reserve < cpu:
            raise ConfigError("admission decoding CPU must be from 0 to below the max CPU")

    def _check_mail(self) -> None:
        try:
            parse_offsets(self.reminder_offsets)
        except InvalidOffsets as exc:
            raise ConfigError(str(exc)) from None
        if not math.isfinite(self.scheduler_seconds) or not 1 <= self.scheduler_seconds <= 3600:
            raise ConfigError("scheduler seconds must be from 1 to 3600")
        lease = self.reminder_lease_seconds
        if not math.isfinite(lease) or not 5 <= lease <= 3600:
            raise ConfigError("the reminder lease must be from 5 to 3600 seconds")
        if not self.smtp_url:
            return
        try:
            SmtpSettings.parse(self.smtp_url)
        except InvalidSmtpUrl as exc:
            raise ConfigError(str(exc)) from None
        _, address = parseaddr(self.mail_from)
        if not self.mail_from or "@" not in address or any(ord(c) < 32 for c in self.mail_from):
            raise ConfigError("an SMTP URL needs the sender address (GREENROOM_MAIL_FROM)")

    @property
    def reminders_on(self) -> bool:
        return bool(self.smtp_url)

    def _check_ice_servers(self) -> None:
        for number, url in enumerate(self.stun_urls, 1):
            _check_url(STUN_URL, url, f"STUN URL #{number}", "stun:host[:port]")
        for number, url in enumerate(self.turn_urls, 1):
            _check_url(TURN_URL, url, f"TURN URL #{number}", "turn:host[:port][?transport=udp|tcp]")
        if self.turn_urls and not self.turn_secret:
            raise ConfigError("TURN URLs need the TURN secret (coturn's static-auth-secret)")
        if self.turn_secret and not self.turn_urls:
            raise ConfigError("a TURN secret is set but no TURN URLs: set both or neither")
        if self.turn_secret and len(self.turn_secret) < MIN_TURN_SECRET_LENGTH:
            raise ConfigError(
                f"the TURN secret must be at least {MIN_TURN_SECRET_LENGTH} characters long"
            )
        if not 60 <= self.turn_credential_seconds <= 86400:
            raise ConfigError("TURN credential seconds must be from 60 to 86400")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def as_env(self) -> dict[str, str]:
        """These settings as `GREENROOM_*` variables, for a process of our own to `load`."""
        env = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            text = ",".join(value) if isinstance(value, tuple) else str(value)
            env[ENV_PREFIX + f.name.upper()] = text
        return env

    @classmethod
    def load(cls, env: Mapping[str, str], **overrides: Any) -> Settings:
        """Defaults, then `GREENROOM_*` variables, then explicit overrides (CLI flags)."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _check_url(shape: re.Pattern[str], url: str, what: str, expected: str) -> None:
    # Errors name the URL by position, never by value: a mistyped one may carry a pasted secret.
    match = shape.fullmatch(url)
    if match is None:
        raise ConfigError(f"{what} does not have the shape {expected}")
    if match.group("ipv6") is not None:
        try:
            ipaddress.IPv6Address(match.group("ipv6"))
        except ValueError:
            raise ConfigError(f"{what} has a malformed IPv6 address") from None
    port = match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        raise ConfigError(f"{what} has a port outside 1-65535")


def _parse(name: str, type_name: object, raw: str) -> Any:
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name == "bool":
            if raw.strip().lower() not in ("0", "1", "true", "false", ""):
                raise ValueError("must be 1 or 0")
            return raw.strip().lower() in ("1", "true")
        if type_name == "tuple[str, ...]":
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}: {exc}") from exc
    return raw
