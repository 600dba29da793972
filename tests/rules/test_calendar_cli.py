"""``xinyong rules calendar`` (which years are covered and by what; from 1 November, the warning that
next year's notice is not loaded) and the calendar ``xinyong rules deadline`` names."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import xinyong
from xinyong.cli.rules import app
from xinyong.domain.platform.clock import FixedClock

runner = CliRunner()
EXAMPLE_2027 = Path(xinyong.__file__).parent / "rules" / "calendar" / "examples" / "2027.example.yaml"
YEAR_2027 = 'year: 2027\nnotice: "国办发明电〔2026〕X号"\nholidays:\n  2027-01-01: 元旦 New Year\'s Day\n'


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_ENV", "local")
    monkeypatch.delenv("XINYONG_CALENDAR_DIRS", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    reset_settings()
    yield
    reset_settings()


def _operator_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    from xinyong.settings import reset_settings

    folder = tmp_path / "calendar"
    folder.mkdir()
    (folder / "2027.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("XINYONG_CALENDAR_DIRS", str(folder))
    reset_settings()
    return folder


def _clock_at(monkeypatch: pytest.MonkeyPatch, instant: datetime) -> None:
    clock = FixedClock(instant)
    monkeypatch.setattr("xinyong.services.platform.bootstrap.SystemClock", lambda: clock)  # the CLI's platform clock


def test_calendar_lists_the_years_and_their_source_by_the_platform_clock(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _clock_at(monkeypatch, datetime(2026, 3, 18, 2, tzinfo=UTC))
    result = runner.invoke(app, ["calendar"])
    assert result.exit_code == 0, result.output
    assert "2004–2026" in result.output and "chinesecalendar" in result.output
    assert "2026-03-18" in result.output and "warning" not in result.output
    data = json.loads(runner.invoke(app, ["calendar", "--json"]).stdout)
    assert data["today"] == "2026-03-18" and data["last"] == 2026 and data["warnings"] == []
    assert data["years"][-1] == {"year": 2026, "kind": "package", "name": data["years"][-1]["name"],
                                 "notice": None, "file": None}


def test_from_1_november_it_warns_that_next_year_is_not_loaded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _clock_at(monkeypatch, datetime(2026, 10, 31, 16, 0, tzinfo=UTC))  # 00:00 on 1 November, UTC+8
    result = runner.invoke(app, ["calendar"])
    assert result.exit_code == 0
    assert "warning" in result.output and "2027" in result.output and "警告" in result.output
    data = json.loads(runner.invoke(app, ["calendar", "--json"]).stdout)
    assert [w["reason"] for w in data["warnings"]] == ["next_year_notice_missing"]
    assert data["warnings"][0]["year"] == 2027
    before = json.loads(runner.invoke(app, ["calendar", "--json", "--on", "2026-10-31"]).stdout)
    assert before["warnings"] == [] and before["today"] == "2026-10-31"


def test_an_operator_file_is_shown_with_its_notice_and_stops_the_warning(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _operator_folder(monkeypatch, tmp_path, YEAR_2027)
    data = json.loads(runner.invoke(app, ["calendar", "--json", "--on", "2026-11-02"]).stdout)
    assert data["last"] == 2027 and data["warnings"] == []
    assert data["years"][-1] == {"year": 2027, "kind": "operator", "name": "国办发明电〔2026〕X号",
                                 "notice": "国办发明电〔2026〕X号", "file": str(folder / "2027.yaml")}
    result = runner.invoke(app, ["calendar", "--on", "2026-11-02"])
    assert "国办发明电〔2026〕X号" in result.output and "warning" not in result.output


def test_the_example_copied_into_a_calendar_folder_is_refused(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _operator_folder(monkeypatch, tmp_path, "")
    shutil.copy(EXAMPLE_2027, folder / "2027.yaml")
    result = runner.invoke(app, ["calendar", "--json", "--on", "2026-11-02"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["reason"] == "calendar_file" and "placeholders" in error["message_en"]
    assert "占位" in error["message_zh"]
    deadline = runner.invoke(app, ["deadline", "shanghai-2017", "objection.decide", "--received", "2026-03-18"])
    assert deadline.exit_code == 1 and "example template" in deadline.output


def test_deadline_names_the_package_calendar() -> None:
    result = runner.invoke(app, ["deadline", "shanghai-2017", "objection.decide", "--received", "2026-03-18",
                                 "--json"])
    assert result.exit_code == 0, result.output
    calendar = json.loads(result.stdout)["calendar"]
    assert [(c["year"], c["kind"]) for c in calendar] == [(2026, "package")]
    assert calendar[0]["name"].startswith("chinesecalendar")
    text = runner.invoke(app, ["deadline", "shanghai-2017", "objection.decide", "--received", "2026-03-18"])
    assert "calendar 2026" in text.output and "chinesecalendar" in text.output


def test_deadline_names_the_operator_file_and_its_notice(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _operator_folder(monkeypatch, tmp_path, YEAR_2027)
    result = runner.invoke(app, ["deadline", "shanghai-2017", "objection.decide", "--received", "2026-12-28",
                                 "--json"])
    assert result.exit_code == 0, result.output
    calendar = json.loads(result.stdout)["calendar"]
    assert [(c["year"], c["kind"]) for c in calendar] == [(2026, "package"), (2027, "operator")]
    assert calendar[1]["notice"] == "国办发明电〔2026〕X号" and calendar[1]["file"] == str(folder / "2027.yaml")
    text = runner.invoke(app, ["deadline", "shanghai-2017", "objection.decide", "--received", "2026-12-28"])
    assert "calendar 2027" in text.output and "国办发明电〔2026〕X号" in text.output
