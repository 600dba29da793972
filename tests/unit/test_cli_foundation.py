"""The command line a newcomer meets: help texts, init, subjects check."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.settings import reset_settings

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", database_url)
    reset_settings()
    yield
    reset_settings()


@pytest.mark.parametrize("command", [[], ["init"], ["serve"], ["demo"], ["subjects", "check"], ["rules"], ["audit"]])
def test_every_command_explains_itself(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.strip()) > 40


def test_subjects_check_valid_identifier_exits_zero_with_json():
    result = runner.invoke(app, ["subjects", "check", "11010519491231002X", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["valid"] is True and body["kind"] == "citizen_id" and body["identifier"] == "11010519491231002X"
    assert body["reason"] is None


@pytest.mark.parametrize(("identifier", "reason"), [
    ("11010519491231002Y", "checksum"),
    ("110105194902300021", "date"),
    ("91500000MA5U0AB10O", "character"),
    ("1101051949", "length"),
])
def test_subjects_check_invalid_identifier_exits_one_with_reason(identifier, reason):
    result = runner.invoke(app, ["subjects", "check", identifier, "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["reason"] == reason


def test_subjects_check_human_output_masks_a_valid_citizen_id():
    result = runner.invoke(app, ["subjects", "check", "11010519491231002X"])
    assert result.exit_code == 0
    assert "110105********002X" in result.output


def test_init_migrates_and_is_safe_to_repeat(env):
    first = runner.invoke(app, ["init", "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["init", "--json"])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["revision"] == json.loads(first.stdout)["revision"]
