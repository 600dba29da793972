"""Written notices as JSON, HTML (Chinese and English, no internal codes) and PDF (a real PDF, the
fonts embedded, the Chinese text extractable), the subject's own only; the compliance monitor's API
and portal page by role; the fixed clock's banner."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from access_seed import Seed
from xinyong.domain.identity.actors import Actor, Role
from xinyong.services import duties, notices
from xinyong.services.identity import accounts as auth
from xinyong.services.platform.bootstrap import Platform

SYSTEM = Actor.system("test")
PASSWORD = "correct horse battery"  # noqa: S105 - a test password
FACTS = {
    "outcome": "not_corrected", "reasons": "处罚决定书内容与归集信息一致",
    "source": {"unit_name_zh": "市场监督管理局", "unit_name_en": "Market Regulation Bureau", "item_code": "penalty"},
    "records": [{"unit_code": "market-regulation", "record_key": "CF-2025-001"}],
    "cites": {"objection.decide": "CQ Art. 40"}, "dates": {"received": "2026-03-02", "decided": "2026-03-05"},
    "remedy": {"zh": "如对处理结果有异议，可以向社会信用主管部门申请复核。",
               "en": "You may ask the competent department to re-examine the result.", "cite": "CQ Art. 40"},
}


def _notice(platform: Platform, subject_id: int) -> int:
    with platform.unit_of_work(SYSTEM) as uow:
        return notices.issue(uow, kind="objection_result", matter_kind="objection", matter_id=7,
                             subject_id=subject_id, facts=FACTS).id


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_subject_reads_its_own_notice_as_json_html_and_pdf(client, platform: Platform) -> None:
    from pypdf import PdfReader

    seed = Seed(platform)
    mine, other = seed.subject("natural_person", "王小明"), seed.subject("natural_person", "李四")
    _actor, token = seed.user(Role.subject, subject_id=mine, token=True)
    own, theirs = _notice(platform, mine), _notice(platform, other)
    listed = client.get("/api/v1/me/notices", headers=_bearer(token))
    assert listed.status_code == 200 and [n["id"] for n in listed.json()] == [own]
    assert listed.json()[0]["read_at"] is None and listed.json()[0]["delivered_via"] == "portal"
    opened = client.get(f"/api/v1/me/notices/{own}", headers=_bearer(token)).json()
    assert opened["read_at"] and opened["facts"]["outcome"] == "not_corrected"
    for path in (f"/api/v1/me/notices/{theirs}", f"/api/v1/me/notices/{theirs}.pdf",
                 f"/api/v1/me/notices/{theirs}.html"):
        assert client.get(path, headers=_bearer(token)).status_code == 404
    zh = client.get(f"/api/v1/me/notices/{own}.html", headers=_bearer(token))
    en = client.get(f"/api/v1/me/notices/{own}.html?lang=en", headers=_bearer(token))
    assert zh.status_code == en.status_code == 200
    assert "异议处理结果告知书" in zh.text and "不予更正" in zh.text and "市场监督管理局" in zh.text
    assert "CQ Art. 40" in zh.text and "复核" in zh.text and "王小明" in zh.text and "重庆" in zh.text
    assert "Notice of the Result of an Objection" in en.text and "Not corrected" in en.text
    assert "Market Regulation Bureau" in en.text and "re-examine" in en.text
    for page in (zh.text, en.text):    # no internal codes
        assert not re.search(r"not_corrected|objection_result|objection\.decide|platform_operator", page)
    pdf = client.get(f"/api/v1/me/notices/{own}.pdf", headers=_bearer(token))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "异议处理结果告知书" in text and "不予更正" in text
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].get_object().values()
             if "/BaseFont" in f.get_object()}
    assert any("CJK" in f for f in fonts), fonts
    en_pdf = client.get(f"/api/v1/me/notices/{own}.pdf?lang=en", headers=_bearer(token))
    assert "Not corrected" in PdfReader(io.BytesIO(en_pdf.content)).pages[0].extract_text()


def test_operator_reads_any_notice_a_department_none(client, platform: Platform) -> None:
    seed = Seed(platform)
    subject = seed.subject("natural_person", "王小明")
    notice_id = _notice(platform, subject)
    _op, op_token = seed.user(Role.operator, token=True)
    _dep, dep_token = seed.user(Role.competent_department, organisation="dept", token=True)
    assert client.get(f"/api/v1/notices/{notice_id}", headers=_bearer(op_token)).json()["id"] == notice_id
    assert client.get(f"/api/v1/notices/{notice_id}.pdf", headers=_bearer(op_token)).content.startswith(b"%PDF-")
    assert client.get(f"/api/v1/notices/{notice_id}", headers=_bearer(dep_token)).status_code == 403
    assert client.get(f"/api/v1/notices/{notice_id}").status_code == 401
    assert client.get("/api/v1/me/notices", headers=_bearer(op_token)).status_code == 403


def _violation(platform: Platform) -> None:
    with platform.unit_of_work(SYSTEM) as uow:
        duties.open_duty(uow, matter_kind="objection", matter_id=1, key="objection.decide",
                         owner=duties.Owner.platform_operator, owner_org=None, starts=date(2025, 3, 3))
    from xinyong.services.compliance import sweep
    sweep(platform)


def test_compliance_api_by_role(client, platform: Platform) -> None:
    seed = Seed(platform)
    _violation(platform)
    _dep, dep_token = seed.user(Role.competent_department, organisation="dept", token=True)
    _sub, sub_token = seed.user(Role.subject, subject_id=seed.subject("natural_person", "王小明"), token=True)
    monitor = client.get("/api/v1/compliance", headers=_bearer(dep_token))
    assert monitor.status_code == 200
    [v] = monitor.json()["violations"]
    assert v["key"] == "objection.decide" and v["cite"] and v["liability"]
    assert client.get("/api/v1/compliance", headers=_bearer(sub_token)).status_code == 403
    assert client.get("/api/v1/compliance").status_code == 401
    # overdue: the sweep marked it; still open and past due
    overdue = client.get("/api/v1/duties?overdue=true", headers=_bearer(dep_token)).json()
    assert [(d["key"], d["status"]) for d in overdue] == [("objection.decide", "overdue")]


def _sign_in(client, platform: Platform, role: Role, subject_id: int | None = None) -> None:
    from xinyong.store.models.auth import User

    with platform.unit_of_work(SYSTEM) as uow:
        user = auth.create_user(uow, username=f"u{role.value}", role=role, password=PASSWORD,
                                organisation="dept" if role is Role.competent_department else None,
                                subject_id=subject_id)
        if subject_id is not None:
            row = uow.session.get(User, user.id)
            row.real_name_verified_at, row.real_name_method = platform.clock.now(), "demo"
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text).group(1)
    response = client.post("/login", data={"username": f"u{role.value}", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303


def test_portal_compliance_page_with_charts_in_both_languages(client, platform: Platform) -> None:
    _violation(platform)
    _sign_in(client, platform, Role.competent_department)
    zh = client.get("/staff/compliance")
    assert zh.status_code == 200 and "合规监测" in zh.text and "<svg" in zh.text and 'id="chart-by-article"' in zh.text
    en = client.get("/staff/compliance?lang=en")
    assert "Compliance monitor" in en.text and "Platform operator" in en.text
    for page in (zh.text, en.text):
        body = page.split("<main>")[1]
        assert "objection.decide" not in body and "platform_operator" not in body


def test_portal_subject_sees_its_notices_and_downloads_the_pdf(client, platform: Platform) -> None:
    seed = Seed(platform)
    mine = seed.subject("natural_person", "王小明")
    notice_id = _notice(platform, mine)
    _sign_in(client, platform, Role.subject, subject_id=mine)
    listed = client.get("/me/notices")
    assert listed.status_code == 200 and "异议处理结果告知书" in listed.text and "未读" in listed.text
    page = client.get(f"/me/notices/{notice_id}?lang=en")
    assert page.status_code == 200 and "Not corrected" in page.text
    assert "Unread" not in client.get("/me/notices?lang=en").text
    pdf = client.get(f"/me/notices/{notice_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    other = _notice(platform, seed.subject("natural_person", "李四"))
    assert client.get(f"/me/notices/{other}").status_code == 404
    assert client.get("/staff/compliance").status_code == 403


def test_fixed_clock_banner_on_every_page(settings, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    fixed = Platform.from_settings(settings.model_copy(update={"clock": datetime.fromisoformat(
        "2026-09-30T10:00:00+08:00"), "sweep_seconds": 0}))
    try:
        with TestClient(create_app(fixed)) as c:
            for path in ("/", "/catalog", "/login"):
                page = c.get(path)
                assert 'id="clock-banner"' in page.text and "2026-09-30 10:00" in page.text
            assert "Fixed clock" in c.get("/?lang=en").text
    finally:
        fixed.engine.dispose()


def test_without_pango_the_pdf_is_a_503_that_points_to_the_html(client, platform: Platform, monkeypatch) -> None:
    """WeasyPrint raises OSError at import when the system's Pango is missing (`make run` without root):
    the download answers 503 naming the HTML version, as a page on the portal and as JSON on the API."""
    import builtins

    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    seed = Seed(platform)
    mine = seed.subject("natural_person", "王小明")
    notice_id = _notice(platform, mine)
    operator_token = seed.user(Role.operator, token=True)[1]
    monkeypatch.setattr(builtins, "__import__", no_pango)
    api = client.get(f"/api/v1/notices/{notice_id}.pdf", headers=_bearer(operator_token))
    assert api.status_code == 503 and api.json()["detail"]["reason"] == "pdf_unavailable"
    assert "HTML" in api.json()["detail"]["message_zh"] and "HTML" in api.json()["detail"]["message_en"]
    _sign_in(client, platform, Role.subject, subject_id=mine)
    page = client.get(f"/me/notices/{notice_id}.pdf")
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "HTML 版本" in page.text
    monkeypatch.setattr(builtins, "__import__", real_import)
    assert client.get(f"/me/notices/{notice_id}").status_code == 200
