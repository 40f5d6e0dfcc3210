"""Settings, declared once and validated on load.

Sources, first match wins: environment variables (``CS_…``), the ``[cockpit]`` table of
``.streamlit/secrets.toml`` in the working directory, then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cs_data.domain import TICKET_PRIORITIES

SECRETS_FILE = Path(".streamlit") / "secrets.toml"
DEFAULT_DATA_DIR = Path("data")

DEFAULT_SLA_FIRST_RESPONSE_MINUTES = {"urgent": 60, "high": 240, "normal": 480, "low": 1440}
DEFAULT_SLA_RESOLUTION_MINUTES = {"urgent": 480, "high": 1440, "normal": 4320, "low": 7200}


DEFAULT_COOKIE_NAME = "cs_cockpit_auth"
DEFAULT_COOKIE_EXPIRY_DAYS = 1.0
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable about CS Cockpit."""

    database_url: str
    """SQLAlchemy URL of the shared database; default a SQLite file under ``data/``."""
    time_zone: str = "UTC"
    """IANA zone in which dates and times are shown (storage and math stay in UTC)."""
    sla_first_response_minutes: MappingProxyType[str, int] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_SLA_FIRST_RESPONSE_MINUTES))
    )
    """First-response SLA target per ticket priority, in minutes."""
    sla_resolution_minutes: MappingProxyType[str, int] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_SLA_RESOLUTION_MINUTES))
    )
    """Resolution SLA target per ticket priority, in minutes."""
    auto_seed_scale: str | None = "S"
    """Demo scale seeded into an empty embedded database at app start; empty = never."""
    demo_mode: bool = False
    """Demo users with the published password may log in; default: on for the embedded
    database only. Outside demo mode the app needs a real cookie key and no demo users."""
    cookie_key: str | None = field(default=None, repr=False)
    """Secret that signs the login cookie (at least 32 bytes, random); required outside demo
    mode. In demo mode a random key is generated once into the data folder."""
    cookie_name: str = DEFAULT_COOKIE_NAME
    """Name of the login cookie in the browser."""
    cookie_expiry_days: float = DEFAULT_COOKIE_EXPIRY_DAYS
    """How long a login cookie keeps a browser signed in, in days."""
    fiscal_year_start_month: int = 1
    """Month (1..12) the fiscal year starts in; forecasts are by fiscal quarter."""

    @property
    def is_embedded(self) -> bool:
        """True when running on the default local SQLite file (no configured database)."""
        return self.database_url == default_database_url()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def default_database_url() -> str:
    return f"sqlite:///{(DEFAULT_DATA_DIR / 'cockpit.db').as_posix()}"


def _read_secrets(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle).get("cockpit", {})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def _parse_minutes(name: str, raw: Any, default: dict[str, int]) -> MappingProxyType[str, int]:
    """Accept a mapping or a ``"urgent=60,high=240"`` string; unknown priorities are errors."""
    if isinstance(raw, str):
        pairs: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in raw.split(","))):
            key, sep, value = part.partition("=")
            if not sep:
                raise ConfigError(f"{name}: expected priority=minutes, got {part!r}")
            pairs[key.strip()] = value.strip()
        raw = pairs
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: expected a table of priority = minutes")
    merged = dict(default)
    for priority, minutes in raw.items():
        if priority not in TICKET_PRIORITIES:
            raise ConfigError(
                f"{name}: unknown priority {priority!r} (use {', '.join(TICKET_PRIORITIES)})"
            )
        try:
            value = int(minutes)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}.{priority}: {minutes!r} is not a whole number") from None
        if value <= 0:
            raise ConfigError(f"{name}.{priority}: must be a positive number of minutes")
        merged[priority] = value
    return MappingProxyType(merged)


def _parse_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def _parse_expiry(raw: Any) -> float:
    try:
        days = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"cookie_expiry_days: {raw!r} is not a number of days") from None
    if not 0 < days <= 30:
        raise ConfigError("cookie_expiry_days: must be more than 0 and at most 30 days")
    return days


def _parse_month(raw: Any) -> int:
    try:
        month = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"fiscal_year_start_month: {raw!r} is not a month number") from None
    if not 1 <= month <= 12:
        raise ConfigError("fiscal_year_start_month: use a month number from 1 to 12")
    return month


def load_settings(
    environ: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE
) -> Settings:
    """Build validated settings from the environment and the secrets file."""
    env = os.environ if environ is None else environ
    secrets = _read_secrets(secrets_file)

    def pick(key: str, default: Any = None) -> Any:
        env_key = f"CS_{key.upper()}"
        if env_key in env:
            return env[env_key]
        return secrets.get(key, default)

    time_zone = str(pick("time_zone", "UTC"))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"time_zone: unknown time zone {time_zone!r}") from None

    scale = pick("auto_seed_scale", "S")
    scale = str(scale).upper() if scale not in (None, "", False) else None
    if scale is not None and scale not in ("S", "M", "L"):
        raise ConfigError(f"auto_seed_scale: {scale!r} is not one of S, M, L (or empty)")

    database_url = str(pick("database_url") or default_database_url())
    demo_default = database_url == default_database_url()
    cookie_name = str(pick("cookie_name", DEFAULT_COOKIE_NAME)).strip()
    if not cookie_name or not cookie_name.replace("_", "").replace("-", "").isalnum():
        raise ConfigError("cookie_name: use letters, digits, '-' and '_' only")

    return Settings(
        database_url=database_url,
        time_zone=time_zone,
        sla_first_response_minutes=_parse_minutes(
            "sla_first_response_minutes",
            pick("sla_first_response_minutes", {}),
            DEFAULT_SLA_FIRST_RESPONSE_MINUTES,
        ),
        sla_resolution_minutes=_parse_minutes(
            "sla_resolution_minutes",
            pick("sla_resolution_minutes", {}),
            DEFAULT_SLA_RESOLUTION_MINUTES,
        ),
        auto_seed_scale=scale,
        demo_mode=_parse_bool("demo_mode", pick("demo_mode", demo_default)),
        cookie_key=str(pick("cookie_key") or "") or None,
        cookie_name=cookie_name,
        cookie_expiry_days=_parse_expiry(pick("cookie_expiry_days", DEFAULT_COOKIE_EXPIRY_DAYS)),
        fiscal_year_start_month=_parse_month(pick("fiscal_year_start_month", 1)),
    )


@cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return load_settings()
