"""The law-as-data repairs of issue 15, part 6 (the calendar aside): drafts say they are drafts, a pause
is applied only where a rule says time is excluded, deferrals to the State are carried as the texts
say, ``rules diff`` compares values (not labels), ``rules show --on`` says why nothing is in force,
and help text is not turned into emoji."""

from __future__ import annotations

import importlib
import json
import re
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rule_files import RuleDir
from typer.testing import CliRunner

from xinyong.api.errors import install_error_handlers
from xinyong.api.routers.rules import router
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.rulebook.calendar import Pause, WorkingDayCalendar
from xinyong.rules import RuleFileError, RuleNotProvided, load_rulebook
from xinyong.rules.loader import PACKAGE_DIR
from xinyong.services.rulebook.rules import compute_deadline, diff_rulesets

app = importlib.import_module("xinyong.cli.rules").app
runner = CliRunner()
DRAFTS = ("hubei-2017-draft", "beijing-draft")
EXPERT = "2024-06-04:2024-06-05:expert review"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from xinyong.settings import reset_settings

    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XINYONG_CALENDAR_DIRS", raising=False)
    monkeypatch.setenv("XINYONG_JURISDICTION", "chongqing-2021")
    monkeypatch.setenv("COLUMNS", "200")
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def client() -> TestClient:
    api = FastAPI()
    api.include_router(router)
    install_error_handlers(api)          # the app's own: a refused pause in the error shape
    return TestClient(api)


@pytest.fixture(scope="module")
def rulebook():  # type: ignore[no-untyped-def]
    return load_rulebook()


@pytest.fixture(scope="module")
def calendar() -> WorkingDayCalendar:
    return WorkingDayCalendar()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------------


def test_the_done_when_check_a_draft_deadline_says_it_is_a_draft() -> None:
    result = run("deadline", "hubei-2017-draft", "objection.notify", "--received", "2026-09-20", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "draft" and data["in_force"] is None
    assert "not in force" in data["draft_notice"]["en"] and "尚未施行" in data["draft_notice"]["zh"]
    assert data["due"] == "2026-10-08"  # the number is still computed, for trial use


@pytest.mark.parametrize("jurisdiction", DRAFTS)
def test_a_draft_deadline_in_text_is_labelled_and_never_in_force(jurisdiction: str) -> None:
    duty = "objection.notify" if jurisdiction.startswith("hubei") else "objection.decide"
    result = run("deadline", jurisdiction, duty, "--received", "2024-06-03")
    assert result.exit_code == 0, result.output
    assert "DRAFT 草案" in result.output and "not in force" in result.output
    assert "in force from" not in result.output


def test_an_enacted_deadline_is_not_labelled_a_draft() -> None:
    data = json.loads(run("deadline", "chongqing-2021", "objection.decide", "--received", "2024-06-03",
                          "--json").output)
    assert (data["status"], data["in_force"], data["draft_notice"]) == ("enacted", "2021-07-01", None)
    assert "DRAFT" not in run("deadline", "chongqing-2021", "objection.decide", "--received", "2024-06-03").output


@pytest.mark.parametrize("jurisdiction", DRAFTS)
def test_show_list_and_diff_say_draft(jurisdiction: str) -> None:
    shown = json.loads(run("show", jurisdiction, "--json").output)
    assert shown["status"] == "draft" and shown["draft_notice"]["en"]
    text = run("show", jurisdiction).output
    assert "DRAFT 草案" in text and "not in force" in text

    listed = json.loads(run("list", "--json").output)
    row = next(r for r in listed["rulesets"] if r["id"] == jurisdiction)
    assert row["status"] == "draft" and row["draft_notice"]["zh"]
    assert "not in force" in run("list").output

    diff = json.loads(run("diff", "shanghai-2017", jurisdiction, "--json").output)
    assert (diff["a_status"], diff["b_status"]) == ("enacted", "draft")
    assert set(diff["draft_notice"]) == {jurisdiction}
    sides = [r["b"] for r in diff["differ"] + diff["same"] if r["b"]]
    assert sides and all(side["status"] == "draft" for side in sides)
    assert all(r["a"]["status"] == "enacted" for r in diff["differ"] + diff["same"] if r["a"])
    assert "DRAFT 草案" in run("diff", "shanghai-2017", jurisdiction).output


@pytest.mark.parametrize("jurisdiction", DRAFTS)
def test_the_api_says_draft(client: TestClient, jurisdiction: str) -> None:
    shown = client.get(f"/api/v1/rules/{jurisdiction}").json()
    assert shown["status"] == "draft" and "not in force" in shown["draft_notice"]["en"]
    listed = client.get("/api/v1/rules").json()
    assert next(r for r in listed["rulesets"] if r["id"] == jurisdiction)["draft_notice"]
    duty = "objection.notify" if jurisdiction.startswith("hubei") else "objection.decide"
    answer = client.get(f"/api/v1/rules/{jurisdiction}/deadline", params={"duty": duty, "received": "2024-06-03"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["status"], data["in_force"]) == ("draft", None) and data["draft_notice"]["zh"]
    enacted = client.get("/api/v1/rules/gansu-2021/deadline",
                         params={"duty": "objection.decide", "received": "2024-09-12"}).json()
    assert (enacted["status"], enacted["draft_notice"]) == ("enacted", None)


def test_status_is_the_one_mark_of_a_draft(rulebook, rule_dir: RuleDir) -> None:  # type: ignore[no-untyped-def]
    assert {r.id for r in rulebook if r.is_draft} == set(DRAFTS)
    assert all(r.in_force is None for r in rulebook if r.is_draft)
    draft_with_date = """\
        id: sample-2020
        title: {zh: 示例条例（草案）, en: Sample Regulations (Draft)}
        status: draft
        published: 2020-01-01
        in_force: 2020-03-01
        text: sample-2020.txt
        abbrev: SA
        jurisdiction: {zh: 示例市, en: Sample City}
        rules: {}
        """
    rule_dir.write("sample-2020.yaml", draft_with_date)
    with pytest.raises(RuleFileError, match="a draft is not in force on any date"):
        rule_dir.load()
    rule_dir.write("sample-2020.yaml", draft_with_date.replace("status: draft", "status: enacted")
                   .replace("in_force: 2020-03-01", "in_force: null"))
    with pytest.raises(RuleFileError, match="an enacted regulation needs its in_force date"):
        rule_dir.load()


# --------------------------------------------------------------------------------------------------
# Pauses (time not counted) only where a rule says so
# --------------------------------------------------------------------------------------------------


def test_the_done_when_check_a_pause_on_a_shanghai_duty_is_refused_with_the_reason() -> None:
    result = run("deadline", "shanghai-2017", "objection.decide", "--received", "2024-06-03", "--pause", EXPERT,
                 "--json")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)["error"]
    assert (error["field"], error["reason"]) == ("pause", "pause_not_allowed")
    assert "SH Art. 36(2)(1)" in error["message_en"] and "SH Art. 36(2)(1)" in error["message_zh"]
    assert "without a pause" in error["message_en"] and "不得暂停" in error["message_zh"]


@pytest.mark.parametrize(
    ("jurisdiction", "duty"),
    [
        ("shanghai-2017", "objection.decide"),
        ("gansu-2021", "objection.decide"),
        ("hubei-2017-draft", "objection.notify"),
        ("beijing-draft", "objection.decide"),
        ("chongqing-2021", "objection.label"),  # CQ 41(2) covers handling and re-examination only
        ("chongqing-2021", "objection.transfer"),
        ("chongqing-2021", "restoration.decide"),  # deferred to the State: no excluded time there
    ],
)
def test_a_pause_is_refused_where_no_rule_excludes_time(rulebook, calendar, jurisdiction: str, duty: str) -> None:  # type: ignore[no-untyped-def]
    received = date(2026, 4, 1) if duty.startswith("restoration") else date(2024, 6, 3)
    pause = Pause(received, received, "expert review")
    with pytest.raises(Refusal) as caught:
        compute_deadline(rulebook, calendar, jurisdiction, duty, received, [pause])
    assert caught.value.field == "pause" and caught.value.reason == "pause_not_allowed"
    assert caught.value.message_zh != caught.value.message_en
    # without the pause the same duty is computed as before
    assert compute_deadline(rulebook, calendar, jurisdiction, duty, received).due is not None


def test_a_chongqing_refusal_names_the_article_that_allows_pauses(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refusal) as caught:
        compute_deadline(rulebook, calendar, "chongqing-2021", "objection.label", date(2024, 6, 3),
                         [Pause(date(2024, 6, 4), date(2024, 6, 5), "expert review")])
    assert "CQ Art. 41(2)" in caught.value.message_en and "CQ Art. 40(2)" in caught.value.message_en


@pytest.mark.parametrize(
    "duty", ["objection.decide", "objection.provider_decide", "objection.notify", "objection.reexamine"]
)
def test_cq_41_lets_handling_and_re_examination_be_paused(rulebook, calendar, duty: str) -> None:  # type: ignore[no-untyped-def]
    answer = compute_deadline(rulebook, calendar, "chongqing-2021", duty, date(2024, 6, 3),
                              [Pause(date(2024, 6, 4), date(2024, 6, 5), "expert review")])
    assert answer.pause_basis is not None and answer.pause_basis.citation == "CQ Art. 41(2)"
    assert answer.to_dict()["pause_basis"]["key"] == "objection.excluded_time"
    plain = compute_deadline(rulebook, calendar, "chongqing-2021", duty, date(2024, 6, 3))
    assert answer.due is not None and plain.due is not None and answer.due > plain.due
    assert plain.pause_basis is None


def test_the_api_refuses_a_pause_in_the_one_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/rules/gansu-2021/deadline",
                          params={"duty": "objection.decide", "received": "2024-09-12", "pause": [EXPERT]})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert (detail["field"], detail["reason"]) == ("pause", "pause_not_allowed")
    assert "GS Art. 46(2)" in detail["message_en"]
    allowed = client.get("/api/v1/rules/chongqing-2021/deadline",
                         params={"duty": "objection.decide", "received": "2024-06-03", "pause": [EXPERT]})
    assert allowed.status_code == 200 and allowed.json()["pause_basis"]["citation"] == "CQ Art. 41(2)"


def test_the_excluded_time_key_is_registered_and_checked(rulebook, rule_dir: RuleDir) -> None:  # type: ignore[no-untyped-def]
    spec = rulebook.keys["objection.excluded_time"]
    assert (spec.type, spec.pause) == ("duties", True)
    assert [r.id for r in rulebook if r.has("objection.excluded_time")] == ["chongqing-2021"]
    rule_dir.sample("""\
        objection.decide:
          values:
            2020-03-01: {value: 3, cite: "Art. 12"}
        objection.excluded_time:
          values:
            2020-03-01: {value: [objection.decide, objection.notify, inquiry_log.retention], cite: "Art. 13"}
        """)
    with pytest.raises(RuleFileError, match="'inquiry_log.retention' is not a duty key"):
        rule_dir.load()
    rule_dir.sample("""\
        objection.decide:
          values:
            2020-03-01: {value: 3, cite: "Art. 12"}
        objection.excluded_time:
          values:
            2020-03-01: {value: [objection.decide, objection.notify], cite: "Art. 13"}
        """)
    with pytest.raises(RuleFileError, match="lists objection.notify, which this file does not provide"):
        rule_dir.load()


def test_only_a_duties_key_can_allow_a_pause(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from xinyong.rules.loader import load_keys

    registry = tmp_path / "keys.yaml"
    registry.write_text("x.flag:\n  type: flag\n  pause: true\n  zh: 甲\n  en: a\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="only a duties key can be pause"):
        load_keys(registry)


# --------------------------------------------------------------------------------------------------
# Deferrals to the State, as the texts say
# --------------------------------------------------------------------------------------------------


def test_cq_44_revocation_defers_to_the_state(rulebook, calendar) -> None:  # type: ignore[no-untyped-def]
    rule = rulebook.get("chongqing-2021").rule("revocation.delete")
    assert rule.deferral is not None and rule.deferral.citation == "CQ Art. 44"
    with pytest.raises(RuleNotProvided) as caught:
        compute_deadline(rulebook, calendar, "chongqing-2021", "revocation.delete", date(2024, 6, 3))
    assert "CQ Art. 44" in caught.value.message_en and "defers" in caught.value.message_en
    assert "no time limit" not in caught.value.message_en
    shown = run("show", "chongqing-2021").output
    assert "revocation.delete" in shown and "deferred to the State" in shown


@pytest.mark.parametrize(("jurisdiction", "citation"), [("gansu-2021", "GS Art. 47(1)"),
                                                       ("beijing-draft", "BJ Art. 38(1)")])
def test_restoration_free_is_carried_over_from_the_state(rulebook, jurisdiction: str, citation: str) -> None:  # type: ignore[no-untyped-def]
    ruleset = rulebook.get(jurisdiction)
    value = ruleset.value("restoration.free", date(2026, 4, 1))
    assert value.value is True and value.jurisdiction == "national"
    assert value.deferred_from is not None and value.deferred_from.citation == citation


def test_schema_cites_re_examination_as_cq_40_4() -> None:
    schema = (PACKAGE_DIR / "SCHEMA.md").read_text(encoding="utf-8")
    row = next(line for line in schema.splitlines() if line.startswith("| `objection.reexamine`"))
    assert "CQ 40(4)" in row and "CQ 42" not in row


# --------------------------------------------------------------------------------------------------
# rules diff compares values, not labels
# --------------------------------------------------------------------------------------------------


def test_diff_does_not_call_values_different_when_only_labels_differ(rulebook) -> None:  # type: ignore[no-untyped-def]
    result = diff_rulesets(rulebook, "shanghai-2017", "chongqing-2021")
    worded = [row for row in result.rows if row.labels_differ]
    assert worded, "some list values share their keys and differ only in wording"
    for row in worded:
        assert not row.differs
        assert row.a is not None and row.b is not None
        assert [getattr(i, "key", None) for i in row.a.value] == [getattr(i, "key", None) for i in row.b.value]
    text = run("diff", "shanghai-2017", "chongqing-2021").output
    assert "worded differently" in text


def test_diff_still_marks_a_different_value(rule_dir: RuleDir) -> None:
    rule_dir.baseline()
    rule_dir.sample("""\
        inquiry.modes:
          values:
            2020-03-01:
              value:
                - {key: self, zh: 本人查询, en: Own record}
              cite: "Art. 12"
        """)
    rule_dir.sample("""\
        inquiry.modes:
          values:
            2020-03-01:
              value:
                - {key: self, zh: 本人查询信用信息, en: The subject's own record}
                - {key: public, zh: 公开查询, en: Public}
              cite: "Art. 12"
        """, name="other-2020.yaml", head=SAMPLE_OTHER)
    book = rule_dir.load()
    row = next(r for r in diff_rulesets(book, "sample-2020", "other-2020").rows if r.key == "inquiry.modes")
    assert row.differs and not row.labels_differ


SAMPLE_OTHER = """\
id: other-2020
title: {zh: 另一条例, en: Other Regulations}
status: enacted
published: 2020-01-01
in_force: 2020-03-01
text: sample-2020.txt
abbrev: OT
jurisdiction: {zh: 另一市, en: Other City}
"""


# --------------------------------------------------------------------------------------------------
# rules show --on a date nothing is in force
# --------------------------------------------------------------------------------------------------


def test_show_on_a_date_before_the_regulation_says_when_it_takes_effect() -> None:
    data = json.loads(run("show", "shanghai-2017", "--on", "2017-01-01", "--json").output)
    assert data["rules"] == []
    assert data["nothing_in_force"]["reason"] == "not_yet_in_force"
    assert data["nothing_in_force"]["takes_effect"] == "2017-10-01"
    text = run("show", "shanghai-2017", "--on", "2017-01-01").output
    assert "takes effect on 2017-10-01" in text and "2017-10-01 起施行" in text


def test_show_on_a_date_before_a_draft_says_it_has_no_date() -> None:
    data = json.loads(run("show", "beijing-draft", "--on", "2020-01-01", "--json").output)
    assert data["nothing_in_force"]["reason"] == "draft" and data["nothing_in_force"]["takes_effect"] is None
    assert "no in-force date" in data["nothing_in_force"]["message_en"]
    assert "no in-force date" in run("show", "beijing-draft", "--on", "2020-01-01").output


def test_show_on_a_date_with_values_says_nothing_extra() -> None:
    data = json.loads(run("show", "shanghai-2017", "--on", "2024-01-01", "--json").output)
    assert data["rules"] and data["nothing_in_force"] is None
    national = json.loads(run("show", "national", "--on", "2010-01-01", "--json").output)
    assert national["nothing_in_force"]["reason"] == "no_value_yet"


# --------------------------------------------------------------------------------------------------
# Help text is not emoji
# --------------------------------------------------------------------------------------------------

_EMOJI_CODE = re.compile(r":(\S*?):")


def test_deadline_help_shows_the_pause_format_verbatim() -> None:
    result = run("deadline", "--help")
    assert result.exit_code == 0
    assert "FIRST:LAST:REASON" in result.output
    assert "\N{END WITH LEFTWARDS ARROW ABOVE}" not in result.output


def test_no_cli_help_text_holds_an_emoji_code() -> None:
    """Typer renders help as Rich markup, which turns ``:end:`` (any case) into an emoji."""
    import typer
    from rich._emoji_codes import EMOJI

    from xinyong.cli import app as root

    found = []

    def walk(command, path: str) -> None:  # type: ignore[no-untyped-def]
        texts = [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
        for text in texts:
            found.extend(f"{path}: {m.group(0)}" for m in _EMOJI_CODE.finditer(text)
                         if m.group(1).lower() in EMOJI)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(root), "xinyong")
    assert not found, found


def test_an_error_quoting_input_is_printed_verbatim() -> None:
    result = run("deadline", "chongqing-2021", "objection.decide", "--received", "2024-06-03", "--pause",
                 "x:end:[/b]")
    assert result.exit_code == 2
    assert "x:end:[/b]" in result.output
