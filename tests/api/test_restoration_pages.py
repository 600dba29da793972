"""The portal pages of credit restoration and revocation (``xinyong.portal.restoration_pages``): the
subject applies from ``/me`` and follows the steps with their due dates in Chinese and English (labels,
never internal codes), an ineligible application shows why with its article, the providing unit grants
it and the record leaves ``/me``; the unit reports a revocation and the record leaves the public pages;
another subject or unit can neither see nor decide (pages, never JSON)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from access_seed import UNIT, Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services import revocation
from xinyong.services.disclosure import resolve_record
from xinyong.services.identity import accounts as auth
from xinyong.store.models.auth import User

EVE = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)     # the eve of the National Day holiday
SETUP = Actor.system("restoration-pages-test")
PASSWORD = "correct horse battery"  # noqa: S105 - a test password
CODES = ("restoration.decide", "restoration.remove", "revocation.delete", "received", "providing_unit",
         "platform_operator", "deciding_organ", "state_rule_pending", "granted", "erased")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _account(platform, role: Role, *, organisation: str | None = None,  # type: ignore[no-untyped-def]
             subject_id: int | None = None) -> str:
    name = f"u{secrets.token_hex(4)}"
    with platform.unit_of_work(SETUP) as uow:
        user = auth.create_user(uow, username=name, role=role, password=PASSWORD, organisation=organisation,
                                subject_id=subject_id)
        if subject_id is not None:
            row = uow.session.get(User, user.id)
            row.real_name_verified_at, row.real_name_method = platform.clock.now(), "demo"
    return name


def _signed_in(client, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    browser = TestClient(client.app)
    page = browser.get("/login")
    done = browser.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text)},
                        follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


def _html(response) -> str:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    return response.text


@pytest.fixture
def world(platform, client, clock):  # type: ignore[no-untyped-def]
    clock.set(EVE)
    seed = Seed(platform).catalog()
    org = seed.subject("legal_person", "示范修复公司")
    other = seed.subject("legal_person", "他人公司")
    tokens = {k: "CANARY" + secrets.token_hex(5).upper() for k in ("restored", "revoked", "other")}
    records = {k: seed.record(org if k != "other" else other, "public_penalty", {"summary": f"处罚事实 {t}"},
                              conduct_ended=date(2025, 1, 1), decision_date=date(2025, 1, 1))
               for k, t in tokens.items()}
    permit = seed.record(org, "admin_permit", {"summary": "许可"})
    users = {"subject": _account(platform, Role.subject, subject_id=org),
             "other_subject": _account(platform, Role.subject, subject_id=other),
             "unit": _account(platform, Role.providing_unit, organisation=UNIT),
             "other_unit": _account(platform, Role.providing_unit, organisation="other-unit"),
             "operator": _account(platform, Role.operator)}
    return {"seed": seed, "org": org, "other": other, "tokens": tokens, "records": records, "permit": permit,
            "users": users}


def test_subject_applies_follows_the_steps_and_the_unit_grants(platform, client, world) -> None:  # type: ignore[no-untyped-def]
    rid, token = world["records"]["restored"], world["tokens"]["restored"]
    me = _signed_in(client, world["users"]["subject"])
    own = _html(me.get("/me"))
    assert token in own and f'href="/me/restorations/new?record={rid}"' in own
    assert f"/me/restorations/new?record={world['permit']}" not in own      # not untrustworthiness information

    form = _html(me.get(f"/me/restorations/new?record={rid}"))
    shown = _text(form)
    assert "申请信用修复" in shown and "不收取任何费用" in shown and "信用承诺书" in shown and "须提交" in shown
    assert "Order No. 36" in shown                                          # the article requiring the letter
    assert token not in form                                                # the form names the record, not its content
    # without the commitment letter the rule file requires: refused on the page, with the article
    refused = me.post("/me/restorations", data={"record": str(rid), "commitment": "", "csrf_token": _csrf(form)})
    assert refused.status_code == 422
    assert "申请未能提交" in _text(_html(refused)) and "Order No. 36" in refused.text
    # filed
    filed = me.post("/me/restorations", data={"record": str(rid), "commitment": "已履行处罚决定，承诺守信。",
                                              "csrf_token": _csrf(form)}, follow_redirects=False)
    assert filed.status_code == 303, filed.text
    page_url = filed.headers["location"].split("?")[0]
    zh = _html(me.get(filed.headers["location"]))
    shown = _text(zh)
    assert "申请已提交" in shown and "办理中" in shown
    assert "认定部门对信用修复申请作出决定的期限" in shown                       # the duty by its label
    assert re.search(r"\d{4}-\d{2}-\d{2} 前", shown) and "个工作日" in shown    # due date and countdown
    assert "信息提供单位" in shown
    assert [c for c in CODES if c in zh] == []
    en = _text(_html(me.get(page_url + "?lang=en")))
    assert "The deciding department decides on a restoration application" in en and "working days" in en
    assert "Being handled" in en and "Providing unit" in en
    listed = _text(_html(me.get("/me/restorations?lang=zh")))
    assert "办理中" in listed
    # another subject sees neither the application nor the record's form
    nosy = _signed_in(client, world["users"]["other_subject"])
    assert nosy.get(page_url).status_code == 404 and "没有找到" in _text(_html(nosy.get(page_url)))
    assert nosy.get(f"/me/restorations/new?record={rid}").status_code == 404
    assert "没有找到" in _text(_html(nosy.get(f"/me/restorations/new?record={rid}")))
    assert nosy.get("/staff/restorations").status_code == 403
    # another unit: not in its queue, may not decide
    app_id = int(page_url.rsplit("/", 1)[1])
    stranger = _signed_in(client, world["users"]["other_unit"])
    queue = _html(stranger.get("/staff/restorations"))
    assert f'id="restoration-{app_id}"' not in queue
    decided = stranger.post(f"/staff/restorations/{app_id}/decide",
                            data={"decision": "grant", "reasons": "x", "csrf_token": _csrf(queue)})
    assert decided.status_code == 404 and "没有编号为" in _text(_html(decided))
    # the subject may not decide its own application
    assert me.post(f"/staff/restorations/{app_id}/decide", data={"decision": "grant", "reasons": "x",
                                                                 "csrf_token": _csrf(zh)}).status_code == 403
    # the unit: its queue, by due date, with the decision form; a grant needs reasons
    unit = _signed_in(client, world["users"]["unit"])
    queue = _html(unit.get("/staff/restorations"))
    assert f'id="restoration-{app_id}"' in queue and "准予修复" in queue and "不予修复" in queue
    assert [c for c in CODES if c in _text(queue)] == []
    empty = unit.post(f"/staff/restorations/{app_id}/decide",
                      data={"decision": "refuse", "reasons": " ", "csrf_token": _csrf(queue)})
    assert empty.status_code == 422 and "请填写决定理由" in _text(_html(empty))
    granted = unit.post(f"/staff/restorations/{app_id}/decide",
                        data={"decision": "grant", "reasons": "已履行处罚决定", "csrf_token": _csrf(queue)},
                        follow_redirects=False)
    assert granted.status_code == 303
    assert "已准予修复" in _text(_html(unit.get(granted.headers["location"])))
    # the record has left /me; the application shows the decision, the reasons and the notice
    assert token not in me.get("/me").text
    done = _text(_html(me.get(page_url)))
    assert "准予修复" in done and "已履行处罚决定" in done and "信用修复决定告知书" in done
    assert re.search(r'href="/me/notices/\d+', me.get(page_url).text)
    # and the decision cannot be made twice
    again = unit.post(f"/staff/restorations/{app_id}/decide",
                      data={"decision": "refuse", "reasons": "x", "csrf_token": _csrf(queue)})
    assert again.status_code == 409 and "决定未能作出" in _text(_html(again))


def test_ineligible_record_shows_the_reason_with_its_article(platform, client, world) -> None:  # type: ignore[no-untyped-def]
    org, seed = world["org"], world["seed"]
    me = _signed_in(client, world["users"]["subject"])
    permit = _text(_html(me.get(f"/me/restorations/new?record={world['permit']}")))
    assert "该信息目前不能申请信用修复" in permit and "信用修复只适用于失信信息" in permit
    if platform.rulebook.get(platform.jurisdiction).has("display.penalty.general"):
        young = seed.record(org, "tiered_penalty", document_date=date(2026, 8, 1))
        page = me.get(f"/me/restorations/new?record={young}")
        shown = _text(_html(page))
        assert page.status_code == 422 and "最短公示期限至 2026-11-01 届满" in shown
        assert "restoration-form" not in page.text
        en = _text(_html(me.get(f"/me/restorations/new?record={young}&lang=en")))
        assert "the minimum publicity period ends on 2026-11-01" in en


def test_unit_reports_a_revocation_and_the_record_leaves_the_public_pages(platform, client, world) -> None:  # type: ignore[no-untyped-def]
    org, rid, token = world["org"], world["records"]["revoked"], world["tokens"]["revoked"]
    assert token in client.get(f"/public/organisations/{org}").text
    with platform.sessions() as session:
        key = resolve_record(session, rid).record_key
    # a subject may not report; another unit may not report this unit's record
    me = _signed_in(client, world["users"]["subject"])
    assert me.get("/staff/revocations/new").status_code == 403
    stranger = _signed_in(client, world["users"]["other_unit"])
    form = _html(stranger.get("/staff/revocations/new"))
    refused = stranger.post("/staff/revocations", data={"record": f"{UNIT}/{key}", "grounds": "court",
                                                        "basis": "判决书", "csrf_token": _csrf(form)})
    assert refused.status_code == 403 and "只有提供该信息的单位" in _text(_html(refused))
    # the unit: grounds as labelled choices, the record by its key
    unit = _signed_in(client, world["users"]["unit"])
    form = _html(unit.get("/staff/revocations/new"))
    assert all(label in form for label in ("决定机关撤销", "复议撤销", "法院撤销", "变更"))
    made = unit.post("/staff/revocations", data={"record": key, "grounds": "court", "basis": "（2026）渝01行终1号判决",
                                                 "csrf_token": _csrf(form)}, follow_redirects=False)
    assert made.status_code == 303, made.text
    result = _html(unit.get(made.headers["location"]))
    shown = _text(result)
    assert "该信息已停止公示和查询" in shown and "内容已删除" in shown and "法院撤销" in shown and "已撤销" in shown
    assert "收到据以认定失信的文书被撤销的通知后删除相关信息的期限" in shown
    assert [c for c in CODES if c in result] == []
    with platform.sessions() as session:
        duty = revocation.get_revocation(platform, session, int(made.headers["location"].rsplit("/", 1)[1]),
                                         Actor(Role.operator, "test")).duties[0]
    en = _text(_html(unit.get(made.headers["location"] + "?lang=en")))
    if duty["basis"] == "state_rule_pending":
        assert "国家规定的期限；尚未配置" in shown and "the State's time limit; none configured" in en
    else:
        assert duty["due"] and f"{duty['due']} 前" in shown
    # gone from the public pages and from the subject's own record
    assert token not in client.get(f"/public/organisations/{org}").text
    assert token not in me.get("/me").text
    # another unit cannot see the result; a second report is refused on the page
    assert stranger.get(made.headers["location"]).status_code == 404
    twice = unit.post("/staff/revocations?lang=zh", data={"record": key, "grounds": "court", "basis": "x",
                                                  "csrf_token": _csrf(form)})
    assert twice.status_code == 409 and "已经报告" in _text(_html(twice))


def test_the_operator_sees_every_application(platform, client, world) -> None:  # type: ignore[no-untyped-def]
    me = _signed_in(client, world["users"]["subject"])
    form = _html(me.get(f"/me/restorations/new?record={world['records']['restored']}"))
    assert me.post("/me/restorations", data={"record": str(world["records"]["restored"]), "commitment": "承诺",
                                             "csrf_token": _csrf(form)}, follow_redirects=False).status_code == 303
    operator = _signed_in(client, world["users"]["operator"])
    queue = _html(operator.get("/staff/restorations"))
    assert "全部信用修复申请" in queue and "decide-form" in queue
    assert _signed_in(client, world["users"]["other_unit"]).get("/staff/restorations").text.count(
        'class="card restoration"') == 0
    # the public is sent to sign in; a form without a CSRF token changes nothing
    assert client.get("/staff/restorations", follow_redirects=False).status_code in (302, 303, 307)
    assert operator.post("/staff/revocations", data={"record": "1", "grounds": "court", "basis": "x"}).status_code \
        == 403
