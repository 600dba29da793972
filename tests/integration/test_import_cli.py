"""``xinyong import`` and ``xinyong batches``: the demo files a newcomer imports, exit codes, JSON summary,
error reports, verification."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xinyong.cli import app
from xinyong.services.demo.catalog import load_catalog
from xinyong.settings import reset_settings

runner = CliRunner()
DEMO_FILES = resources.files("xinyong.demo").joinpath("files")


@pytest.fixture
def env(tmp_path, monkeypatch, database_url, platform):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", platform.jurisdiction)
    reset_settings()
    load_catalog(platform)
    yield
    reset_settings()


def _import(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["import", *args, "--json"])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["penalties.csv", "permits-gb18030.csv", "registrations.xlsx",
                                  "corrections.jsonl", "standard-penalties.csv", "standard-permits.xlsx",
                                  "standard-penalties.jsonl"])
def test_each_demo_file_imports_with_readable_rejections(env,
                                                         name: str) -> None:  # type: ignore[no-untyped-def]
    path = Path(str(DEMO_FILES.joinpath(name)))
    code, summary = _import(str(path), "--unit", "market-regulation")
    assert code == 1                                    # every demo file has rejected rows
    assert {"batch", "accepted", "rejected", "errors"} <= set(summary)
    assert summary["accepted"] + summary["unchanged"] > 0 and summary["rejected"] > 0
    for error in summary["errors"]:
        assert set(error) == {"row", "field", "code", "message_zh", "message_en"}
        assert error["message_zh"] and error["message_en"]
    again_code, again = _import(str(path), "--unit", "market-regulation")
    assert again_code == 1 and again["replayed"] and again["batch"] == summary["batch"]


def test_a_clean_file_exits_zero_and_reports_can_be_downloaded(env,
    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = Path(str(DEMO_FILES.joinpath("penalties.csv"))).read_text(encoding="utf-8").splitlines()
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(source[:4]) + "\n", encoding="utf-8")   # the header and three good rows
    code, summary = _import(str(clean), "--unit", "market-regulation", "--key", "clean-1")
    assert (code, summary["accepted"], summary["rejected"]) == (0, 3, 0)
    # decided in 2025, received now: late under the State's publication period, and the answer says so
    assert summary["late_publication"]["decisions"] == 3
    shown = runner.invoke(app, ["import", str(clean), "--unit", "market-regulation", "--key", "clean-1"])
    assert "3 decisions published late 逾期公示的决定" in shown.stdout

    code, bad = _import(str(Path(str(DEMO_FILES.joinpath("penalties.csv")))), "--unit", "market-regulation")
    assert code == 1
    report = tmp_path / "errors.xlsx"
    result = runner.invoke(app, ["batches", "errors", str(bad["batch"]), "--format", "xlsx", "-o",
                           str(report)])
    assert result.exit_code == 0, result.output
    rows = list(openpyxl.load_workbook(report).active.iter_rows(values_only=True))
    assert rows[0] == ("row", "field", "code", "message_zh", "message_en")
    assert len(rows) - 1 == bad["errors_total"]
    shown = runner.invoke(app, ["batches", "show", str(bad["batch"]), "--json"])
    assert json.loads(shown.stdout)["batch"] == bad["batch"]
    verified = runner.invoke(app, ["batches", "verify", str(bad["batch"]), "--json"])
    assert json.loads(verified.stdout)["status"] == "verified"


def test_usage_errors_exit_two_and_store_nothing(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(app, ["import", str(tmp_path / "missing.csv"), "--unit",
                         "market-regulation"]).exit_code == 2
    path = Path(str(DEMO_FILES.joinpath("penalties.csv")))
    code, refused = _import(str(path), "--unit", "no-such-unit")
    assert code == 2 and refused["error"]["reason"] == "unit_not_found"
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\xff\xfe\x00\x81" * 10)
    code, refused = _import(str(junk), "--unit", "market-regulation")
    assert code == 2 and refused["error"]["reason"] == "encoding"
    assert runner.invoke(app, ["batches", "show", "1"]).exit_code == 2
