"""Settings, read once at start-up from the environment and ``.env``.

Operators' scripts rely on these variable names; ``.env.example`` documents every one.  A bad
value stops start-up with one line per problem that names the variable and what is expected,
and never echoes the value back (it may be a secret).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.checkins import DEFAULT_SMALL_CELL_THRESHOLD, SMALL_CELL_FLOOR
from bot.domain.crisis_resources import CrisisResourcesError, load_crisis_resources
from bot.domain.resources import DEFAULT_FILE as DEFAULT_RESOURCES_FILE
from bot.domain.resources import ResourceFileError, load_resource_file
from bot.domain.supporters import DEFAULT_INVITE_DAYS, DEFAULT_MAX_SUPPORTERS

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_SECRET_LENGTH = 32

# What each variable expects, in words; used for the one-line start-up errors.
EXPECTED: dict[str, str] = {
    "bot_token": "the token BotFather gave you, like 123456789:AAH... (leave it unset for the sandbox)",
    "telegram_api_url": "an http(s) URL without a path, like https://api.telegram.org",
    "database_path": "a file path for the SQLite database, like data/kindred.sqlite3",
    "database_url": "a PostgreSQL URL, like postgresql://kindred:secret@db.example.org:5432/kindred "
    "(leave it unset for SQLite)",
    "default_timezone": "an IANA time zone name, like Europe/Madrid or America/New_York",
    "coordinator_ids": "comma-separated numeric Telegram user ids, like 12345,67890",
    "pseudonym_secret": f"a random secret of at least {MIN_SECRET_LENGTH} characters "
    "(python -c 'import secrets; print(secrets.token_urlsafe(48))')",
    "run_mode": "polling or webhook",
    "webhook_url": "the public https URL Telegram should call, like https://bot.example.org/telegram",
    "webhook_port": "a TCP port number between 1 and 65535",
    "webhook_listen": "the address to listen on, like 0.0.0.0",
    "webhook_secret": "1-256 characters from A-Z, a-z, 0-9, _ and -",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR",
    "admin_cache_seconds": "a number of seconds between 0 and 86400",
    "group_messages_per_minute": "a whole number between 1 and 1000",
    "attendance_window_minutes": "a number of minutes between 0 and 120",
    "verify_attempts_per_hour": "a whole number between 1 and 1000",
    "crisis_escalation_minutes": "a number of minutes between 1 and 1440",
    "crisis_encoder": "true or false",
    "sandbox_port": "a TCP port number between 1 and 65535",
    "feed_port": "a TCP port number between 1 and 65535",
    "feed_listen": "the address to listen on, like 0.0.0.0",
    "feed_public_url": "the public https URL feeds are reached at, like https://bot.example.org",
    "sandbox_host": "an address to listen on, like 127.0.0.1",
    "clock_file": "a file path (tests only)",
    "crisis_resources_file": "a readable .json or .toml file of crisis lines "
    "(its shape is described in bot/domain/crisis_resources.py), or unset for the US defaults",
    "retention_days": "a whole number of days between 1 and 3650",
    "member_consent_hours": "a whole number of hours between 1 and 720",
    "small_cell_threshold": f"a whole number of people between {SMALL_CELL_FLOOR} and 1000 (below "
    f"{SMALL_CELL_FLOOR}, an average gives away what each person said; the default is "
    f"{DEFAULT_SMALL_CELL_THRESHOLD})",
    "supporter_invite_days": "a whole number of days between 1 and 90",
    "max_supporters": "a whole number between 1 and 50",
    "family_resources_file": "a TOML file of [[resource]] entries like bot/domain/data/family_resources.toml",
    "care_load_threshold": "a whole number of load points between 1 and 1000",
    "resources_file": "a TOML file of [[resource]] entries like bot/domain/data/resources.toml "
    "(category, name, and a phone or link each)",
}


class ExplainedError(ValueError):
    """A validation failure whose message is safe to show (it names a problem, not a secret)."""


class SettingsError(Exception):
    """Raised with one human line per bad variable; the message never contains a value."""


class Settings(BaseSettings):
    """Every knob Kindred has. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_path: Path = Path("data/kindred.sqlite3")
    # Set: PostgreSQL instead of the SQLite file (several bot processes may share it).
    database_url: SecretStr | None = None
    default_timezone: str = "UTC"
    coordinator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    pseudonym_secret: SecretStr | None = None
    run_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - a webhook must be reachable by Telegram
    webhook_secret: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    admin_cache_seconds: int = Field(default=300, ge=0, le=86400)
    # Telegram allows about 20 messages a minute in one group; a self-hosted Bot API server may allow more.
    group_messages_per_minute: int = Field(default=20, ge=1, le=1000)
    # A roll call opens this long before a meeting starts and closes this long after it ends.
    attendance_window_minutes: int = Field(default=15, ge=0, le=120)
    # /verify codes one person may check in any hour: each try is a guess at a code.
    verify_attempts_per_hour: int = Field(default=20, ge=1, le=1000)
    # A crisis alert no facilitator acknowledges within this many minutes goes to the coordinators.
    crisis_escalation_minutes: int = Field(default=10, ge=1, le=1440)
    # Crisis screening's multilingual sentence encoder (about 135 MB, loaded in the background at
    # start-up). Off: the n-gram model and the rules screen alone, with lower recall.
    crisis_encoder: bool = True
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    # Deployment-wide /resources entries; None means the bundled bot/domain/data/resources.toml.
    resources_file: Path | None = None
    # Webhook mode only: published Meeting Guide feeds are served at
    # {feed_public_url}/feeds/<token>.json by a small server on feed_listen:feed_port.
    feed_port: int = Field(default=8444, ge=1, le=65535)
    feed_listen: str = "0.0.0.0"  # noqa: S104 - intergroup websites must reach it (behind the proxy)
    feed_public_url: str | None = None
    # Tests only: read "now" from this file instead of the system clock (see bot/domain/clock.py).
    clock_file: Path | None = None
    crisis_resources_file: Path | None = None
    retention_days: int = Field(default=365, ge=1, le=3650)
    # Once a mentor accepts, the member has this long to accept them too (or ask for someone else).
    member_consent_hours: int = Field(default=48, ge=1, le=720)
    # Aggregates (/wellbeing) show a cell only when at least this many distinct people contributed.
    small_cell_threshold: int = Field(default=DEFAULT_SMALL_CELL_THRESHOLD, ge=SMALL_CELL_FLOOR, le=1000)
    # A supporter's invitation link works this many days, once.
    supporter_invite_days: int = Field(default=DEFAULT_INVITE_DAYS, ge=1, le=90)
    # Supporters (and open invitations) one member may have.
    max_supporters: int = Field(default=DEFAULT_MAX_SUPPORTERS, ge=1, le=50)
    # /family's resources for families; None means the bundled ones, in English and Spanish.
    family_resources_file: Path | None = None
    # /team highlights a peer worker whose load points over the last 30 days are above this.
    care_load_threshold: int = Field(default=20, ge=1, le=1000)

    @property
    def sandbox(self) -> bool:
        """No token configured: run against the built-in emulator instead of Telegram."""
        return self.bot_token is None

    @field_validator(
        "bot_token",
        "pseudonym_secret",
        "webhook_secret",
        "webhook_url",
        "database_url",
        "clock_file",
        "feed_public_url",
        "crisis_resources_file",
        "resources_file",
        "family_resources_file",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("malformed")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^postgres(ql)?://\S+$", value.get_secret_value()):
            raise ValueError("malformed")
        return value

    @property
    def database(self) -> str | Path:
        """Where the data lives: the PostgreSQL URL when DATABASE_URL is set, else the SQLite file."""
        return self.database_url.get_secret_value() if self.database_url else self.database_path

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+$", value):
            raise ValueError("malformed")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("unknown time zone") from error
        return value

    @field_validator("crisis_resources_file")
    @classmethod
    def _crisis_resources(cls, value: Path | None) -> Path | None:
        """Fail at start-up, not when someone in crisis needs the numbers."""
        if value is not None:
            try:
                load_crisis_resources(value)
            except CrisisResourcesError as error:
                raise ValueError("unreadable or malformed") from error
        return value

    @field_validator("resources_file", "family_resources_file")
    @classmethod
    def _resources_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                load_resource_file(value)
            except ResourceFileError as error:
                raise ExplainedError(str(error)) from None
        return value

    @property
    def resources_path(self) -> Path:
        return self.resources_file or DEFAULT_RESOURCES_FILE

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"\d{1,19}", part) for part in parts):
                raise ValueError("malformed")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("pseudonym_secret")
    @classmethod
    def _secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError("too short")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_PATTERN.match(value.get_secret_value()):
            raise ValueError("malformed")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https://[^/\s]+(/\S*)?$", value.strip()):
            raise ValueError("malformed")
        return value.strip() if value else value

    @field_validator("feed_public_url")
    @classmethod
    def _feed_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https://[^/\s]+(/\S*)?$", value.strip()):
            raise ValueError("malformed")
        return value.strip().rstrip("/") if value else value

    @property
    def feeds_served(self) -> bool:
        """Published feeds are served over HTTP in webhook mode only (a public server exists)."""
        return self.run_mode == "webhook" and self.bot_token is not None

    @model_validator(mode="after")
    def _required_together(self) -> Settings:
        missing = []
        if self.bot_token is not None and self.pseudonym_secret is None:
            missing.append("pseudonym_secret")
        if self.run_mode == "webhook" and self.bot_token is not None:
            missing += [name for name in ("webhook_url", "webhook_secret") if getattr(self, name) is None]
        if missing:
            raise ValueError("missing:" + ",".join(missing))
        return self


def describe_errors(error: ValidationError) -> list[str]:
    """Turn pydantic's report into one line per variable: name and what is expected, no values."""
    lines: list[str] = []
    for item in error.errors(include_input=False, include_url=False):
        names = [str(part) for part in item["loc"] if isinstance(part, str)]
        message = str(item.get("msg", ""))
        if not names and "missing:" in message:
            names = message.split("missing:", 1)[1].split(",")
            problem = "is required here"
        else:
            problem = "is missing" if item["type"] == "missing" else "is not valid"
        cause = (item.get("ctx") or {}).get("error")
        detail = f" ({cause})" if isinstance(cause, ExplainedError) else ""
        for name in names:
            expected = EXPECTED.get(name, "a valid value")
            lines.append(f"{name.upper()} {problem}: expected {expected}.{detail}")
    return lines


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings, raising :class:`SettingsError` with readable lines.

    *overrides* are raw values, of any type, for pydantic to validate like the environment's."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError("\n".join(describe_errors(error))) from None
