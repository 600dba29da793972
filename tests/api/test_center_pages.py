"""The center's administration pages (issue 14 part 1): providing units and their granted items, credit
service institutions and their agreements, the inquiry log's retention purge; by labels in the page's
language, each step through the same services as the CLI and in the audit ledger."""

from __future__ import annotations

import re

from stdnum.cn import uscc
from test_batch_pages import _sign_in
from test_catalog_pages import _post
from test_portal_pages import csrf_of, demo, ledger_count, text_of  # noqa: F401 - the demo data fixture

INSTITUTION = "91500000MA6ABC12" + "3"
INSTITUTION = INSTITUTION[:17] + uscc.calc_check_digit(INSTITUTION[:17])


def test_units_and_their_items(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "operator")
    page = client.get("/staff/units?lang=zh")
    assert page.status_code == 200 and "市市场监督管理局" in page.text and "行政机关" in page.text
    assert "administrative_organ" not in text_of(page.text)
    before = ledger_count(demo)
    made = _post(client, "/staff/units", page.text, name_zh="示范区生态环境局", name_en="Ecology Bureau",
                 code="ecology-bureau", kind="administrative_organ")
    assert 'id="unit-ecology-bureau"' in made.text and "已办理" in made.text
    granted = _post(client, "/staff/units/ecology-bureau/grant", made.text, item="admin_penalty")
    unit = granted.text.split('id="unit-ecology-bureau"')[1].split("</article>")[0]
    assert '<span class="badge">行政处罚信息</span>' in unit
    revoked = _post(client, "/staff/units/ecology-bureau/revoke", granted.text, item="admin_penalty")
    unit = revoked.text.split('id="unit-ecology-bureau"')[1].split("</article>")[0]
    assert '<span class="badge">行政处罚信息</span>' not in unit
    suspended = _post(client, "/staff/units/ecology-bureau/suspend", revoked.text)
    assert 'id="unit-ecology-bureau" data-active="no"' in suspended.text
    assert ledger_count(demo) >= before + 4
    taken = _post(client, "/staff/units", suspended.text, name_zh="重复", code="ecology-bureau",
                  kind="administrative_organ")
    assert taken.status_code == 422 and "已被使用" in taken.text


def test_institutions_and_agreements(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "operator")
    page = client.get("/staff/institutions?lang=zh")
    assert page.status_code == 200
    bad = _post(client, "/staff/institutions", page.text, name="示范征信有限公司", code="91500000MA6ABC1230",
                filing_kind="filing", filing_number="渝征备〔2026〕1号", filed_with="中国人民银行重庆分行",
                filed_on="2026-01-05")
    assert bad.status_code == 422 and 'id="rr-refusal"' in bad.text
    made = _post(client, "/staff/institutions", page.text, name="示范征信有限公司", code=INSTITUTION,
                 filing_kind="filing", filing_number="渝征备〔2026〕1号", filed_with="中国人民银行重庆分行",
                 filed_on="2026-01-05")
    assert f'id="institution-{INSTITUTION}"' in made.text and "备案" in made.text
    agreed = _post(client, f"/staff/institutions/{INSTITUTION}/agreements", made.text, number="XY-2026-01",
                   scope=["admin_penalty"], purposes=["loan_review"], valid_from="2026-01-01",
                   valid_until="2026-12-31")
    row = agreed.text.split('class="agreement"')[1].split("</tr>")[0]
    assert "行政处罚信息" in row and "信贷审批" in row and "有效" in row
    agreement = re.search(r'data-agreement="(\d+)"', agreed.text).group(1)
    unconfirmed = _post(client, f"/staff/agreements/{agreement}/terminate", agreed.text)
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.text
    ended = _post(client, f"/staff/agreements/{agreement}/terminate", agreed.text, confirm="yes")
    assert "无效" in ended.text.split('class="agreement"')[1].split("</tr>")[0]


def test_the_inquiry_log_retention_and_purge(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "operator")
    page = client.get("/staff/inquiry-log?lang=zh")
    assert page.status_code == 200 and 'id="retention"' in page.text
    purged = _post(client, "/staff/inquiry-log/purge", page.text)
    assert purged.status_code == 200 and 'id="purge-result"' in purged.text


def test_only_the_center(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "market-clerk")
    for path in ("/staff/units", "/staff/institutions", "/staff/inquiry-log"):
        assert client.get(path).status_code == 403
