"""Objections end to end in the services: filing in each jurisdiction (due dates from the rule file on
the working-day calendar, across the National Day holiday and the Saturday made a working day), the
labels, transfer and the providing unit's decision, corrections as new record versions, refusal of
repeated grounds, two clerks at once, re-examination, pauses and the ledger."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from access_seed import UNIT, Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import objections
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.access import ObjectionLabel
from xinyong.store.models.ledger import LedgerEntry
from xinyong.store.models.records import Record, RecordVersion

OPERATOR = Actor(Role.operator, "user:1")
UNIT_ACTOR = Actor(Role.providing_unit, "token:1", UNIT)
DEPARTMENT = Actor(Role.competent_department, "user:3", "ndrc")
CST = timezone(timedelta(hours=8))
# Wednesday before the National Day holiday (1-7 October 2026); Saturday 10 October is a working day
FILED = datetime(2026, 9, 30, 10, 0, tzinfo=CST)
JURISDICTIONS = ["chongqing-2021", "shanghai-2017", "gansu-2021", "hubei-2017-draft", "beijing-draft"]


@pytest.fixture
def make(platform_under):  # type: ignore[no-untyped-def]
    """A platform under a regulation, the clock at ``FILED``."""
    def build(jurisdiction: str = "chongqing-2021") -> Platform:
        return platform_under(jurisdiction, FILED)

    return build


def _seed(p: Platform, records: int = 1) -> tuple[int, list[int]]:
    seed = Seed(p).catalog()
    subject = seed.subject("legal_person", "示范公司")
    return subject, [seed.record(subject, "public_penalty", {"summary": f"罚款 {n}"}) for n in range(records)]


def _file(p: Platform, subject: int, records: list[int], grounds: str = "处罚已被撤销，信息不实", **kw) -> int:
    with p.unit_of_work(OPERATOR) as uow:
        return objections.file_objection(uow, subject_id=subject, records=[str(r) for r in records],
                                         grounds=grounds, channel=kw.pop("channel", "counter"), **kw).id


def _view(p: Platform, objection_id: int) -> objections.ObjectionView:
    with p.sessions() as s:
        return objections.get_objection(p, s, objection_id)


def _open_labels(p: Platform, record_id: int) -> list[ObjectionLabel]:
    with p.sessions() as s:
        return list(s.scalars(select(ObjectionLabel).where(ObjectionLabel.record_id == record_id,
                                                           ObjectionLabel.closed_on.is_(None))).all())


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_filing_opens_every_duty_the_rule_file_times_counted_on_the_calendar(make, jurisdiction: str) -> None:
    p = make(jurisdiction)
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record], received=FILED)
    view = _view(p, objection_id)
    ruleset = p.rulebook.get(jurisdiction)
    assert view.status == "received" and [r.id for r in view.records] == [record]
    assert len(_open_labels(p, record)) == 1                       # labelled at once, whatever the file says
    by_key = {d.key: d for d in view.duties}
    expected_keys = {k for k in ("objection.label", "objection.notify") if ruleset.has(k)
                     and ruleset.value(k, FILED.date()).counts_from != "decision"}   # else opened on the decision
    expected_keys.add("objection.decide" if view.route == "center" else "objection.transfer")
    assert set(by_key) == {k for k in expected_keys if ruleset.has(k)}
    for key, duty in by_key.items():
        value = ruleset.value(key, FILED.date())
        expected = p.calendar.due(FILED.date(), value.value, value.period_unit).due
        assert duty.due == expected, key                          # the calendar's own count
        assert duty.starts_on == FILED.date() and duty.cite == value.citation
        assert duty.due is not None and p.calendar.is_working_day(duty.due) or value.period_unit == "days"
    if "objection.label" in by_key:
        assert by_key["objection.label"].status == "done"
    # every period of more than a day runs past the National Day holiday
    assert all(d.due > date(2026, 10, 7) for k, d in by_key.items() if k != "objection.label" and d.due)


def test_chongqing_decision_is_due_on_the_saturday_made_a_working_day(make) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    view = _view(p, _file(p, subject, [record], received=FILED))
    decide = next(d for d in view.duties if d.key == "objection.decide")
    assert decide.due == p.calendar.due(FILED.date(), 3, "working_days").due == date(2026, 10, 10)
    assert decide.due.weekday() == 5 and decide.owner == "platform_operator" and "40" in (decide.cite or "")


def test_a_record_of_another_subject_is_unknown(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    other = Seed(p).subject("legal_person", "别家公司")
    with pytest.raises(Refusal) as refused:
        _file(p, other, [record])
    assert refused.value.reason == "record_unknown" and refused.value.status == 404


def test_grounds_are_required_and_limited(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    for grounds, reason in (("  ", "grounds_required"), ("理" * (objections.GROUNDS_MAX + 1), "grounds_too_long")):
        with pytest.raises(Refusal) as refused:
            _file(p, subject, [record], grounds=grounds)
        assert refused.value.reason == reason


def test_repeated_grounds_are_refused_where_the_rule_file_says_so(make) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    _file(p, subject, [record], grounds="处罚已被撤销")
    with pytest.raises(Refusal) as refused:
        _file(p, subject, [record], grounds="  处罚已被撤销 ")
    assert refused.value.reason == "objection_repeated" and "41" in refused.value.message_zh
    _file(p, subject, [record], grounds="金额录入错误")             # other grounds are accepted


def test_repeated_grounds_are_accepted_where_the_rule_file_is_silent(make) -> None:
    p = make("shanghai-2017")
    assert not p.rulebook.get("shanghai-2017").has("objection.refuse_repeated")
    subject, (record,) = _seed(p)
    _file(p, subject, [record], grounds="处罚已被撤销")
    _file(p, subject, [record], grounds="处罚已被撤销")


def test_corrected_values_are_checked_as_the_item_field_stores_them(make, clock) -> None:
    """A correction goes through the same cell converters as an import: a date that is not a date, a
    required field emptied, are refused with the field's label in both languages and the objection stays
    undecided; a date written the way departments write it is stored as ISO."""
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    clock.set(datetime(2026, 10, 8, 9, 0, tzinfo=CST))
    for changes, field, words in (({"conduct_ended": "上个月"}, "corrections.conduct_ended", "行为终止日期"),
                                  ({"document_number": " "}, "corrections.document_number", "文书编号"),
                                  ({"summary": "当事人身份证号 11010519491231002X"}, "corrections.summary", "摘要")):
        with pytest.raises(Refusal) as refused, p.unit_of_work(OPERATOR) as uow:
            objections.decide(uow, objection_id, outcome="corrected", reasons="已更正",
                              corrections={str(record): changes})
        assert refused.value.field == field and words in refused.value.message_zh
        assert refused.value.message_en
        assert _view(p, objection_id).status != "decided"
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="corrected", reasons="行为终止日期有误，已更正",
                          corrections={str(record): {"conduct_ended": "2026/03/01"}})
    with p.sessions() as s:
        version = s.scalar(select(RecordVersion).where(RecordVersion.record_id == record)
                           .order_by(RecordVersion.version.desc()))
        assert version.payload["conduct_ended"] == "2026-03-01"


def test_center_decision_corrects_through_the_writer_removes_the_label_and_notifies(make, clock) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    clock.set(datetime(2026, 10, 8, 9, 0, tzinfo=CST))
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="corrected", reasons="金额有误，已更正",
                          corrections={str(record): {"summary": "罚款已更正"}})
    view = _view(p, objection_id)
    assert view.status == "decided" and view.outcome == "corrected" and UNIT in (view.source or "")
    assert _open_labels(p, record) == []
    statuses = {d.key: d.status for d in view.duties}
    assert statuses == {"objection.label": "done", "objection.decide": "done", "objection.notify": "done"}
    (notice,) = view.notices
    assert notice.kind == "objection_result" and notice.facts["outcome"] == "corrected"
    assert notice.facts["source"][0]["unit"] == UNIT and notice.facts["cites"]["objection.decide"]
    with p.sessions() as s:
        row = s.get(Record, record)
        assert row.current_version == 2
        payload = s.scalar(select(RecordVersion.payload).where(RecordVersion.record_id == record,
                                                               RecordVersion.version == 2))
        assert payload["summary"] == "罚款已更正"


def test_transfer_and_the_providing_units_decision(make, clock) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record], route="provider")
    assert {d.key for d in _view(p, objection_id).duties} >= {"objection.transfer"}
    clock.set(datetime(2026, 10, 8, 9, 0, tzinfo=CST))
    with p.unit_of_work(OPERATOR) as uow:
        objections.transfer(uow, objection_id)
    view = _view(p, objection_id)
    provider = next(d for d in view.duties if d.key == "objection.provider_decide")
    assert provider.owner == "providing_unit" and provider.owner_org == UNIT
    assert provider.due == p.calendar.due(date(2026, 10, 8), 3, "working_days").due
    assert next(d for d in view.duties if d.key == "objection.transfer").status == "done"
    assert [lab.provider_due for lab in _open_labels(p, record)] == [provider.due]
    with p.sessions() as s:                                    # the unit sees it; another unit does not
        assert [v.id for v in objections.list_objections(p, s, unit_code=UNIT)] == [objection_id]
        with pytest.raises(Refusal) as refused:
            objections.get_objection(p, s, objection_id, unit_code="other-unit")
        assert refused.value.status == 404
    with pytest.raises(Refusal), p.unit_of_work(Actor(Role.providing_unit, "t", "other-unit")) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="x", unit_code="other-unit")
    with p.unit_of_work(UNIT_ACTOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="经核查信息属实", unit_code=UNIT)
    view = _view(p, objection_id)
    assert view.status == "decided" and _open_labels(p, record) == []
    assert next(d for d in view.duties if d.key == "objection.provider_decide").status == "done"
    assert view.notices[0].facts["decided_by"] == "providing_unit"


def test_not_corrected_needs_reasons(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    with pytest.raises(Refusal) as refused, p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons=" ")
    assert refused.value.reason == "reasons_required"


def test_a_clerk_deciding_from_a_stale_page_gets_a_conflict(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    seen = _view(p, objection_id).version                      # both clerks opened the same page
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="信息属实", version=seen)
    with pytest.raises(Refusal) as refused, p.unit_of_work(Actor(Role.operator, "user:2")) as uow:
        objections.decide(uow, objection_id, outcome="corrected", reasons="更正", version=seen)
    assert refused.value.status == 409 and refused.value.reason == "conflict"
    assert _view(p, objection_id).outcome == "not_corrected"


def test_two_clerks_deciding_at_once_one_decision_stands(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def clerk(name: str, outcome: str) -> None:
        barrier.wait()
        try:
            with p.unit_of_work(Actor(Role.operator, name)) as uow:
                objections.decide(uow, objection_id, outcome=outcome, reasons=f"{name} 的决定")
            results[name] = "ok"
        except Refusal as exc:
            results[name] = f"{exc.status}"

    threads = [threading.Thread(target=clerk, args=("a", "not_corrected")),
               threading.Thread(target=clerk, args=("b", "supplemented"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["409", "ok"]
    view = _view(p, objection_id)
    winner = "a" if results["a"] == "ok" else "b"
    assert view.reasons == f"{winner} 的决定" and len(view.notices) == 1


def test_refusal_cancels_the_handling_duties_and_removes_the_labels(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    with p.unit_of_work(OPERATOR) as uow:
        objections.refuse(uow, objection_id, reasons="无正当理由")
    view = _view(p, objection_id)
    assert view.status == "refused" and _open_labels(p, record) == []
    statuses = {d.key: d.status for d in view.duties}
    assert statuses["objection.decide"] == "cancelled" and statuses["objection.notify"] == "done"
    assert view.notices[0].facts["outcome"] == "refused"


def test_reexamination_by_the_competent_department_where_provided(make, clock) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    with p.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="信息属实")
    with p.unit_of_work(Actor(Role.subject, "user:9")) as uow:
        objections.request_reexamination(uow, objection_id, subject_id=subject)
    view = _view(p, objection_id)
    reexamine = next(d for d in view.duties if d.key == "objection.reexamine")
    assert view.status == "reexamination" and reexamine.owner == "competent_department"
    with p.unit_of_work(DEPARTMENT) as uow:
        objections.decide_reexamination(uow, objection_id, outcome="upheld", reasons="维持")
    view = _view(p, objection_id)
    assert view.status == "closed" and [n.kind for n in view.notices] == ["objection_result", "reexamination_result"]


def test_reexamination_is_refused_with_the_regulation_where_it_provides_none(make) -> None:
    g = make("gansu-2021")
    subject, (record,) = _seed(g)
    objection_id = _file(g, subject, [record])
    with g.unit_of_work(OPERATOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="信息属实")
    with pytest.raises(Refusal) as refused, g.unit_of_work(OPERATOR) as uow:
        objections.request_reexamination(uow, objection_id)
    assert refused.value.reason == "reexamination_not_provided" and "甘肃" in refused.value.message_zh


def test_pause_only_the_duties_the_rule_file_lists(make, clock) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    objection_id = _file(p, subject, [record])
    with p.unit_of_work(OPERATOR) as uow:
        paused = objections.pause(uow, objection_id, reason="expert_review")
    statuses = {d.key: d.status for d in _view(p, objection_id).duties}
    assert statuses["objection.decide"] == "suspended" and statuses["objection.notify"] == "suspended"
    assert len(paused) == 2
    with p.unit_of_work(OPERATOR) as uow:
        objections.resume(uow, objection_id)
    assert {d.status for d in _view(p, objection_id).duties} == {"done", "open"}


def test_pause_is_refused_with_the_article_where_the_rule_file_lists_no_duty(make) -> None:
    s = make("shanghai-2017")
    subject, (record,) = _seed(s)
    objection_id = _file(s, subject, [record])
    with pytest.raises(Refusal) as refused, s.unit_of_work(OPERATOR) as uow:
        objections.pause(uow, objection_id, reason="expert_review")
    assert refused.value.reason == "pause_not_allowed"


def test_evidence_is_stored_with_its_digest_and_limited(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    file = objections.Evidence("撤销决定.pdf", "application/pdf", b"%PDF-1.4 test")
    objection_id = _file(p, subject, [record], evidence=[file])
    (stored,) = _view(p, objection_id).evidence
    assert stored["size"] == len(file.content) and len(stored["sha256"]) == 64
    big = objections.Evidence("big.bin", "application/octet-stream", b"0" * (objections.EVIDENCE_BYTES_MAX + 1))
    with pytest.raises(Refusal) as refused, p.unit_of_work(OPERATOR) as uow:
        objections.add_evidence(uow, objection_id, [big])
    assert refused.value.reason == "file_too_large"


def test_forwarding_corrections_is_a_right_only_where_the_rule_file_gives_it(make) -> None:
    p = make("chongqing-2021")
    subject, (record,) = _seed(p)
    with pytest.raises(Refusal) as refused:
        _file(p, subject, [record], forward_to_recipients=True)
    assert refused.value.reason == "not_provided"


def test_forwarding_corrections_is_recorded_under_beijing_37(make) -> None:
    b = make("beijing-draft")
    subject, (record,) = _seed(b)
    objection_id = _file(b, subject, [record], forward_to_recipients=True)
    assert _view(b, objection_id).forward_to_recipients is True


def test_every_transition_is_in_the_ledger_without_the_grounds(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    grounds = "秘密理由：我的手机号码"
    objection_id = _file(p, subject, [record], grounds=grounds, route="provider")
    with p.unit_of_work(OPERATOR) as uow:
        objections.transfer(uow, objection_id)
    with p.unit_of_work(UNIT_ACTOR) as uow:
        objections.decide(uow, objection_id, outcome="not_corrected", reasons="核实无误", unit_code=UNIT)
    with p.sessions() as s:
        entries = s.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
    actions = [e.action for e in entries]
    for action in ("objection.filed", "objection.labelled", "objection.transferred", "objection.decided",
                   "objection.label_removed", "notice.issued", "duty.opened", "duty.done"):
        assert action in actions, action
    facts = [json.dumps(e.facts_dict(), ensure_ascii=False) for e in entries]
    assert not any(grounds in f or "核实无误" in f for f in facts)


def test_received_in_the_future_is_refused(make) -> None:
    p = make()
    subject, (record,) = _seed(p)
    with pytest.raises(Refusal) as refused:
        _file(p, subject, [record], received=datetime(2030, 1, 1, tzinfo=UTC))
    assert refused.value.reason == "received_in_future"


def test_the_cli_files_lists_decides_and_keeps_the_json_contract(monkeypatch, settings, platform) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from xinyong.cli import app
    from xinyong.settings import reset_settings

    subject, (record, other) = _seed(platform, records=2)
    monkeypatch.setenv("XINYONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINYONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("XINYONG_JURISDICTION", settings.jurisdiction)
    reset_settings()
    runner = CliRunner()
    try:
        filed = runner.invoke(app, ["objections", "file", "--subject", str(subject), "--record", str(record),
                                    "--record", f"{UNIT}/{_key(platform, other)}", "--grounds", "处罚已撤销",
                                    "--received", "2026-09-30T10:00:00", "--json"])
        assert filed.exit_code == 0, filed.output
        data = _last_json(filed.output)
        assert data["status"] == "received" and data["received_on"] == "2026-09-30"
        assert data["duties"] and all({"key", "owner", "due", "provisional", "cite", "status"} <= set(d)
                                      for d in data["duties"])
        assert {d["key"] for d in data["duties"]} >= {"objection.label", "objection.decide", "objection.notify"}
        listed = runner.invoke(app, ["objections", "list", "--status", "received", "--json"])
        assert [o["id"] for o in _last_json(listed.output)] == [data["id"]]
        refused = runner.invoke(app, ["objections", "decide", str(data["id"]), "--outcome", "not_corrected"])
        assert refused.exit_code == 2 and "reasons" in refused.output
        decided = runner.invoke(app, ["objections", "decide", str(data["id"]), "--outcome", "corrected",
                                      "--reasons", "已更正", "--correct", f"{record}:summary=更正后", "--json"])
        assert decided.exit_code == 0, decided.output
        shown = _last_json(runner.invoke(app, ["objections", "show", str(data["id"]), "--json"]).output)
        assert shown["status"] == "decided" and shown["outcome"] == "corrected"
        assert shown["notices"][0]["kind"] == "objection_result"
        if platform.rulebook.get(platform.jurisdiction).has("objection.reexamine"):
            asked = runner.invoke(app, ["objections", "reexamination", str(data["id"]), "--json"])
            assert asked.exit_code == 0, asked.output
            assert _last_json(asked.output)["status"] == "reexamination"
            wrong = runner.invoke(app, ["objections", "reexamination-decide", str(data["id"]), "--outcome", "maybe",
                                        "--reasons", "x"])
            assert wrong.exit_code == 2 and "upheld" in wrong.output
            upheld = runner.invoke(app, ["objections", "reexamination-decide", str(data["id"]), "--outcome",
                                         "upheld", "--reasons", "经复核维持", "--json"])
            assert upheld.exit_code == 0, upheld.output
            closed = _last_json(upheld.output)
            assert closed["status"] == "closed" and closed["reexamination"]["outcome"] == "upheld"
        unknown = runner.invoke(app, ["objections", "show", "999", "--json"])
        assert unknown.exit_code == 2
    finally:
        reset_settings()


def _key(p: Platform, record_id: int) -> str:
    with p.sessions() as s:
        return s.get(Record, record_id).record_key


def _last_json(output: str):  # type: ignore[no-untyped-def]
    return json.loads(output.strip().splitlines()[-1])
