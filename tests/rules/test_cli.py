"""``xinyong rules`` through Typer's CliRunner: tables for people, ``--json`` for scripts, exit code 2
with a bilingual message on bad input."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from types import ModuleType

import pytest
from typer.testing import CliRunner


def _rules_cli() -> ModuleType:
    try:
        return importlib.import_module("xinyong.cli.rules")
    except ModuleNotFoundError as exc:
        # The top-level CLI package registers sub-apps that other work may not have written yet; the
        # rules sub-app does not depend on them, so load it on its own.
        if not (exc.name or "").startswith("xinyong.cli."):
            raise
        sys.modules.pop("xinyong.cli", None)
        spec = importlib.util.find_spec("xinyong")
        assert spec is not None and spec.submodule_search_locations
        path = f"{spec.submodule_search_locations[0]}/cli/rules.py"
        module_spec = importlib.util.spec_from_file_location("xinyong_cli_rules_alone", path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module


app = _rules_cli().app
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_operator_calendars(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XINYONG_CALENDAR_DIRS", raising=False)
    monkeypatch.setenv("XINYONG_JURISDICTION", "chongqing-2021")
    monkeypatch.setenv("COLUMNS", "200")
    reset_settings()
    yield
    reset_settings()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_list_json() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["jurisdiction"] == "chongqing-2021"
    ids = [r["id"] for r in data["rulesets"]]
    assert "national" in ids and "chongqing-2021" in ids
    chongqing = next(r for r in data["rulesets"] if r["id"] == "chongqing-2021")
    assert chongqing["deployed"] and "objection.decide" in chongqing["duties"]


def test_list_table_marks_the_deployment() -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "chongqing-2021 *" in result.output
    assert "national" in result.output


def test_show_prints_each_value_beside_its_citation_and_date() -> None:
    result = run("show", "shanghai-2017")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "objection.decide" in out and "5 working days" in out
    assert "SH Art. 36(2)(1)" in out and "2017-10-01" in out
    assert "operator target" in out  # SH 36 "promptly" targets are marked


def test_show_json_shape() -> None:
    result = run("show", "chongqing-2021", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["id"] == "chongqing-2021" and data["abbrev"] == "CQ"
    decide = next(r for r in data["rules"] if r["key"] == "objection.decide")
    assert (decide["value"], decide["unit"], decide["citation"], decide["effective"]) == (
        3,
        "working_days",
        "CQ Art. 40(2)(1)",
        "2021-07-01",
    )
    assert isinstance(data["notes"], dict)


def test_show_on_a_date_keeps_the_values_in_force() -> None:
    before = json.loads(run("show", "national", "--json", "--on", "2026-03-31").output)
    after = json.loads(run("show", "national", "--json", "--on", "2026-04-01").output)
    general = {
        d: next(r for r in data["rules"] if r["key"] == "display.penalty.general")
        for d, data in (("before", before), ("after", after))
    }
    assert general["before"]["value"]["max"] == 36 and general["after"]["value"]["max"] == 12
    assert not any(r["key"] == "restoration.decide" for r in before["rules"])


def test_diff_shows_both_objection_time_limits_with_citations() -> None:
    result = run("diff", "shanghai-2017", "chongqing-2021")
    assert result.exit_code == 0, result.output
    out = result.output
    for text in (
        "objection.decide",
        "5 working days",
        "SH Art. 36(2)(1)",
        "3 working days",
        "CQ Art. 40(2)(1)",
        "objection.reexamine",
        "CQ Art. 40(4)",
        "objection.label",
        "objection.transfer",
    ):
        assert text in out, text


def test_diff_json_shape() -> None:
    result = run("diff", "shanghai-2017", "chongqing-2021", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert (data["a"], data["b"]) == ("shanghai-2017", "chongqing-2021")
    decide = next(r for r in data["differ"] if r["key"] == "objection.decide")
    assert (decide["a"]["value"], decide["a"]["citation"]) == (5, "SH Art. 36(2)(1)")
    assert (decide["b"]["value"], decide["b"]["citation"]) == (3, "CQ Art. 40(2)(1)")
    reexamine = next(r for r in data["differ"] if r["key"] == "objection.reexamine")
    assert reexamine["a"] is None and reexamine["a_missing"].startswith("not provided")
    assert all(not r["differs"] for r in data["same"])


def test_deadline_json() -> None:
    result = run("deadline", "chongqing-2021", "objection.decide", "--received", "2024-09-27", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["due"], data["unit"], data["count"], data["cite"]) == (
        "2024-10-08",
        "working_days",
        3,
        "Art. 40(2)(1)",
    )
    assert any(day["day"] == "2024-10-01" and "National Day" in day["reason"] for day in data["skipped"])


def test_deadline_table_lists_skipped_days_with_reasons() -> None:
    result = run(
        "deadline",
        "chongqing-2021",
        "objection.decide",
        "--received",
        "2024-06-03T09:30",
        "--pause",
        "2024-06-04:2024-06-05:expert review",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2024-06-11" in out and "CQ Art. 40(2)(1)" in out
    assert "expert review" in out and "Dragon Boat Festival" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("deadline", "atlantis", "objection.decide", "--received", "2024-06-03"), "jurisdiction"),
        (("deadline", "chongqing-2021", "objection.decid", "--received", "2024-06-03"), "duty"),
        (("deadline", "chongqing-2021", "revocation.delete", "--received", "2024-06-03"), "duty"),
        (("deadline", "chongqing-2021", "objection.decide", "--received", "2024-02-30"), "received"),
        (("deadline", "hubei-2017-draft", "objection.notify", "--received", "2026-12-20"), "received"),
        (
            ("deadline", "chongqing-2021", "objection.decide", "--received", "2024-06-03", "--pause", "soon"),
            "pause",
        ),
        (("show", "atlantis"), "jurisdiction"),
        (("diff", "shanghai-2017", "atlantis"), "jurisdiction"),
    ],
    ids=[
        "unknown jurisdiction",
        "unknown duty",
        "duty deferred to the State, which has no value yet (CQ 44 revocation)",
        "bad date",
        "unknown year 2027",
        "bad pause",
        "show: unknown jurisdiction",
        "diff: unknown jurisdiction",
    ],
)
def test_bad_input_exits_2_with_a_bilingual_message(args: tuple[str, ...], field: str) -> None:
    result = run(*args, "--json")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert error["field"] == field
    assert error["message_zh"] and error["message_en"] and error["message_zh"] != error["message_en"]
    plain = run(*args)
    assert plain.exit_code == 2
    assert "错误" in plain.output and "error" in plain.output


def test_unknown_year_message_names_the_year() -> None:
    result = run("deadline", "hubei-2017-draft", "objection.notify", "--received", "2026-12-20")
    assert result.exit_code == 2
    assert "2027" in result.output
