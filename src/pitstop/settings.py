"""All configuration, in one pydantic-settings class read from ``PITSTOP_*`` variables.

Settings are validated when the process starts; :func:`load_settings` turns a validation error
into one line per bad variable, naming it, so a typo stops the process with a message that says
what to change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///pitstop.db"


class SettingsError(Exception):
    """Raised by :func:`load_settings`; the message names each bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PITSTOP_", extra="ignore")

    database_url: str = Field(
        DEFAULT_SQLITE_URL,
        description="SQLAlchemy URL: sqlite+aiosqlite:///FILE (default) or "
        "postgresql+asyncpg://USER@HOST/DB",
    )
    host: str = Field("127.0.0.1", description="the address pitstop serve listens on "
                      "(0.0.0.0: every interface)")
    port: int = Field(8080, ge=1, le=65535, description="the port pitstop serve listens on")
    admin_token: str | None = Field(
        None, min_length=16, description="admin token to create when no admin token exists"
    )
    lease_ttl_s: int = Field(60, ge=1, le=3600, description="default lease TTL")
    max_wait_ms: int = Field(3_600_000, ge=0, description="longest an enter or a drain read "
                             "waits for safe; a longer ask is cut to it")
    auth_failures_per_minute: int = Field(
        5, ge=1, description="wrong tokens one client address may send in a minute before "
        "it is refused (429); a valid token is never refused. Per replica")
    auth_block_s: int = Field(300, ge=1, description="how long such an address is then "
                              "refused")
    log_level: str = Field("info", description="critical, error, warning, info or debug, "
                           "for uvicorn's lines and pitstop's own (never a token)")
    agent_poll_interval_s: int = Field(
        30, ge=1, le=86400, description="an agent's poll interval when its config sets none "
        "(poll_interval_s); a node unseen for 3 intervals is offline")
    agent_rate_per_s: float = Field(5.0, gt=0, description="agent requests per second and node")
    agent_burst: int = Field(20, ge=1, description="agent requests a node may make at once")
    event_retention_days: float = Field(
        7, gt=0, description="how long the live stream's event log is kept for resuming")
    notify_max_attempts: int = Field(
        15, ge=1, le=100, description="attempts at one notification before it is marked dead")
    notify_backoff_base_s: float = Field(
        5.0, gt=0, description="the wait after a notification's first failed attempt; it "
        "doubles on each further failure (with jitter)")
    notify_backoff_max_s: float = Field(
        1800.0, gt=0, description="the longest wait between two attempts at a notification "
        "(the defaults keep trying for about 3 hours)")
    notify_order_wait_s: float = Field(
        3600.0, gt=0, description="how long a notification waits, from the first failure "
        "ahead of it, behind earlier ones about the same target or window on its channel that "
        "keep failing; then those are given up (dead) and the newer ones, closer to the "
        "current state, go out")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=1 << 30, description="the largest request body accepted; "
        "a larger one is refused with 413 before it is read")
    max_node_config_bytes: int = Field(
        262_144, ge=1024, le=1 << 30, description="the largest desired config a node may "
        "have (as JSON); every poll of its agent serves it, so it is kept small")
    public_url: str | None = Field(
        None, description="the address the public reaches pitstop at (https://status.example."
        "com), for absolute links in feeds; without it, links use the address each request "
        "came to")
    page_title: str = Field(
        "Service status", min_length=1, max_length=80, description="the status page's "
        "title (its header, <title>, feeds, the Statuspage-compatible API); an admin can "
        "change it in the console")
    page_accent: str = Field(
        "#2454c5", pattern=r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$",
        description="the status page's accent colour, a CSS hex colour; an admin can "
        "change it in the console")
    page_about: str = Field(
        "", max_length=1000, description="a short text under the status page's title "
        "(plain text); an admin can change it in the console")
    smtp_host: str | None = Field(None, description="the SMTP server subscriber mails go "
                                  "out through; without it, email subscriptions are refused")
    smtp_port: int = Field(587, ge=1, le=65535, description="the SMTP server's port")
    smtp_username: str | None = Field(None, description="the SMTP login, if the server "
                                      "wants one")
    smtp_password: str | None = Field(None, description="the SMTP password")
    smtp_from: str = Field("pitstop@localhost", description="the From address of "
                           "subscriber mails")
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        "starttls", description="none, starttls (upgrade a plain connection) or tls "
        "(implicit TLS, usually port 465)")
    subscriber_webhook_private: bool = Field(
        False, description="let visitors subscribe webhooks on private, loopback and "
        "link-local addresses (and over http://); off: https:// to public addresses only")
    subscribe_per_ip_per_hour: int = Field(
        10, ge=1, description="subscribe requests one client address may make per hour")
    subscribe_per_address_per_hour: int = Field(
        3, ge=1, description="subscribe requests for one email address or URL per hour")
    window_horizon_days: int = Field(
        7, ge=1, le=366, description="how far ahead recurring windows' occurrences are generated")
    alertmanager_url: str | None = Field(
        None, description="Prometheus Alertmanager's address (http://alertmanager:9093): "
        "targets in maintenance are silenced there by the silence rules; unset: no silences")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://')[0]!r})"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        scheme, sep, rest = value.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or any(
                c in rest for c in "?# "):
            raise ValueError("must be an absolute http:// or https:// URL without a query "
                             f"or fragment, such as https://status.example.com (got {value!r})")
        return value

    @field_validator("alertmanager_url")
    @classmethod
    def _alertmanager_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        scheme, sep, rest = value.partition("://")
        if scheme not in ("http", "https") or not sep or not rest:
            raise ValueError("must be an http:// or https:// URL such as "
                             f"http://alertmanager:9093 (got {value!r})")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        levels = ("critical", "error", "warning", "info", "debug")
        if value.lower() not in levels:
            raise ValueError(f"must be one of {', '.join(levels)}")
        return value.lower()

    @model_validator(mode="after")
    def _config_fits_body(self) -> Settings:
        if self.max_node_config_bytes > self.max_body_bytes:
            raise ValueError("PITSTOP_MAX_NODE_CONFIG_BYTES must not exceed "
                             f"PITSTOP_MAX_BODY_BYTES ({self.max_body_bytes}): a config "
                             "that large could never be sent")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def serve_url(self) -> str:
        """Where ``pitstop serve`` listens (not the public address: see ``public_url``)."""
        return f"http://{self.host}:{self.port}"


def reference() -> str:
    """Every setting as a Markdown table (variable, default, what it does), from this class:
    docs/settings.md is this text, and a test keeps it so."""
    rows = ["| Variable | Default | What it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        value = str(default).lower() if isinstance(default, bool) else default
        shown = "–" if default in (None, "") else f"`{value}`"
        text = (field.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `PITSTOP_{name.upper()}` | {shown} | {text} |")
    return ("# Settings\n\nEvery setting is an environment variable, read and checked when "
            "the process starts (a bad value stops it with a line naming the variable). "
            "Generated from `pitstop.settings.Settings` by `pitstop settings`; "
            "`tests/test_settings_reference.py` keeps this file in step.\n\n"
            + "\n".join(rows) + "\n")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and ``overrides``), or raise :class:`SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            if not err["loc"]:  # a rule across variables names them in its message
                lines.append(str(err["msg"]).removeprefix("Value error, "))
                continue
            name = "PITSTOP_" + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None
