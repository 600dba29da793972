"""All configuration in one place, read from the environment (prefix ``XINYONG_``) or a ``.env`` file.

- ``XINYONG_ENV`` (``production``): ``local`` on a developer's machine (``make run`` and the tests set
  it), ``production`` everywhere else. Unset means production, so a deployment that forgets to say
  what it is gets the safe behaviour: the demo real-name verifier refuses to start
  (:meth:`Settings.check_deployment`) and session cookies are ``Secure``.
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
- ``XINYONG_CLOCK`` (none): an instant with its offset (``2026-09-30T10:00:00+08:00``) at which the
  platform's time stands still in this process, for training and scenario replays; refused in
  production; the portal shows a banner and every ledger entry made under it carries ``"clock": "fixed"``.
- ``XINYONG_SWEEP_SECONDS`` (``300``): the server runs the sweep (overdue duties, the inquiry log's
  retention) this often in a worker thread, one sweep at a time across processes; ``0``: never.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class UnsafeDeployment(ValueError):
    """A setting this deployment may not run with: the platform refuses to start (the field is the
    environment variable to change)."""

    def __init__(self, field: str, reason: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_en} / {message_zh}")
        self.field, self.reason, self.message_zh, self.message_en = field, reason, message_zh, message_en


JURISDICTION_FILE = "jurisdiction"
"""The file in the data folder that records the regulation the folder was initialised with."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_", env_file=".env", extra="ignore")

    env: str = Field(default="production", pattern="^(local|production)$",
                     description="local (a developer's machine, the demo) or production (the default)")
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
    clock: datetime | None = Field(default=None, description="A fixed instant (with offset): time stands still")
    sweep_seconds: int = Field(default=300, ge=0, description="Seconds between the server's sweeps (0: none)")
    operator_name: str = Field(default="公共信用信息平台运行机构", max_length=100,
                               description="The operating center's name, in Chinese (every page's footer)")
    operator_name_en: str = Field(default="The platform's operating center", max_length=200,
                                  description="The operating center's name, in English")
    contact: str = Field(default="", max_length=200,
                         description="How to reach the operating center (address, telephone, hours): the footer")

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

    @field_validator("clock")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("XINYONG_CLOCK needs its offset, e.g. 2026-09-30T10:00:00+08:00")
        return value

    @model_validator(mode="after")
    def _jurisdiction_of_the_data_folder(self) -> Settings:
        """Unless ``XINYONG_JURISDICTION`` (or the caller) names one, the regulation is the one the data
        folder was initialised with (``xinyong init`` records it), so the server and every command agree
        without anyone exporting anything."""
        if "jurisdiction" not in self.model_fields_set:
            recorded = self.recorded_jurisdiction
            if recorded:
                self.jurisdiction = recorded
        return self

    @property
    def jurisdiction_file(self) -> Path:
        return self.data_dir / JURISDICTION_FILE

    @property
    def recorded_jurisdiction(self) -> str | None:
        """The rule file id the data folder was initialised with, or None (a folder never initialised)."""
        try:
            text = self.jurisdiction_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return text or None

    def record_jurisdiction(self) -> None:
        """Write the jurisdiction into the data folder the first time it is initialised (``xinyong init``)."""
        if self.recorded_jurisdiction is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.jurisdiction_file.write_text(self.jurisdiction + "\n", encoding="utf-8")

    @property
    def local(self) -> bool:
        """A developer's machine (``XINYONG_ENV=local``): the demo verifier may run, cookies need no HTTPS."""
        return self.env == "local"

    def check_deployment(self) -> None:
        """Refuse what only a developer's machine may run (``UnsafeDeployment``): the demo real-name
        verifier, which binds anyone who types ``demo``, and a fixed clock (``XINYONG_CLOCK``), outside
        ``XINYONG_ENV=local``. Every
        ``Platform`` calls this when it is built (the server, the CLI commands that use the database)."""
        if self.real_name_verifier == "demo" and not self.local:
            raise UnsafeDeployment(
                "XINYONG_REAL_NAME_VERIFIER", "demo_verifier_outside_local",
                "XINYONG_REAL_NAME_VERIFIER=demo（演示实名核验，输入 demo 即可通过）只能在本地开发使用，"
                f"而本部署的 XINYONG_ENV 为 {self.env}（未设置即为 production）：请配置真实的实名核验服务，"
                "或在开发机上设置 XINYONG_ENV=local",
                "XINYONG_REAL_NAME_VERIFIER=demo (the demo real-name verifier, which accepts anyone who "
                f"types 'demo') is for local use only, and this deployment's XINYONG_ENV is {self.env} "
                "(unset means production): configure a real verifier, or set XINYONG_ENV=local on a "
                "developer's machine")
        recorded = self.recorded_jurisdiction
        if recorded is not None and recorded != self.jurisdiction:
            where = self.jurisdiction_file
            raise UnsafeDeployment(
                "XINYONG_JURISDICTION", "jurisdiction_mismatch",
                f"数据目录 {self.data_dir} 初始化时适用的法规是 {recorded}，而本次设置的 XINYONG_JURISDICTION 为 "
                f"{self.jurisdiction}：请取消 XINYONG_JURISDICTION（将使用 {recorded}），或为 {self.jurisdiction} "
                f"使用新的数据目录（XINYONG_DATA_DIR）；确需改用另一部法规的，先备份并删除 {where}",
                f"the data folder {self.data_dir} was initialised under {recorded}, but XINYONG_JURISDICTION is "
                f"{self.jurisdiction}: unset XINYONG_JURISDICTION (then {recorded} applies), or give "
                f"{self.jurisdiction} a data folder of its own (XINYONG_DATA_DIR); to move this folder to another "
                f"regulation on purpose, back it up and remove {where}")
        if self.clock is not None and not self.local:
            raise UnsafeDeployment(
                "XINYONG_CLOCK", "fixed_clock_outside_local",
                f"XINYONG_CLOCK={self.clock.isoformat()}（固定时钟，用于培训和情景回放）只能在本地使用，"
                f"而本部署的 XINYONG_ENV 为 {self.env}（未设置即为 production）：生产环境必须使用真实时间，"
                "请删除 XINYONG_CLOCK",
                f"XINYONG_CLOCK={self.clock.isoformat()} (a fixed clock, for training and scenario replays) "
                f"is for local use only, and this deployment's XINYONG_ENV is {self.env} (unset means "
                "production): production runs on real time; remove XINYONG_CLOCK")

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
