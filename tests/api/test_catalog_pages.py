"""The catalog's lifecycle on the portal (issue 14 part 1): the center drafts a version, opens the public
comment, records a comment and the assessment; the competent department approves; the center puts it in
force. Each step through the catalog service, shown by its labels in both languages, a refusal as a page
naming the reason (approval before a required assessment)."""

from __future__ import annotations

import re

from test_batch_pages import _sign_in
from test_portal_pages import csrf_of, demo, text_of  # noqa: F401 - the demo data fixture


def _post(client, path: str, page_html: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_of(page_html), **data}, follow_redirects=True)


def test_a_draft_goes_through_comment_assessment_approval_and_into_force(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "operator")
    listing = client.get("/staff/catalog?lang=zh")
    assert listing.status_code == 200 and "施行" in text_of(listing.text)
    made = _post(client, "/staff/catalog", listing.text, title_zh="公共信用信息补充目录（2027年版）",
                 title_en="Supplemental catalog (2027)", proposer="市发展改革委", reason="增列事项。",
                 significant_impact="yes")
    assert made.status_code == 200 and 'data-state="draft"' in made.text
    version = re.search(r'action="/staff/catalog/(\d+)/open-comment"', made.text).group(1)
    opened = _post(client, f"/staff/catalog/{version}/open-comment", made.text)
    assert 'data-state="public_comment"' in opened.text and "公开征求意见" in opened.text
    commented = _post(client, f"/staff/catalog/{version}/comment", opened.text, received_on="2026-03-18",
                      commenter_kind="industry_association", commenter="示范建筑业协会", stance="amend",
                      body="建议区分虚假承诺和客观原因。", item_code="")
    assert "行业协会商会" in commented.text and "建议修改" in commented.text
    assert "industry_association" not in text_of(commented.text)
    assessed = _post(client, f"/staff/catalog/{version}/assessment", commented.text, held_on="2026-03-18",
                     experts="法学专家甲；公共管理专家乙", groups_heard="市场主体代表\n行业协会代表",
                     conclusion="同意。")
    assert "法学专家甲" in assessed.text and "公共管理专家乙" in assessed.text

    # the competent department approves
    client.cookies.clear()
    _sign_in(client, "supervisor")
    assert "/staff/catalog" in client.get("/staff").text
    page = client.get(f"/staff/catalog/{version}?lang=en")
    approved = _post(client, f"/staff/catalog/{version}/approve", page.text, approved_by="Municipal government",
                     approved_on="2026-03-18", document="示府〔2026〕9号")
    assert approved.status_code == 200 and 'data-state="approved"' in approved.text and "approved" in approved.text
    # a start before the version in force began is refused, named, and nothing changes
    too_early = _post(client, f"/staff/catalog/{version}/in-force", approved.text, in_force_from="2020-01-01")
    assert too_early.status_code in (409, 422) and 'id="rr-refusal"' in too_early.text
    assert 'data-state="approved"' in too_early.text
    in_force = _post(client, f"/staff/catalog/{version}/in-force", approved.text, in_force_from="2026-05-01")
    assert 'data-state="approved"' in in_force.text or 'data-state="in_force"' in in_force.text
    assert "2026-05-01" in in_force.text


def test_a_providing_unit_does_not_draft_catalogs(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(client, "market-clerk")
    assert client.get("/staff/catalog").status_code == 403
