"""A providing unit's pages (issue 14 part 1): its batches with their counts and verification, an upload with
the row errors in a table and the error report to download, its API tokens; the operator's view of every
unit's batches and the verification; in Chinese and English, CSRF-protected, refusals as pages."""

from __future__ import annotations

import re

import pytest
from test_portal_pages import csrf_of, demo, text_of  # noqa: F401 - the demo data fixture

from xinyong.services.demo.loader import demo_password

GOOD = ("item,record_key,identifier,subject_name,document_kind,document_number,document_date,document_issuer,"
        "penalty_kinds,fine_amount,violation_facts,legal_basis,simplified_procedure,slight_or_harm_eliminated,"
        "conduct_ended,prior_notice_reference\n"
        "admin_penalty,UP-1,91500000MA5U0AB10L,示范建设工程有限公司,administrative_penalty_decision,示市监罚〔2026〕501号,"
        "2026-03-10,示范区市场监督管理局,fine,3000,未按规定公示年度报告。,《企业信息公示暂行条例》第十八条,否,否,2026-03-01,"
        "示市监告〔2025〕1号\n"
        "admin_penalty,UP-2,91500000MA5U0AB10X,示范建设工程有限公司,administrative_penalty_decision,示市监罚〔2026〕502号,"
        "2026-03-10,示范区市场监督管理局,fine,3000,未按规定公示年度报告。,《企业信息公示暂行条例》第十八条,否,否,2026-03-01,\n")


def _sign_in(client, username: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    done = client.post("/login", data={"username": username, "password": demo_password(),
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303


def test_a_unit_uploads_a_file_and_reads_its_refused_rows(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "market-clerk")
    assert "/staff/batches" in client.get("/staff").text
    listing = client.get("/staff/batches?lang=zh")
    assert listing.status_code == 200 and "standard-penalties.csv" in listing.text
    form = client.get("/staff/batches/new?lang=zh")
    assert form.status_code == 200 and "上传并校验" in form.text
    sent = client.post("/staff/batches", data={"csrf_token": csrf_of(form.text), "key": "portal-1"},
                       files={"file": ("my-penalties.csv", GOOD.encode("utf-8"), "text/csv")},
                       follow_redirects=False)
    assert sent.status_code == 303
    batch = int(re.search(r"/staff/batches/(\d+)", sent.headers["location"]).group(1))
    page = client.get(f"/staff/batches/{batch}?lang=zh&done=uploaded")
    text = text_of(page.text)
    assert "文件已接收并逐行校验" in text and "my-penalties.csv" in text
    assert re.search(r'id="batch-accepted">1\b', page.text) and re.search(r'id="batch-rejected">1\b', page.text)
    assert 'class="row-error" data-code="identifier_invalid"' in page.text and "校验" in text
    assert "主体标识" in text and "identifier" not in text       # the field by its label, not its code
    report = client.get(f"/staff/batches/{batch}/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert "identifier_invalid" in report.content.decode("utf-8-sig")
    english = client.get(f"/staff/batches/{batch}?lang=en").text
    assert "Refused rows" in english and "subject identifier" in english
    again = client.post("/staff/batches", data={"csrf_token": csrf_of(form.text), "key": "portal-1"},
                        files={"file": ("my-penalties.csv", GOOD.encode("utf-8"), "text/csv")},
                        follow_redirects=True)
    assert "此前已提交过" in again.text or "submitted before" in again.text


def test_an_upload_without_a_file_or_a_token_is_refused_as_a_page(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "market-clerk")
    form = client.get("/staff/batches/new?lang=zh")
    empty = client.post("/staff/batches", data={"csrf_token": csrf_of(form.text)},
                        files={"file": ("", b"", "text/csv")})
    assert empty.status_code == 422 and "请选择要上传的文件" in empty.text and "<html" in empty.text
    forged = client.post("/staff/batches", data={"csrf_token": "0" * 64},
                         files={"file": ("a.csv", GOOD.encode(), "text/csv")})
    assert forged.status_code == 403


def test_the_operator_sees_every_units_batches_and_records_the_verification(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "operator")
    listing = client.get("/staff/batches?lang=zh").text
    assert "市市场监督管理局" in listing and "市发展和改革委员会" in listing       # every unit's batches
    batch = re.search(r'data-batch="(\d+)"', listing).group(1)
    awaiting = client.get("/staff/batches?awaiting=true&lang=zh").text
    assert f'data-batch="{batch}"' in awaiting and "待核查" in awaiting
    page = client.get(f"/staff/batches/{batch}?lang=zh")
    assert 'id="verify-form"' in page.text
    done = client.post(f"/staff/batches/{batch}/verify", data={"csrf_token": csrf_of(page.text)},
                       follow_redirects=True)
    assert done.status_code == 200 and "已登记核查" in done.text and 'id="verify-form"' not in done.text
    assert f'data-batch="{batch}"' not in client.get("/staff/batches?awaiting=true").text   # verified: off the queue
    assert client.get("/staff/batches/new").status_code == 403                 # only a unit uploads


@pytest.mark.parametrize("who, status", [("zhangming", 403), (None, 303)])
def test_others_do_not_see_batches(client, demo, who, status) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    if who:
        _sign_in(client, who)
    assert client.get("/staff/batches", follow_redirects=False).status_code == status


def test_a_unit_issues_and_revokes_a_token_after_confirming(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "market-clerk")
    page = client.get("/staff/tokens?lang=zh")
    issued = client.post("/staff/tokens", data={"csrf_token": csrf_of(page.text), "label": "业务系统",
                                                "scopes": ["submit", "batches.read"]})
    assert issued.status_code == 201
    token = re.search(r'id="token-value">([^<]+)<', issued.text).group(1)
    assert "离开本页后将无法再次查看该令牌" in issued.text
    assert client.get("/api/v1/submissions/1", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    credential = re.search(r'data-token="(\d+)"', issued.text).group(1)
    unconfirmed = client.post(f"/staff/tokens/{credential}/revoke", data={"csrf_token": csrf_of(issued.text)})
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.text
    revoked = client.post(f"/staff/tokens/{credential}/revoke",
                          data={"csrf_token": csrf_of(issued.text), "confirm": "yes"}, follow_redirects=True)
    assert "令牌已吊销" in revoked.text and token not in revoked.text
    assert client.get("/api/v1/submissions/1", headers={"Authorization": f"Bearer {token}"}).status_code == 401
