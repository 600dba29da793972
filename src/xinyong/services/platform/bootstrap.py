"""The one bootstrap: wires settings, database, rules, calendar and clock for every interface.

The API, the portal, the CLI and the tests all build a ``Platform`` and pass it to services; nothing
else creates engines or loads rule files.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.clock import Clock, FixedClock, SystemClock
from xinyong.settings import Settings, get_settings
from xinyong.store.db import make_engine, make_session_factory, ping
from xinyong.store.migrate import upgrade_to_head


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    # What a process keeps for the life of this platform (identity: the sign-in throttle), so the
    # platform need not know the processes built on it.
    kept: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        from xinyong.services.audit import config as ledger_config
        # The demo real-name verifier only on a developer's machine (XINYONG_ENV=local): refuse to start.
        self.settings.check_deployment()
        # The signing key for automatic checkpoints lives under the data folder, never in the database.
        ledger_config.configure_from_settings(self.engine, self.settings)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, clock: Clock | None = None) -> Platform:
        settings = settings or get_settings()
        engine = make_engine(settings.effective_database_url)
        if clock is None:   # XINYONG_CLOCK: time stands still in this process (refused in production)
            clock = FixedClock(settings.clock) if settings.clock is not None else SystemClock()
        return cls(settings=settings, engine=engine, clock=clock)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def rulebook(self):  # type: ignore[no-untyped-def]
        from xinyong.rules.loader import load_rulebook

        return load_rulebook()

    @cached_property
    def calendar(self):  # type: ignore[no-untyped-def]
        from xinyong.services.rulebook.calendars import load_calendar

        return load_calendar(*[p for p in self.settings.calendar_paths if p.is_dir()])

    @property
    def clock_fixed(self) -> bool:
        """Time stands still by ``XINYONG_CLOCK`` (training, scenario replays): every ledger entry says so."""
        return self.settings.clock is not None

    @property
    def jurisdiction(self) -> str:
        return self.settings.jurisdiction

    def migrate(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade_to_head(self.settings.effective_database_url, self.engine)

    def healthy(self) -> bool:
        return ping(self.engine)

    @contextmanager
    def unit_of_work(self, actor: Actor) -> Iterator[UnitOfWork]:
        """One transaction: the change and its ledger entries commit together or not at all."""
        session = self.sessions()
        try:
            with session.begin():
                uow = UnitOfWork(self, session, actor)
                yield uow
                uow.write_ledger()
        finally:
            session.close()


@dataclass
class UnitOfWork:
    """One transaction and the audit-ledger events it will commit with.

    Events are validated when recorded (a refused event raises at once and changes nothing) and
    appended to the chain just before the commit, so the one ledger-head lock is the last lock a
    transaction takes: two transactions that lock the same records in different orders can no longer
    deadlock on the head as well, and the head is held only for the moment of the commit.
    """

    platform: Platform
    session: Session
    actor: Actor
    _pending: list[Any] = field(default_factory=list, repr=False)

    def record(self, action: str, entity: str, entity_id: str | int | None, facts: dict | None = None) -> None:
        """Record an event for the audit ledger in this transaction (facts: no personal content); under
        ``XINYONG_CLOCK`` the facts say ``"clock": "fixed"``."""
        from xinyong.services.audit import ledger
        if self.platform.settings.clock is not None:
            facts = {**(facts or {}), "clock": "fixed"}
        self._pending.append(ledger.prepare(actor=self.actor, action=action, entity=entity,
                                            entity_id=None if entity_id is None else str(entity_id),
                                            facts=facts or {}, at=self.platform.clock.now()))

    @cached_property
    def connection(self) -> Connection:
        """The session's connection (the same one for the whole transaction; asking the session for it
        each time costs more than most statements it runs)."""
        return self.session.connection()

    def write_ledger(self) -> None:
        """Append the recorded events in order (called by ``Platform.unit_of_work`` before the commit)."""
        from xinyong.services.audit import ledger
        ledger.append_many(self.session, self.take_recorded(), self.connection, copies=False)

    def take_recorded(self) -> list[Any]:
        """The events recorded and not yet appended, handed over: whoever takes them appends them in
        this transaction (the inquiry writer appends a whole batch's with one ``append_many``)."""
        pending, self._pending = self._pending, []
        return pending
