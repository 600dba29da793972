"""The exchange's services on one platform (SQLite and PostgreSQL): the feed and its cursor, the upstream
platform's read in the subjects' inquiry logs, a bad change refusing the whole exchange, the peers'
tokens on the API, and the export file with its withdrawals applied by a receiver (the same platform
receiving as from a downstream peer ``city``, whose copies sit under the unit ``peer-city``)."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select
from stdnum.cn import uscc

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services import exchange
from xinyong.services.aggregation import batches
from xinyong.services.aggregation.writer import restore_record
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.demo.loader import load_subjects
from xinyong.services.disclosure.references import resolve_record
from xinyong.store.models.access import InquiryLog

UNIT = "market-regulation"
COMPANY = "91500000MA5U0AB10L"
ORGAN = "11500000MB1234567" + uscc.calc_check_digit("11500000MB1234567")
OPERATOR = Actor(Role.operator, "test")


def _penalty(number: str, facts: str = "销售过期食品。") -> dict[str, str]:
    return {"CF_XDR_MC": "示范建设工程有限公司", "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": COMPANY,
            "CF_FRDB": "张三", "CF_WSH": number, "CF_WFXW": "食品安全", "CF_SY": facts,
            "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条", "CF_CFLB": "罚款", "CF_NR": "罚款人民币五千元",
            "CF_NR_FK": "0.5", "CF_JDRQ": "2026/03/10", "CF_YXQ": "2027/03/09", "CF_CFJG": "示范区市场监督管理局",
            "CF_CFJGDM": ORGAN, "CF_SJLY": "示范区市场监督管理局", "CF_SJLYDM": ORGAN}


@pytest.fixture
def world(platform):  # type: ignore[no-untyped-def]
    load_subjects(platform)
    load_catalog(platform)
    summary = batches.submit_rows(platform, Actor(Role.providing_unit, "clerk", UNIT), UNIT,
                                  [_penalty("渝罚〔2026〕1号"), _penalty("渝罚〔2026〕2号")])
    assert summary.accepted == 2, summary.errors
    return platform


def test_the_feed_sends_penalties_then_withdraws_a_restored_one_under_the_same_key(world) -> None:  # type: ignore[no-untyped-def]
    page = exchange.changes_since(world, OPERATOR, "penalty", 0)
    assert not page.more and page.next > 0
    upserts = {c.row["CF_WSH"]: c for c in page.changes if c.op == "upsert"}
    assert set(upserts) == {"渝罚〔2026〕1号", "渝罚〔2026〕2号"}
    first = upserts["渝罚〔2026〕1号"]
    assert first.key == f"渝罚〔2026〕1号#{COMPANY}" and first.row["CF_NR_FK"] == "0.5"
    assert first.row["CF_XDR_SHXYM"] == COMPANY and first.row["CF_JDRQ"] == "2026/03/10"
    # The upstream platform's read is in the subject's inquiry log, by duty, with its purpose.
    with world.sessions() as session:
        logs = session.scalars(select(InquiryLog).where(InquiryLog.purpose == "platform_exchange")).all()
    assert logs and logs[0].mode == "duty" and logs[0].channel == "export" and logs[0].subject_id is not None

    assert exchange.changes_since(world, OPERATOR, "penalty", page.next).changes == []
    with world.unit_of_work(OPERATOR) as uow:
        record = resolve_record(uow.session, f"{UNIT}/{first.key}")
        restore_record(uow, record.id)
    later = exchange.changes_since(world, OPERATOR, "penalty", page.next)
    assert [(c.op, c.key, c.reason) for c in later.changes] == [("withdraw", first.key, "restored")]
    assert later.changes[0].row is None                    # a withdrawal carries no content
    assert exchange.changes_since(world, OPERATOR, "permit", 0).changes == []   # another layout: nothing

    with pytest.raises(Refusal) as ahead:
        exchange.changes_since(world, OPERATOR, "penalty", later.next + 1000)
    assert ahead.value.reason == "cursor_ahead" and ahead.value.field == "since"
    with pytest.raises(Refusal) as bad:
        exchange.changes_since(world, OPERATOR, "penalty", "-1")
    assert bad.value.reason == "cursor_invalid"
    with pytest.raises(Refusal) as unknown:
        exchange.changes_since(world, OPERATOR, "fines", 0)
    assert unknown.value.reason == "layout_unknown" and "penalty" in unknown.value.message_en


def test_a_bad_change_refuses_the_whole_exchange_and_stores_nothing(world) -> None:  # type: ignore[no-untyped-def]
    with world.unit_of_work(OPERATOR) as uow:
        exchange.add_peer(uow, name="city", relation="downstream", url="http://city.example")
    good = {"seq": 5, "op": "upsert", "layout": "penalty", "key": f"渝罚〔2026〕9号#{COMPANY}",
            "row": _penalty("渝罚〔2026〕9号")}
    with pytest.raises(Refusal) as refused:
        exchange.receive(world, "city", "penalty", 0, 10, [good, {**good, "seq": 6, "op": "delete"}])
    assert refused.value.field == "changes[1].op" and refused.value.reason == "op_unknown"
    assert "seq 6" in refused.value.message_zh and "change 2" in refused.value.message_en
    missing_number = {k: v for k, v in _penalty("渝罚〔2026〕9号").items() if k != "CF_SY"}
    with pytest.raises(Refusal) as incomplete:
        exchange.receive(world, "city", "penalty", 0, 10, [good, {**good, "seq": 7, "row": missing_number}])
    assert incomplete.value.field == "changes[1].row.违法事实" and incomplete.value.reason == "field_required"
    with pytest.raises(Refusal) as out_of_range:
        exchange.receive(world, "city", "penalty", 0, 4, [good])
    assert out_of_range.value.reason == "seq_out_of_range"
    with world.sessions() as session:
        with pytest.raises(Refusal):
            resolve_record(session, f"peer-city/{good['key']}")
    with pytest.raises(Refusal) as gap:
        exchange.receive(world, "city", "penalty", 3, 10, [good])
    assert gap.value.reason == "cursor_gap" and gap.value.status == 409

    applied = exchange.receive(world, "city", "penalty", 0, 10, [good])
    assert applied.upserts == 1 and applied.batch is not None
    again = exchange.receive(world, "city", "penalty", 0, 10, [good])
    assert again.replayed and again.batch["batch"] == applied.batch["batch"]


def test_only_registered_peers_of_the_right_relation_use_the_api(world, client) -> None:  # type: ignore[no-untyped-def]
    with world.unit_of_work(OPERATOR) as uow:
        _, upstream = exchange.add_peer(uow, name="province", relation="upstream")
        _, downstream = exchange.add_peer(uow, name="city", relation="downstream")
    nobody = client.get("/api/v1/exchange/changes", params={"layout": "penalty"})
    assert nobody.status_code == 401 and nobody.headers["www-authenticate"] == "Bearer"
    forged = client.get("/api/v1/exchange/changes", params={"layout": "penalty"},
                        headers={"Authorization": "Bearer xyp_not-a-token"})
    assert forged.status_code == 401 and forged.json()["detail"]["reason"] == "peer_token_invalid"
    wrong_way = client.get("/api/v1/exchange/changes", params={"layout": "penalty"},
                           headers={"Authorization": f"Bearer {downstream}"})
    assert wrong_way.status_code == 403
    pulled = client.get("/api/v1/exchange/changes", params={"layout": "penalty", "since": 0},
                        headers={"Authorization": f"Bearer {upstream}"})
    assert pulled.status_code == 200
    body = pulled.json()
    assert {c["row"]["CF_WSH"] for c in body["changes"]} == {"渝罚〔2026〕1号", "渝罚〔2026〕2号"}
    assert body["more"] is False and body["next"] > 0
    pushed_by_upstream = client.post("/api/v1/exchange/changes", json={"layout": "penalty", "since": 0, "next": 1,
                                                                       "changes": []},
                                     headers={"Authorization": f"Bearer {upstream}"})
    assert pushed_by_upstream.status_code == 403
    with world.unit_of_work(OPERATOR) as uow:
        exchange.remove_peer(uow, "province")
    removed = client.get("/api/v1/exchange/changes", params={"layout": "penalty"},
                         headers={"Authorization": f"Bearer {upstream}"})
    assert removed.status_code == 401


def test_an_exported_file_and_its_withdrawals_are_imported_by_a_receiver(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with world.unit_of_work(OPERATOR) as uow:
        exchange.add_peer(uow, name="city", relation="downstream")
    out = tmp_path / "penalties.csv"
    summary = exchange.export(world, OPERATOR, "penalty", 0, out)
    assert summary["upserts"] == 2 and summary["withdrawals"] == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                       # UTF-8 with a byte-order mark
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "行政相对人名称" and rows[0][2] == "行政相对人代码_1(统一社会信用代码)" and len(rows) == 3
    received = exchange.import_exchange(world, "city", out)
    assert received.upserts == 2
    key = f"渝罚〔2026〕1号#{COMPANY}"
    with world.sessions() as session:
        assert resolve_record(session, f"peer-city/{key}").status == "active"

    with world.unit_of_work(OPERATOR) as uow:
        restore_record(uow, resolve_record(uow.session, f"{UNIT}/{key}").id)
    later = tmp_path / "later.jsonl"
    second = exchange.export(world, OPERATOR, "penalty", summary["next"], later, file_format="jsonl")
    assert second["withdrawals"] == 1 and second["since"] == summary["next"]
    lines = [json.loads(line) for line in (tmp_path / "later.jsonl.withdrawals.jsonl").read_text().splitlines()]
    assert lines[0]["exchange"] == "xinyong" and lines[1]["op"] == "withdraw" and lines[1]["key"] == key
    received = exchange.import_exchange(world, "city", later)
    assert received.withdrawn == 1
    with world.sessions() as session:
        assert resolve_record(session, f"peer-city/{key}").status == "revoked"


def test_an_exchange_is_all_or_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """A change that passes the standard's checks but that this platform's catalog validator refuses (a
    person's identity number written into the facts) refuses the whole exchange: the good change beside it
    is not stored, the cursor stays, and the same range is accepted once the sender fixes the row (the
    batch's idempotency key was not used up by the refusal)."""
    from xinyong.services.exchange import peers

    with world.unit_of_work(OPERATOR) as uow:
        exchange.add_peer(uow, name="city", relation="downstream", url="http://city.example")
    good = {"seq": 3, "op": "upsert", "layout": "penalty", "key": f"渝罚〔2026〕20号#{COMPANY}",
            "row": _penalty("渝罚〔2026〕20号")}
    bad_row = _penalty("渝罚〔2026〕21号", facts="经查，经办人510107197811213459未按规定……")
    bad = {"seq": 4, "op": "upsert", "layout": "penalty", "key": f"渝罚〔2026〕21号#{COMPANY}", "row": bad_row}
    with pytest.raises(Refusal) as refused:
        exchange.receive(world, "city", "penalty", 0, 5, [good, bad])
    assert refused.value.reason == "personal_data_in_text" and refused.value.field.startswith("changes[1]")
    assert "未保存任何内容" in refused.value.message_zh and "nothing was stored" in refused.value.message_en
    with world.sessions() as session:
        with pytest.raises(Refusal):
            resolve_record(session, f"peer-city/{good['key']}")
        assert peers.cursor(session, peers.get_peer(session, "city").id, "penalty", "received") == 0
    fixed = {**bad, "row": _penalty("渝罚〔2026〕21号")}
    applied = exchange.receive(world, "city", "penalty", 0, 5, [good, fixed])
    assert applied.upserts == 2 and not applied.replayed
    with world.sessions() as session:
        assert peers.cursor(session, peers.get_peer(session, "city").id, "penalty", "received") == 5


def test_lists_flow_down_and_their_removal_follows(world) -> None:  # type: ignore[no-untyped-def]
    """The shared lists go the other way from double publicity: a downstream peer reads them from here, an
    upstream peer sends them here (entries in the catalog's fields); a removal upstream is a withdrawal."""
    listed = {"item": "court_enforcement_default", "record_key": "ZX-2026-1", "identifier": COMPANY,
              "subject_name": "示范建设工程有限公司", "document_kind": "court_ruling",
              "document_number": "(2026)渝01执12号", "document_date": "2026-02-01",
              "document_issuer": "市第一中级人民法院",
              "enforcement_case_number": "(2026)渝01执12号", "enforcement_court": "市第一中级人民法院",
              "obligation": "支付货款十万元", "performance_status": "not_performed", "listed_on": "2026-02-10"}
    court = Actor(Role.providing_unit, "clerk", "intermediate-court")
    assert batches.submit_rows(world, court, "intermediate-court", [listed]).accepted == 1
    with world.unit_of_work(OPERATOR) as uow:
        exchange.add_peer(uow, name="city", relation="downstream")
        exchange.add_peer(uow, name="nation", relation="upstream")
    with world.sessions() as session:
        reader = exchange.get_peer(session, "city").actor
    page = exchange.changes_since(world, reader, "court_defaulters", 0)
    [entry] = page.changes
    assert entry.form == "catalog" and entry.row["obligation"] == "支付货款十万元"
    assert entry.key == "intermediate-court/ZX-2026-1"
    with pytest.raises(Refusal) as penalties:        # double publicity is never received from an upstream peer…
        exchange.receive(world, "nation", "penalty", 0, page.next, [])
    assert penalties.value.reason == "peer_relation"
    # …and the same page, as the upstream peer would send it, is received (here, into the unit standing
    # for the upstream platform), then withdrawn when the entry leaves the list there.
    received = exchange.receive(world, "nation", "court_defaulters", 0, page.next, [c.to_dict() for c in page.changes])
    assert received.upserts == 1
    with world.sessions() as session:
        copy = resolve_record(session, "peer-nation/intermediate-court/ZX-2026-1")
        assert copy.status == "active"
    withdrawal = {"seq": page.next + 1, "op": "withdraw", "layout": "court_defaulters",
                  "key": "intermediate-court/ZX-2026-1", "reason": "restored"}
    gone = exchange.receive(world, "nation", "court_defaulters", page.next, page.next + 1, [withdrawal])
    assert gone.withdrawn == 1
    with world.sessions() as session:
        assert resolve_record(session, "peer-nation/intermediate-court/ZX-2026-1").status == "revoked"
