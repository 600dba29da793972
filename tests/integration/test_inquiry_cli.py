"""``xinyong inquiry log SUBJECT`` and ``xinyong inquiry purge``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from access_seed import Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.disclosure import inquiry
from xinyong.settings import reset_settings

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


def test_inquiry_log_and_purge(env, platform, clock) -> None:  # type: ignore[no-untyped-def]
    from xinyong.cli import app

    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范命令行有限公司")
    clock.set(datetime(2022, 6, 1, 2, tzinfo=UTC))
    inquiry.inquire(platform, Actor(Role.public, "anonymous"), subject_ref=org)
    clock.set(datetime(2026, 3, 18, 2, tzinfo=UTC))
    duty, _ = seed.user(Role.duty_department, organisation="dept-cli")
    inquiry.inquire(platform, duty, subject_ref=org, purpose="administrative_permit")

    shown = runner.invoke(app, ["inquiry", "log", str(org), "--json"])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output.strip().splitlines()[-1])
    assert body["total"] == 2 and [e["role"] for e in body["entries"]] == ["duty_department", "public"]
    human = runner.invoke(app, ["inquiry", "log", str(org)])
    assert human.exit_code == 0 and "2 inquiries" in human.output
    assert runner.invoke(app, ["inquiry", "log", "999999"]).exit_code == 1

    # The CLI's own clock is the real one: the 2022 entry is past three years either way.
    purged = runner.invoke(app, ["inquiry", "purge", "--json"])
    assert purged.exit_code == 0, purged.output
    result = json.loads(purged.output.strip().splitlines()[-1])     # the JSON line, after any log line
    assert result["purged"] == 1 and result["retention"] == 3 and result["cite"] == "CQ Art. 22(3)"
