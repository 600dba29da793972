"""Every demo account has records worth seeing (issue 14 part 5): 张明 signs in and finds his own penalty and
his commendation on /me; the company he represents shows its penalties, permits and commendation to the
public."""

from __future__ import annotations

from test_portal_pages import csrf_of, demo  # noqa: F401 - the demo data fixture

from xinyong.services.demo.loader import demo_password


def test_zhang_ming_sees_his_penalty_and_his_commendation(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = client.get("/login")
    signed_in = client.post("/login", data={"username": "zhangming", "password": demo_password(),
                                            "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert signed_in.status_code == 303
    me = client.get("/me?lang=zh").text
    assert "示市监罚〔2025〕118号" in me                     # his own penalty (the standard file)
    assert "2024年度示范区诚信建设先进个人" in me            # and his commendation


def test_the_company_he_represents_has_a_history_worth_listing(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    records = client.get("/api/v1/public/organisations/91500000MA5U0AB10L/records").json()["records"]
    items = {r["item_code"] for r in records}
    assert {"admin_penalty", "admin_permit", "commendation"} <= items
    assert sum(r["item_code"] == "admin_penalty" for r in records) >= 2


def test_each_kind_of_record_says_what_it_means(client, demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = client.get("/public/organisations/91500000MA5U0AB10L?lang=zh").text
    penalty = page.split('data-item="admin_penalty"')[1].split("</article>")[0]
    commendation = page.split('data-item="commendation"')[1].split("</article>")[0]
    registration = page.split('data-item="enterprise_registration"')[1].split("</article>")[0]
    assert "这条信息是什么意思？" in penalty and "失信信息：依据行政处罚决定书" in penalty
    assert "守信信息：表彰奖励" in commendation and "失信信息" not in commendation.split("这条信息")[1]
    assert "基础信息：登记注册" in registration
    english = client.get("/public/organisations/91500000MA5U0AB10L?lang=en").text
    assert "What does this record mean?" in english and "Untrustworthiness information: a violation" in english
