from __future__ import annotations

import pytest

from cs_data.config import (
    DEFAULT_SLA_FIRST_RESPONSE_MINUTES,
    DEFAULT_SLA_RESOLUTION_MINUTES,
    ConfigError,
    default_database_url,
    load_settings,
)


def write_secrets(tmp_path, text):
    path = tmp_path / "secrets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_the_kpi_definitions(tmp_path):
    settings = load_settings({}, tmp_path / "missing.toml")

    assert settings.database_url == default_database_url()
    assert settings.is_embedded
    assert settings.time_zone == "UTC"
    assert dict(settings.sla_first_response_minutes) == {
        "urgent": 60,
        "high": 240,
        "normal": 480,
        "low": 1440,
    }
    assert dict(settings.sla_resolution_minutes) == {
        "urgent": 480,
        "high": 1440,
        "normal": 4320,
        "low": 7200,
    }
    assert settings.auto_seed_scale == "S"


def test_secrets_file_is_read_and_environment_wins(tmp_path):
    secrets = write_secrets(
        tmp_path,
        """
[cockpit]
database_url = "postgresql://cockpit@db/cockpit"
time_zone = "Asia/Seoul"
auto_seed_scale = ""

[cockpit.sla_first_response_minutes]
urgent = 30
""",
    )

    from_file = load_settings({}, secrets)
    from_env = load_settings({"CS_DATABASE_URL": "sqlite:///other.db"}, secrets)

    assert from_file.database_url == "postgresql://cockpit@db/cockpit"
    assert not from_file.is_embedded
    assert from_file.time_zone == "Asia/Seoul"
    assert from_file.auto_seed_scale is None
    assert from_file.sla_first_response_minutes["urgent"] == 30
    assert (
        from_file.sla_first_response_minutes["high"] == DEFAULT_SLA_FIRST_RESPONSE_MINUTES["high"]
    )
    assert dict(from_file.sla_resolution_minutes) == DEFAULT_SLA_RESOLUTION_MINUTES
    assert from_env.database_url == "sqlite:///other.db"


def test_sla_targets_from_environment_string(tmp_path):
    settings = load_settings(
        {"CS_SLA_RESOLUTION_MINUTES": "urgent=240, low=10080"}, tmp_path / "none.toml"
    )

    assert settings.sla_resolution_minutes["urgent"] == 240
    assert settings.sla_resolution_minutes["low"] == 10080
    assert settings.sla_resolution_minutes["normal"] == 4320


def test_fiscal_year_start_month_defaults_to_january(tmp_path):
    assert load_settings({}, tmp_path / "none.toml").fiscal_year_start_month == 1
    settings = load_settings({"CS_FISCAL_YEAR_START_MONTH": "4"}, tmp_path / "none.toml")
    assert settings.fiscal_year_start_month == 4


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"CS_TIME_ZONE": "Mars/Olympus"}, "time_zone: unknown time zone 'Mars/Olympus'"),
        ({"CS_SLA_FIRST_RESPONSE_MINUTES": "critical=5"}, "unknown priority 'critical'"),
        ({"CS_SLA_FIRST_RESPONSE_MINUTES": "high=soon"}, "high: 'soon' is not a whole number"),
        ({"CS_SLA_FIRST_RESPONSE_MINUTES": "high=0"}, "must be a positive number"),
        ({"CS_SLA_FIRST_RESPONSE_MINUTES": "high"}, "expected priority=minutes"),
        ({"CS_AUTO_SEED_SCALE": "XL"}, "auto_seed_scale: 'XL' is not one of S, M, L"),
        ({"CS_FISCAL_YEAR_START_MONTH": "13"}, "fiscal_year_start_month: use a month number"),
        ({"CS_FISCAL_YEAR_START_MONTH": "feb"}, "fiscal_year_start_month: 'feb' is not a month"),
    ],
)
def test_bad_settings_are_named(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(environ, tmp_path / "none.toml")


def test_malformed_secrets_file_is_reported(tmp_path):
    secrets = write_secrets(tmp_path, "[cockpit\n")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({}, secrets)
