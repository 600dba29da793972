"""Issue 16 part 3, done when: an individual business's penalty, imported as a department sends it (the
national double-publicity layout, through the normal import with the demo catalog), appears on the public
double-publicity API and page and on the organisation page under the business's name, and the operator's
name and identity number appear nowhere public (the API, the pages, the search); the operator's own
account sees them, and so does a duty inquiry. A business registered under the operator's bare name
shows masked; a search by the operator's name does not find the business."""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select
from test_portal_pages import PASSWORD, duty_purpose, sign_in

from xinyong.domain.identity.actors import Actor, Role
from xinyong.services.aggregation import batches
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.disclosure import inquiry
from xinyong.services.identity import accounts as auth
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.subjects import Subject, SubjectIdentifier

UNIT = "market-regulation"
SHOP = ("孙磊小吃店", "92500103MA5UQ7N2XF", "孙磊", "500103198002142352", "示市监罚〔2026〕201号")
BARE = ("周秀英", "92500108MA60K3P9YL", "周秀英", "500108199306151326", "示市监罚〔2026〕202号")
ORGAN = ("示范区市场监督管理局", "115000000098765435")
PERSONAL = (SHOP[2], SHOP[3], BARE[3], "周秀英")


def _header() -> list[str]:
    text = resources.files("xinyong.demo").joinpath("files/standard-penalties.csv").read_text(encoding="utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


def _row(header: list[str], business: tuple[str, ...]) -> list[str]:
    name, uscc, operator, number, document = business
    values = {"行政相对人名称": name, "行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": uscc,
              "法定代表人": operator, "法定代表人证件类型": "身份证", "法定代表人证件号码": number,
              "行政处罚决定书文号": document, "违法行为类型": "无证经营",
              "违法事实": "经查，当事人存在上述违法行为，事实清楚，证据确凿。",
              "处罚依据": "《中华人民共和国行政处罚法》第九条", "处罚类别": "罚款", "处罚内容": "罚款0.2万元",
              "罚款金额（万元）": "0.2", "处罚决定日期": "2026/03/02", "处罚有效期": "2026/09/02",
              "处罚机关": ORGAN[0], "处罚机关统一社会信用代码": ORGAN[1], "数据来源单位": ORGAN[0],
              "数据来源单位统一社会信用代码": ORGAN[1]}
    return [values.get(column, "") for column in header]


@pytest.fixture
def imported(platform: Platform, tmp_path: Path) -> Platform:
    load_catalog(platform)
    header = _header()
    path = tmp_path / "penalties.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(_row(header, SHOP))
        writer.writerow(_row(header, BARE))
    summary = batches.import_file(platform, Actor(Role.providing_unit, "test", UNIT), UNIT, path, key="ib-1")
    assert (summary.accepted, summary.rejected) == (2, 0), summary.errors
    return platform


def _subject_id(platform: Platform, uscc: str) -> int:
    with platform.sessions() as session:
        subject = session.scalar(select(Subject).join(SubjectIdentifier).where(SubjectIdentifier.value == uscc))
        assert subject is not None and subject.kind == "individual_business"
        return subject.id


def _no_personal_data(text: str, where: str) -> None:
    leaked = [p for p in PERSONAL if p in text]
    assert leaked == [], (where, leaked)


def test_the_penalty_is_public_under_the_business_name_and_the_operator_is_not(client, imported) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/v1/public/double-publicity", params={"kind": "penalty"})
    assert api.status_code == 200
    entries = {e["record"]["fields"]["document_number"]: e for e in api.json()}
    shop, bare = entries[SHOP[4]], entries[BARE[4]]
    assert shop["organisation"]["kind"] == "individual_business"
    assert shop["organisation"]["name"] == "孙*小吃店"         # the operator's name inside the trade name
    assert bare["organisation"]["name"] == "周**"               # registered under the operator's bare name
    assert shop["decided_on"] == "2026-03-02"
    assert shop["record"]["fields"]["legal_representative"] == "孙*"
    # Kept for duty inquiries and the upstream platform only: not even its masked shape is public.
    assert "legal_representative_id_number" not in shop["record"]["fields"]
    assert "500103********2352" not in api.text
    _no_personal_data(api.text, "API double publicity")

    for lang in ("zh", "en"):
        page = client.get("/public/double-publicity", params={"kind": "penalty", "lang": lang})
        assert page.status_code == 200 and SHOP[4] in page.text and "孙*小吃店" in page.text
        _no_personal_data(page.text, f"double publicity page ({lang})")
        assert "500103********2352" not in page.text
        org = client.get(f"/public/organisations/{SHOP[1]}", params={"lang": lang})
        assert org.status_code == 200 and SHOP[4] in org.text and "孙*小吃店" in org.text
        assert 'class="publicity-until">2029-03-02' in org.text       # decided 2026-03-02: Order 58, general
        assert ("公示截止期" if lang == "zh" else "Public until") in org.text
        _no_personal_data(org.text, f"organisation page ({lang})")
        assert "500103********2352" not in org.text
    records = client.get(f"/api/v1/public/organisations/{SHOP[1]}/records")
    assert records.status_code == 200 and records.json()["subject"]["name"] == "孙*小吃店"
    _no_personal_data(records.text, "API organisation records")

    found = client.get("/api/v1/public/organisations", params={"q": "小吃店"}).json()
    assert [(h["name"], h["uscc"]) for h in found] == [("孙*小吃店", SHOP[1])]
    assert client.get("/api/v1/public/organisations", params={"q": BARE[1]}).json()[0]["name"] == "周**"
    for q in (SHOP[2], BARE[0], "周秀"):          # a person's name is no key to the business they run
        assert client.get("/api/v1/public/organisations", params={"q": q}).json() == []
        page = client.get("/public/organisations", params={"q": q})
        assert SHOP[1] not in page.text and BARE[1] not in page.text
    search = client.get("/public/organisations", params={"q": "小吃店"})
    assert SHOP[1] in search.text
    _no_personal_data(search.text, "organisation search page")


def test_the_operator_and_a_duty_inquiry_see_the_operator(client, imported) -> None:  # type: ignore[no-untyped-def]
    shop = _subject_id(imported, SHOP[1])
    with imported.unit_of_work(Actor.system("test")) as uow:
        user = auth.create_user(uow, username="sunlei-shop", role=Role.subject, password=PASSWORD, subject_id=shop)
        user.real_name_verified_at = imported.clock.now()
        user.real_name_method = "demo"
    sign_in(client, "sunlei-shop")
    me = client.get("/me")
    assert me.status_code == 200
    assert SHOP[4] in me.text and SHOP[3] in me.text and SHOP[2] in me.text and SHOP[0] in me.text

    duty = Actor(Role.duty_department, "user:9100", "dept-ib")
    purpose = duty_purpose(imported, "dept-ib")
    result = inquiry.inquire(imported, duty, subject_ref=SHOP[1], mode="duty", purpose=purpose)
    fields = result.records[0].fields
    assert (fields["legal_representative"], fields["legal_representative_id_number"]) == (SHOP[2], SHOP[3])
    assert result.subject is not None and result.subject.name == SHOP[0]
    assert "personal_data_by_duty" in [r.code for r in result.records[0].decision.reasons]

    public = inquiry.inquire(imported, Actor(Role.public, "anonymous"), subject_ref=SHOP[1], mode="lawful_disclosure")
    assert "legal_representative_id_number" not in public.records[0].fields
    assert "duty_only_withheld" in [r.code for r in public.records[0].decision.reasons]


def test_the_legal_representatives_number_travels_upstream_only(imported) -> None:  # type: ignore[no-untyped-def]
    """法定代表人证件号码 is kept for exchange upstream and for duty inquiries: the feed the provincial platform
    reads carries it whole (the receiver's own policy keeps it from its public), while an authorized or
    public inquiry here never receives it, not even masked."""
    from xinyong.services import exchange

    page = exchange.changes_since(imported, Actor(Role.operator, "test"), "penalty", 0)
    rows = {c.row["CF_WSH"]: c.row for c in page.changes if c.op == "upsert" and c.row}
    assert rows[SHOP[4]]["CF_FR_ZJHM"] == SHOP[3] and rows[BARE[4]]["CF_FR_ZJHM"] == BARE[3]
