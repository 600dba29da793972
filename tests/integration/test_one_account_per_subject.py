"""One account per credit subject in the database (migration 0010), the race that loses to it, and the
operator's way out of a genuine dispute (``xinyong users unbind``, in the audit ledger with the reason).
Also: ``xinyong users token --expires`` refuses a token that would be issued already expired."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from access_seed import citizen_id
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.identity import accounts as auth
from xinyong.services.subjects import registry as subjects
from xinyong.settings import reset_settings
from xinyong.store.models.auth import ApiToken, User
from xinyong.store.models.ledger import LedgerEntry

ADMIN = Actor.system("binding-test")
PERSON = (citizen_id(801, "19820505"), "冯八一")
runner = CliRunner()


@pytest.fixture
def env(monkeypatch, settings):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XINYONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", settings.jurisdiction)
    monkeypatch.setenv("XINYONG_CALENDAR_DIRS", settings.calendar_dirs or "")
    reset_settings()
    yield
    reset_settings()


def cli(*args: str):  # type: ignore[no-untyped-def]
    from xinyong.cli import app

    return runner.invoke(app, list(args))


def person(platform) -> int:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(ADMIN) as uow:
        return subjects.register(uow, identifier=PERSON[0], display_name=PERSON[1], kind="natural_person").id


def verify(platform, username: str) -> int:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(ADMIN) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        return auth.verify_real_name(uow, user, identifier=PERSON[0], display_name=PERSON[1], evidence="demo",
                                     verifier=auth.DemoVerifier()).id


def users(platform, *names: str) -> None:  # type: ignore[no-untyped-def]
    with platform.unit_of_work(ADMIN) as uow:
        for name in names:
            auth.create_user(uow, username=name, role=Role.public, password="a long password")


def entries(platform, action: str) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return list(session.scalars(select(LedgerEntry).where(LedgerEntry.action == action)
                                    .order_by(LedgerEntry.seq)))


def test_the_database_refuses_a_second_account_on_one_subject(platform) -> None:  # type: ignore[no-untyped-def]
    subject_id = person(platform)
    with platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="a", role=Role.subject, subject_id=subject_id)
        auth.create_user(uow, username="free-1", role=Role.public)      # unbound accounts: as many as wanted
        auth.create_user(uow, username="free-2", role=Role.public)
    with pytest.raises(IntegrityError), platform.unit_of_work(ADMIN) as uow:
        auth.create_user(uow, username="b", role=Role.subject, subject_id=subject_id)
    with pytest.raises(IntegrityError), platform.sessions.begin() as session:
        session.scalar(select(User).where(User.username == "free-1")).subject_id = subject_id
        session.flush()
    with platform.sessions() as session:
        assert session.scalars(select(User.username).where(User.subject_id == subject_id)).all() == ["a"]


def test_a_binding_that_loses_the_race_to_the_index_is_the_same_refusal(platform, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Two accounts verifying as one person at once: both pass the check before either commits (as on
    PostgreSQL under read committed); the index refuses the second, answered like the check's refusal."""
    subject_id = person(platform)
    users(platform, "early", "late")
    verify(platform, "early")
    monkeypatch.setattr(auth, "_bound_elsewhere", lambda *_args: None)     # the check saw nothing yet
    with pytest.raises(Refusal) as refused:
        verify(platform, "late")
    assert (refused.value.reason, refused.value.status, refused.value.field) == \
        ("subject_already_bound", 409, "identifier")
    with platform.sessions() as session:
        late = session.scalar(select(User).where(User.username == "late"))
        assert (late.subject_id, late.role, late.real_name_verified_at) == (None, "public", None)
        assert session.scalars(select(User.username).where(User.subject_id == subject_id)).all() == ["early"]


def test_the_operator_unbinds_a_disputed_account_and_the_ledger_says_why(env, platform) -> None:  # type: ignore[no-untyped-def]
    subject_id = person(platform)
    users(platform, "impostor", "rightful")
    verify(platform, "impostor")
    with pytest.raises(Refusal) as refused:
        verify(platform, "rightful")
    assert refused.value.reason == "subject_already_bound"
    # a reason with personal content is refused: the ledger holds none
    for bad in (f"本人 {PERSON[0]} 到柜台核实", f"{PERSON[1]}本人申诉", "电话 13812345678 联系", "  "):
        refused = cli("users", "unbind", "impostor", "--reason", bad)
        assert refused.exit_code == 2 and "reason" in refused.output, refused.output
    assert cli("users", "unbind", "nobody", "--reason", "工单 17").exit_code == 2
    assert cli("users", "unbind", "rightful", "--reason", "工单 17").exit_code == 2      # not bound
    done = cli("users", "unbind", "impostor", "--reason", "工单 2026-17：运营机构核实后解除", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["subject_id"] == subject_id
    with platform.sessions() as session:
        impostor = session.scalar(select(User).where(User.username == "impostor"))
        assert (impostor.subject_id, impostor.role, impostor.real_name_verified_at) == (None, "public", None)
    (entry,) = entries(platform, "realname.unbound")
    facts = entry.facts_dict()
    assert (entry.entity, entry.entity_id) == ("user", str(impostor.id))
    assert facts["subject_id"] == subject_id and facts["reason"] == "工单 2026-17：运营机构核实后解除"
    assert PERSON[0] not in entry.facts and PERSON[1] not in entry.facts
    assert verify(platform, "rightful") == subject_id                   # the person now binds the right account
    assert len(entries(platform, "realname.verified")) == 2


def test_the_cli_refuses_a_token_issued_already_expired(env, platform, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # the CLI's platform: our clock
    monkeypatch.setattr("xinyong.services.platform.bootstrap.SystemClock", lambda: clock)
    users(platform, "scripter")
    for when in ("2020-01-01T00:00:00+08:00", "2026-03-18T10:00:00+08:00"):    # past, and the very moment
        refused = cli("users", "token", "scripter", "--expires", when)
        assert refused.exit_code == 2 and "expires_at" in refused.output, refused.output
    naive = cli("users", "token", "scripter", "--expires", "2099-01-01T00:00:00")
    assert naive.exit_code == 2 and "expires_at" in naive.output
    garbled = cli("users", "token", "scripter", "--expires", "next week")
    assert garbled.exit_code == 2 and "expires_at" in garbled.output
    with platform.sessions() as session:
        assert session.scalars(select(ApiToken)).all() == []
    issued = cli("users", "token", "scripter", "--expires", "2026-03-18T10:00:01+08:00", "--json")
    assert issued.exit_code == 0 and json.loads(issued.stdout)["token"].startswith(auth.TOKEN_PREFIX)


def test_issue_token_refuses_an_expiry_at_or_before_the_platforms_now(platform, clock) -> None:  # type: ignore[no-untyped-def]
    users(platform, "svc")
    with platform.unit_of_work(ADMIN) as uow:
        user = uow.session.scalar(select(User).where(User.username == "svc"))
        for when in (clock.now(), clock.now().replace(year=2025)):
            with pytest.raises(Refusal) as refused:
                auth.issue_token(uow, user, expires_at=when)
            assert (refused.value.field, refused.value.reason) == ("expires_at", "expires_at_past")
        assert auth.issue_token(uow, user, expires_at=clock.now().replace(year=2027))


def test_migration_0010_leaves_a_doubly_bound_subject_to_the_operator(platform) -> None:  # type: ignore[no-untyped-def]
    """A database where two accounts already share a subject is not upgraded (which one is the person's
    is the operator's call); ``users unbind`` works on it as it is, and then the upgrade goes through."""
    from alembic import command

    from xinyong.store.migrate import alembic_config, current_revision

    subject_id = person(platform)
    users(platform, "one", "two")
    url = platform.engine.url.render_as_string(hide_password=False)

    def migrate(step, revision: str) -> None:  # type: ignore[no-untyped-def]
        cfg = alembic_config(url)
        with platform.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            step(cfg, revision)

    migrate(command.downgrade, "0009_duty_purposes")
    try:
        with platform.sessions.begin() as session:       # bound twice, as the API allowed before
            for user in session.scalars(select(User)):
                user.subject_id, user.role = subject_id, "subject"
        with pytest.raises(RuntimeError, match=f"subject {subject_id}: users 1, 2"):
            migrate(command.upgrade, "head")
        assert current_revision(platform.engine) == "0009_duty_purposes"
        with platform.unit_of_work(ADMIN) as uow:
            auth.unbind(uow, "two", reason="工单 2026-18")
    finally:
        migrate(command.upgrade, "head")
    with pytest.raises(IntegrityError), platform.sessions.begin() as session:
        session.scalar(select(User).where(User.username == "two")).subject_id = subject_id
        session.flush()
