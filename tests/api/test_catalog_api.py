"""``/api/v1/catalog``: the published catalog (public) and the lifecycle (operators only)."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.domain.catalog.items import item_to_dict
from xinyong.domain.catalog.law import AssessmentGround
from xinyong.domain.identity.actors import Actor
from xinyong.services import catalog
from xinyong.services.demo import catalog as demo_catalog
from xinyong.services.identity import accounts as auth

ACTOR = Actor.system("test")
BASE = demo_catalog._read("_base.yaml")


@pytest.fixture
def operator(platform) -> dict[str, str]:
    with platform.unit_of_work(ACTOR) as uow:
        user = auth.create_user(uow, username="center-operator", role="operator")
        token = auth.issue_token(uow, user, label="tests")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def loaded(platform):
    return demo_catalog.load_catalog(platform)


def item_body(code: str, allowed_by: str, **changes) -> dict:
    return item_to_dict(demo_catalog.build_item({"use": code, "allowed_by": allowed_by, **changes}, BASE))


def assert_error_shape(response, status: int, reason: str) -> dict:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert set(detail) == {"field", "reason", "message_zh", "message_en"}
    assert detail["reason"] == reason and detail["message_zh"] and detail["message_en"]
    return detail


def test_no_catalog_in_force_is_a_clear_404(client):
    assert_error_shape(client.get("/api/v1/catalog"), 404, "not_in_force")


def test_the_published_catalog_in_force_is_public(client, loaded, platform):
    body = client.get("/api/v1/catalog").json()
    assert body["jurisdiction"] == platform.jurisdiction
    assert body["version"]["number"] == 2 and body["version"]["state"] == "in_force"
    codes = {i["code"] for i in body["items"]}
    assert "volunteer_service" in codes and "admin_penalty" in codes
    penalty = next(i for i in body["items"] if i["code"] == "admin_penalty")
    assert penalty["category_zh"] == "失信信息" and penalty["allowed_by"]
    assert {u["code"] for u in penalty["providing_units"]} >= {"market-regulation", "tax-bureau"}

    earlier = client.get("/api/v1/catalog", params={"on": "2024-06-01"}).json()
    assert earlier["version"]["number"] == 1
    assert "volunteer_service" not in {i["code"] for i in earlier["items"]}


def test_an_item_as_the_version_in_force_on_a_date_defines_it(client, loaded):
    found = client.get("/api/v1/catalog/items/admin_penalty").json()
    assert found["item"]["code"] == "admin_penalty" and found["version"]["number"] == 2
    assert_error_shape(client.get("/api/v1/catalog/items/volunteer_service", params={"on": "2024-06-01"}),
                       404, "not_in_force")
    assert_error_shape(client.get("/api/v1/catalog/items/horoscope"), 404, "not_in_catalog")


def test_versions_and_history_are_public_but_drafts_are_not(client, loaded, operator):
    created = client.post("/api/v1/catalog/versions", headers=operator,
                          json={"title_zh": "目录（2026年版）", "title_en": "Catalog (2026)",
                                "reason": "修订"})
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    public = client.get("/api/v1/catalog/versions").json()["versions"]
    assert [v["state"] for v in public] == ["superseded", "in_force"]
    assert len(client.get("/api/v1/catalog/versions", headers=operator).json()["versions"]) == 3
    assert_error_shape(client.get(f"/api/v1/catalog/versions/{draft_id}"), 404, "version_not_found")
    first = client.get(f"/api/v1/catalog/versions/{public[0]['id']}").json()
    assert first["assessments"] and first["comments"]
    assert all("commenter" not in c for c in first["comments"])           # names only to operators
    seen_by_operator = client.get(f"/api/v1/catalog/versions/{public[0]['id']}", headers=operator).json()
    assert all("commenter" in c for c in seen_by_operator["comments"])


def test_operator_endpoints_need_an_operator(client, platform):
    assert_error_shape(client.post("/api/v1/catalog/versions", json={"title_zh": "x", "title_en": "x"}),
                       401, "sign_in_required")
    with platform.unit_of_work(ACTOR) as uow:
        user = auth.create_user(uow, username="a-department", role="duty_department")
        token = auth.issue_token(uow, user)
    response = client.post("/api/v1/catalog/versions", headers={"Authorization": f"Bearer {token}"},
                           json={"title_zh": "x", "title_en": "x"})
    assert_error_shape(response, 403, "role_not_allowed")


def test_the_lifecycle_through_the_api(client, platform, operator):
    j = platform.jurisdiction
    cite = {"chongqing-2021": "Art. 18(1)(2)", "shanghai-2017": "Art. 9(2)(4)", "gansu-2021": "Art. 14(1)(2)",
            "hubei-2017-draft": "Art. 10(1)(2)", "beijing-draft": "Art. 12(2)"}.get(j, "National catalog")
    penalty = item_body("admin_penalty", cite)
    if j in ("gansu-2021", "hubei-2017-draft", "national"):
        penalty.update(display_rule="display.penalty.general", counts_from_field="document_date")
    if j == "beijing-draft":
        penalty.update(counts_from_field="document_date")

    version = client.post("/api/v1/catalog/versions", headers=operator,
                          json={"title_zh": "目录", "title_en": "Catalog", "reason": "依法编制"}).json()
    vid = version["id"]
    assert version["state"] == "draft"
    added = client.post(f"/api/v1/catalog/versions/{vid}/items", headers=operator, json=penalty)
    assert added.status_code == 201, added.text
    assert_error_shape(client.post(f"/api/v1/catalog/versions/{vid}/items", headers=operator, json=penalty),
                       409, "item_exists")
    bad = dict(penalty, allowed_by="Art. 9999") if j != "national" else dict(penalty, subject_kinds=["alien"])
    refused = client.put(f"/api/v1/catalog/versions/{vid}/items/admin_penalty", headers=operator, json=bad)
    assert refused.status_code == 422 and refused.json()["detail"]["reason"] in ("cite_not_in_text",
                                                                                  "unknown_subject_kind")
    malformed = client.post(f"/api/v1/catalog/versions/{vid}/items", headers=operator,
                            json={**penalty, "category": "gossip"})
    assert malformed.status_code == 422

    assert_error_shape(client.post(f"/api/v1/catalog/versions/{vid}/approve", headers=operator,
                                   json={"approved_by": "市人民政府"}), 409, "comment_required")
    opened = client.post(f"/api/v1/catalog/versions/{vid}/open-comment", headers=operator,
                         json={"opened_on": "2025-09-01", "closes_on": "2025-09-30"})
    # The regulation in force decides which grounds require an assessment (catalog.assessment.*): a new
    # untrustworthiness item reduces rights; an "amend" comment below makes opinions diverge.
    law = catalog.catalog_law(platform.rulebook, j, date(2025, 10, 20))
    assert opened.json()["state"] == "public_comment"
    assert opened.json()["assessment_required"] == (AssessmentGround.rights_reduced in law.assessment)
    comment = client.post(f"/api/v1/catalog/versions/{vid}/comments", headers=operator,
                          json={"received_on": "2025-09-10", "commenter_kind": "expert", "stance": "amend",
                                "body": "建议分级公示", "item_code": "admin_penalty"})
    assert comment.status_code == 201, comment.text

    required = law.required((AssessmentGround.rights_reduced, AssessmentGround.opinions_diverge))
    if required:
        detail = assert_error_shape(client.post(f"/api/v1/catalog/versions/{vid}/approve", headers=operator,
                                                json={"approved_by": "市人民政府", "approved_on": "2025-10-20"}),
                                    409, "assessment_required")
        assert all(law.assessment[g] in detail["message_en"] for g in required)
    # Held either way: where the regulation requires none, an assessment may still be recorded.
    assessed = client.post(f"/api/v1/catalog/versions/{vid}/assessments", headers=operator,
                           json={"held_on": "2025-10-10", "experts": ["专家甲"], "groups_heard": ["企业代表"],
                                 "conclusion": "同意"})
    assert assessed.status_code == 201, assessed.text
    approved = client.post(f"/api/v1/catalog/versions/{vid}/approve", headers=operator,
                           json={"approved_by": "市人民政府", "approved_on": "2025-10-20",
                                 "document": "演示"})
    assert approved.json()["state"] == "approved"
    in_force = client.post(f"/api/v1/catalog/versions/{vid}/in-force", headers=operator,
                           json={"in_force_from": "2025-11-01"})
    assert in_force.json()["state"] == "in_force", in_force.text

    published = client.get("/api/v1/catalog", params={"on": "2025-11-01"}).json()
    assert [i["code"] for i in published["items"]] == ["admin_penalty"]
    assert_error_shape(client.get("/api/v1/catalog", params={"on": "2025-10-31"}), 404, "not_in_force")
    assert_error_shape(client.post("/api/v1/catalog/versions/999999/approve", headers=operator,
                                   json={"approved_by": "x"}), 404, "version_not_found")


def test_the_openapi_document_lists_the_catalog(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/catalog" in paths and "/api/v1/catalog/versions/{version_id}/in-force" in paths


def test_a_draft_item_declares_how_each_text_field_handles_personal_data(client, platform, operator):
    cite = {"chongqing-2021": "Art. 18(1)(2)", "shanghai-2017": "Art. 9(2)(4)", "gansu-2021": "Art. 14(1)(2)",
            "hubei-2017-draft": "Art. 10(1)(2)", "beijing-draft": "Art. 12(2)"}.get(platform.jurisdiction,
                                                                                 "National catalog")
    penalty = item_body("admin_penalty", cite)
    if platform.jurisdiction in ("gansu-2021", "hubei-2017-draft", "national"):
        penalty.update(display_rule="display.penalty.general", counts_from_field="document_date")
    if platform.jurisdiction == "beijing-draft":
        penalty.update(counts_from_field="document_date")
    for field in penalty["fields"]:
        if field["type"] == "text":
            field["personal_data"] = "mask"
    vid = client.post("/api/v1/catalog/versions", headers=operator,
                      json={"title_zh": "目录", "title_en": "Catalog", "reason": "依法编制"}).json()["id"]
    added = client.post(f"/api/v1/catalog/versions/{vid}/items", headers=operator, json=penalty)
    assert added.status_code == 201, added.text
    shown = client.get(f"/api/v1/catalog/versions/{vid}", headers=operator).json()
    fields = next(i for i in shown["items"] if i["code"] == "admin_penalty")["fields"]
    declared = {f["name"]: f.get("personal_data", "refuse") for f in fields if f["type"] == "text"}
    assert declared and set(declared.values()) == {"mask"}
    enum_field = next(f for f in penalty["fields"] if f["type"] == "enum")
    enum_field["personal_data"] = "name"
    refused = client.put(f"/api/v1/catalog/versions/{vid}/items/admin_penalty", headers=operator, json=penalty)
    assert refused.status_code == 422 and refused.json()["detail"]["reason"] == "bad_personal_data"
