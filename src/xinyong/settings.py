"""All configuration in one place, read from the environment (prefix ``XINYONG_``) or a ``.env`` file.

- ``XINYONG_DATA_DIR`` (``./data``): the SQLite file, the ledger signing key, operator calendars.
- ``XINYONG_DATABASE_URL`` (``sqlite:///<data dir>/xinyong.db``): SQLAlchemy URL; PostgreSQL as
  ``postgresql+psycopg://user@host/db``.
- ``XINYONG_JURISDICTION`` (``national``): the rule file in force (``xinyong rules list``).
- ``XINYONG_CALENDAR_DIRS`` (``<data dir>/calendar``): operator working-day calendars, ``:``-separated.
- ``XINYONG_LOG_FORMAT`` (``console``): ``json`` for log shippers; ``XINYONG_LOG_LEVEL`` (``INFO``).
- ``XINYONG_REAL_NAME_VERIFIER`` (``demo``): the real-name verifier plug-in (``demo``: local use only).
- ``XINYONG_LEDGER_CHECKPOINT_EVERY`` (``1000``): sign a ledger checkpoint every N entries (``0``: only
  on demand with ``xinyong audit checkpoint``); the Ed25519 key lives under the data folder.
- ``XINYONG_LEDGER_CHECKPOINT_SECONDS`` (``300``): while entries arrive, sign a checkpoint at least this
  often (checked at each append; the server also signs a quiet tail); ``0``: no time bound.
- ``XINYONG_LEDGER_WITNESSES`` (none): where else every checkpoint is kept, besides the database and
  ``<data dir>/keys/ledger-anchors.jsonl``: folder paths and http(s) base URLs of other Xinyong
  instances, separated by commas (or a JSON list).
- ``XINYONG_LEDGER_WITNESS_FOR`` (none): the ledger public keys (hex, as ``/api/v1/audit/checkpoints``
  shows them, or PEM file paths) whose checkpoints this instance keeps as a witness.
- ``XINYONG_HOST`` / ``XINYONG_PORT`` (``127.0.0.1`` / ``8000``): where ``xinyong serve`` listens.
- ``XINYONG_GC_THRESHOLD`` (``10000``): the web server's garbage collector runs after this many new
  objects (Python's default, 700, cost about 5% of an inquiry's time); ``0`` keeps Python's default.
- ``XINYONG_SIGNIN_FAILURES_PER_ACCOUNT`` / ``XINYONG_SIGNIN_FAILURES_PER_ADDRESS`` (``5`` / ``20``) in
  ``XINYONG_SIGNIN_WINDOW_MINUTES`` (``15``): failed sign-ins allowed per account and per client address
  in any such moving window; further attempts are refused (429) before any password is checked.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Local data folder")
    database_url: str | None = Field(default=None, description="SQLAlchemy database URL")
    jurisdiction: str = Field(default="national", description="Rule file id in force")
    calendar_dirs: str | None = Field(default=None, description="Extra calendar folders, ':'-separated")
    log_format: str = Field(default="console", pattern="^(console|json)$")
    log_level: str = Field(default="INFO")
    real_name_verifier: str = Field(default="demo", description="Real-name verifier plug-in")
    ledger_checkpoint_every: int = Field(default=1000, ge=0, description="Automatic ledger checkpoint interval")
    ledger_checkpoint_seconds: int = Field(default=300, ge=0, description="Longest unsigned ledger tail, seconds")
    ledger_witnesses: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Folders and http(s) URLs that keep every ledger checkpoint")
    ledger_witness_for: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Public keys whose ledger checkpoints this instance witnesses")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    gc_threshold: int = Field(default=10_000, ge=0, description="Web server: new objects between GC runs")
    signin_failures_per_account: int = Field(default=5, ge=1, le=1000,
                                             description="Failed sign-ins per account in the window")
    signin_failures_per_address: int = Field(default=20, ge=1, le=100_000,
                                             description="Failed sign-ins per client address in the window")
    signin_window_minutes: int = Field(default=15, ge=1, le=24 * 60, description="Sign-in throttle window")

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("ledger_witnesses", "ledger_witness_for", mode="before")
    @classmethod
    def _list(cls, value: Any) -> Any:
        """A JSON list, or values separated by commas (or new lines)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'xinyong.db'}"

    @property
    def calendar_paths(self) -> list[Path]:
        if self.calendar_dirs:
            return [Path(p).expanduser() for p in self.calendar_dirs.split(":") if p]
        return [self.data_dir / "calendar"]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI's ``--database-url`` option use this)."""
    get_settings.cache_clear()
