"""``xinyong demo`` (run by ``make run``) leaves a signed ledger: a checkpoint on the demo's head, kept in
the anchor file and published at ``/api/v1/audit/checkpoints`` from the first minute."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.settings import reset_settings

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, settings):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XINYONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", settings.jurisdiction)
    reset_settings()
    yield settings
    reset_settings()


def test_the_demo_signs_its_ledger_head(env, client) -> None:  # type: ignore[no-untyped-def]
    loaded = runner.invoke(app, ["demo", "--json"])
    assert loaded.exit_code == 0, loaded.output
    summary = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert summary["checkpoint_seq"] and summary["checkpoint_seq"] > 10
    anchors = (env.data_dir / "keys" / "ledger-anchors.jsonl").read_text().splitlines()
    assert json.loads(anchors[-1])["seq"] == summary["checkpoint_seq"]
    published = client.get("/api/v1/audit/checkpoints").json()
    assert [c["seq"] for c in published["checkpoints"]] == [summary["checkpoint_seq"]]
    verified = runner.invoke(app, ["audit", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    again = runner.invoke(app, ["demo", "--json"])
    assert json.loads(again.stdout.strip().splitlines()[-1]) == {"skipped": True}
