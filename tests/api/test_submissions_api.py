"""``/api/v1/submissions``: units submit rows and files with their own token, retry safely, see only their
own batches, and download error reports that cannot turn into formulas."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from xinyong.domain.identity.actors import Actor
from xinyong.domain.subjects.identifiers import uscc_check_character
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.identity import accounts as auth
from xinyong.services.identity import units

SYSTEM = Actor.system("test")


def uscc(n: int) -> str:
    base = f"91500000{n:09d}"
    return base + uscc_check_character(base)


def penalty(n: int, **changes: str) -> dict[str, str]:
    row = {"item": "admin_penalty", "record_key": f"CF-{n}", "identifier": uscc(n),
           "subject_name": f"示范企业{n}",
           "document_kind": "administrative_penalty_decision", "document_number": f"罚〔2025〕{n}号",
           "document_date": "2025-04-01", "document_issuer": "市市场监督管理局", "penalty_kinds": "fine",
           "violation_facts": "未按规定公示年度报告。", "legal_basis": "《企业信息公示暂行条例》第十八条",
           "simplified_procedure": "否", "slight_or_harm_eliminated": "否"}
    row.update(changes)
    return row


@pytest.fixture
def tokens(platform) -> dict[str, str]:  # type: ignore[no-untyped-def]
    load_catalog(platform)
    with platform.unit_of_work(SYSTEM) as uow:
        market = units.issue_token(uow, "market-regulation").token
        tax = units.issue_token(uow, "tax-bureau").token
        read_only = units.issue_token(uow, "market-regulation", scopes=["batches.read"]).token
        operator = auth.create_user(uow, username="operator", role="operator")
        operator_token = auth.issue_token(uow, operator)
    return {"market": market, "tax": tax, "read_only": read_only, "operator": operator_token}


def bearer(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def test_rows_are_submitted_and_a_retry_gets_the_same_answer(client,
    tokens) -> None:  # type: ignore[no-untyped-def]
    body = {"rows": [penalty(1), penalty(2), penalty(3, item="nope")]}
    first = client.post("/api/v1/submissions", json=body, headers=bearer(tokens["market"], "b-1"))
    assert first.status_code == 201, first.text
    answer = first.json()
    assert (answer["accepted"], answer["rejected"], answer["replayed"]) == (2, 1, False)
    assert answer["errors"][0] | {"message_zh": "", "message_en": ""} == {
        "row": 3, "field": "item", "code": "item_unknown", "message_zh": "", "message_en": ""}
    again = client.post("/api/v1/submissions", json=body, headers=bearer(tokens["market"], "b-1"))
    assert again.status_code == 200
    assert again.json() | {"replayed": False} == answer
    other = client.post("/api/v1/submissions", json={"rows": [penalty(9)]}, headers=bearer(tokens["market"],
                        "b-1"))
    assert other.status_code == 409
    assert other.json()["detail"]["reason"] == "idempotency_conflict"


def test_a_unit_token_is_required_with_the_right_scope(client,
                                                       tokens) -> None:  # type: ignore[no-untyped-def]
    body = {"rows": [penalty(1)]}
    assert client.post("/api/v1/submissions", json=body).status_code == 401
    assert client.post("/api/v1/submissions", json=body, headers=bearer("xyp_forged")).status_code == 401
    assert client.post("/api/v1/submissions", json=body,
                       headers=bearer(tokens["operator"])).status_code == 401
    refused = client.post("/api/v1/submissions", json=body, headers=bearer(tokens["read_only"]))
    assert refused.status_code == 403 and refused.json()["detail"]["reason"] == "scope_missing"
    # A unit submits only the items granted to it (BJ 11).
    tax = client.post("/api/v1/submissions", json={"rows": [penalty(1, item="admin_permit")]},
                      headers=bearer(tokens["tax"]))
    assert tax.status_code == 201 and tax.json()["errors"][0]["code"] == "unit_not_granted"


def test_units_see_only_their_own_batches(client, tokens) -> None:  # type: ignore[no-untyped-def]
    batch = client.post("/api/v1/submissions", json={"rows": [penalty(1)]},
                        headers=bearer(tokens["market"])).json()["batch"]
    own = client.get(f"/api/v1/submissions/{batch}", headers=bearer(tokens["read_only"]))
    assert own.status_code == 200 and own.json()["unit"] == "market-regulation"
    assert own.json()["verify_due"] is None          # the default test jurisdiction sets no time limit
    for path in (f"/api/v1/submissions/{batch}", f"/api/v1/submissions/{batch}/errors.csv"):
        assert client.get(path, headers=bearer(tokens["tax"])).status_code == 404
    assert client.get(f"/api/v1/submissions/{batch}", headers=bearer(tokens["operator"])).status_code == 200
    assert client.get(f"/api/v1/submissions/{batch}").status_code == 401
    assert client.get("/api/v1/submissions/999999", headers=bearer(tokens["market"])).status_code == 404


def test_the_error_report_downloads_without_formulas(client, tokens) -> None:  # type: ignore[no-untyped-def]
    hostile = penalty(1, **{"=HYPERLINK(\"http://evil\")": "x", "@cmd": "y"})
    batch = client.post("/api/v1/submissions", json={"rows": [hostile, penalty(2, item="=1+1")]},
                        headers=bearer(tokens["market"])).json()["batch"]
    report = client.get(f"/api/v1/submissions/{batch}/errors.csv", headers=bearer(tokens["market"]))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "field", "code", "message_zh", "message_en"]
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'@cmd" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    sheet = client.get(f"/api/v1/submissions/{batch}/errors.xlsx", headers=bearer(tokens["market"]))
    assert sheet.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content))
    values = [c for row in workbook.active.iter_rows(min_row=2) for c in row]
    assert values and all(c.data_type != "f" for c in values)
    assert not any(isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")) for c in values)


def _csv_bytes(rows: list[dict[str, str]], encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_file_is_uploaded_as_one_batch(client, tokens,
                                         encoding: str) -> None:  # type: ignore[no-untyped-def]
    content = _csv_bytes([penalty(1), penalty(2), penalty(3, document_number="")], encoding)
    response = client.post("/api/v1/submissions/files", headers=bearer(tokens["market"]),
                           files={"file": ("penalties.csv", content, "text/csv")})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["source"], answer["filename"], answer["accepted"], answer["rejected"]) == (
        "csv", "penalties.csv", 2, 1)
    assert answer["errors"][0]["code"] == "legal_document_missing"
    again = client.post("/api/v1/submissions/files", headers=bearer(tokens["market"]),
                        files={"file": ("renamed.csv", content, "text/csv")})
    assert again.status_code == 200 and again.json()["batch"] == answer["batch"]


def test_a_hostile_upload_is_refused_and_stores_nothing(client,
                                                        tokens) -> None:  # type: ignore[no-untyped-def]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (16 << 20))
    response = client.post("/api/v1/submissions/files", headers=bearer(tokens["market"]),
                           files={"file": ("bomb.xlsx", bomb.getvalue(), "application/octet-stream")})
    assert response.status_code == 422 and response.json()["detail"]["reason"] == "archive"
    junk = client.post("/api/v1/submissions/files", headers=bearer(tokens["market"]),
                       files={"file": ("junk.csv", b"\xff\xfe\x00\x81" * 50, "text/csv")})
    assert junk.status_code == 422 and junk.json()["detail"]["reason"] == "encoding"
    assert client.get("/api/v1/submissions/1", headers=bearer(tokens["market"])).status_code == 404


def test_notices_consents_and_verification(client, tokens) -> None:  # type: ignore[no-untyped-def]
    notice = client.post("/api/v1/submissions/prior-notices", headers=bearer(tokens["market"]), json={
        "identifier": uscc(1), "subject_name": "示范企业1", "item": "admin_penalty", "reference": "告知-1",
        "served_on": "2026-03-01"})
    assert notice.status_code == 201, notice.text
    consent = client.post("/api/v1/submissions/consents", headers=bearer(tokens["market"]), json={
        "identifier": uscc(1), "reference": "同意-1", "categories": ["income"], "given_on": "2026-03-01"})
    assert consent.status_code == 422 and consent.json()["detail"]["reason"] == "not_natural_person"
    batch = client.post("/api/v1/submissions", json={"rows": [penalty(1)]},
                        headers=bearer(tokens["market"])).json()["batch"]
    assert client.post(f"/api/v1/submissions/{batch}/verify",
                       headers=bearer(tokens["market"])).status_code == 403
    verified = client.post(f"/api/v1/submissions/{batch}/verify", headers=bearer(tokens["operator"]))
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
