"""Safe defaults for the login: the cookie key, and what must be fixed before a shared start.

In demo mode (by default: the embedded database with its demo data) a random cookie key is
generated once and kept in a file readable only by its owner. Outside demo mode the app
refuses to start until a real key is configured and no demo user can log in;
``startup_problems`` lists what to fix, and the app only renders the list.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from cs_data import config, users

MIN_COOKIE_KEY_BYTES = 32
EXAMPLE_COOKIE_KEY = "CHANGE-ME-to-a-long-random-secret"
"""The placeholder in ``.streamlit/secrets.toml.example``: never accepted as a key."""
GENERATE_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
DEMO_KEY_FILE = "cookie_key"
"""File under the data folder holding the generated demo-mode key."""


@dataclass(frozen=True)
class StartupProblem:
    """One thing to configure before the app may start; ``code`` selects the message."""

    code: str
    params: dict[str, str] = field(default_factory=dict)


def demo_key_path() -> Path:
    return config.DEFAULT_DATA_DIR / DEMO_KEY_FILE


def _demo_key() -> str:
    """The generated demo-mode key: created once (mode 0600), then read back."""
    path = demo_key_path()
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if len(key.encode("utf-8")) >= MIN_COOKIE_KEY_BYTES:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    os.chmod(path, 0o600)
    return key


def _key_problem(key: str | None) -> StartupProblem | None:
    params = {"setting": "cookie_key", "env": "CS_COOKIE_KEY", "command": GENERATE_KEY_COMMAND}
    if not key:
        return StartupProblem("cookie_key_missing", params)
    if key.strip() == EXAMPLE_COOKIE_KEY:
        return StartupProblem("cookie_key_example", params)
    if len(key.encode("utf-8")) < MIN_COOKIE_KEY_BYTES:
        return StartupProblem("cookie_key_short", params | {"min_bytes": str(MIN_COOKIE_KEY_BYTES)})
    return None


def cookie_key(settings: config.Settings) -> str:
    """The key that signs login cookies: the configured one, else (demo mode only) the
    generated one. Call ``startup_problems`` first: outside demo mode a bad key is refused."""
    configured = settings.cookie_key
    if configured and (not settings.demo_mode or _key_problem(configured) is None):
        return configured
    if settings.demo_mode:
        return _demo_key()
    raise config.ConfigError("cookie_key: not configured (set CS_COOKIE_KEY)")


def startup_problems(settings: config.Settings, engine: Engine) -> list[StartupProblem]:
    """What stops a start outside demo mode (empty list: fine, and always so in demo mode)."""
    if settings.demo_mode:
        return []
    problems = []
    if (problem := _key_problem(settings.cookie_key)) is not None:
        problems.append(problem)
    demo_users = users.demo_users_that_can_log_in(engine)
    if demo_users:
        problems.append(
            StartupProblem(
                "demo_users",
                {"users": ", ".join(demo_users), "env": "CS_DEMO_MODE"},
            )
        )
    return problems
