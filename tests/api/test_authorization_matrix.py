"""The authorization matrix, generated: every role × endpoint × mode × subject kind × authorization
state, against an expected outcome computed independently from a small table (not from the policy
code). Zero unexpected allows, zero unexpected denials, and every denial logged with its reason.

Run under a regulation with a duty purpose list and the natural-person rule (the one abbreviated GS).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from access_seed import Seed, uscc
from xinyong.domain.identity.actors import Role
from xinyong.store.models.access import Authorization, InquiryLog

TODAY = date(2026, 3, 18)
PURPOSE = "administrative_permit"        # a listed duty purpose (GS 25)
AUTH_PURPOSE = "loan_review"
CLASSES = ("public", "shared", "authorized")
ITEM_OF_CLASS = {"public": "public_penalty", "shared": "shared_arrears", "authorized": "private_detail"}
KINDS = ("natural_person", "legal_person")
MODES = ("lawful_disclosure", "duty", "self", "authorized")
AUTH_STATES = ("none", "valid", "expired", "revoked", "other_grantee", "out_of_scope")
ROLES = ("public", "subject_own", "subject_other", "providing_unit", "duty_department", "service_institution",
         "operator", "competent_department", "administrator")
ENDPOINTS = ("inquiry", "explain", "public_records")

# ---------------------------------------------------------------------------------------------
# The expected outcome, from the law as a table (CQ 22, GS 23-25, HB 17-19, SH 17)
# ---------------------------------------------------------------------------------------------
# mode: (roles that may use it, the disclosure classes it reaches, whether natural persons are reached)
EXPECTED_MODE = {
    "lawful_disclosure": (set(ROLES), {"public"}, False),
    "duty": ({"duty_department", "operator", "competent_department"}, {"public", "shared"}, True),
    "self": ({"subject_own"}, {"public", "shared", "authorized"}, True),
    "authorized": ({"service_institution", "duty_department", "providing_unit", "operator",
                    "competent_department"}, {"public", "shared", "authorized"}, True),
}
# authorization state: which classes an authorized inquiry then reaches (None: the request is refused)
EXPECTED_AUTH = {"none": None, "valid": set(CLASSES), "expired": None, "revoked": None, "other_grantee": None,
                 "out_of_scope": set()}


def expected(role: str, mode: str, kind: str, auth_state: str) -> set[str] | None:
    """The disclosure classes of the target's records the caller sees, or None for a refused request."""
    roles, classes, natural = EXPECTED_MODE[mode]
    if role not in roles or (kind == "natural_person" and not natural):
        return None
    if mode == "authorized":
        allowed = EXPECTED_AUTH[auth_state]
        return None if allowed is None else classes & allowed
    return set(classes)


@dataclass
class Case:
    role: str
    endpoint: str
    mode: str
    kind: str
    auth_state: str

    @property
    def id(self) -> str:
        return f"{self.role}/{self.endpoint}/{self.mode}/{self.kind}/{self.auth_state}"


def generate() -> list[Case]:
    cases = []
    for role, endpoint, mode, kind, state in itertools.product(ROLES, ENDPOINTS, MODES, KINDS, AUTH_STATES):
        if endpoint == "public_records" and mode != "lawful_disclosure":
            continue                    # the public organisation page has one mode
        cases.append(Case(role, endpoint, mode, kind, state))
    return cases


CASES = generate()


def test_the_matrix_is_complete() -> None:
    assert len(CASES) == len(ROLES) * len(KINDS) * len(AUTH_STATES) * (2 * len(MODES) + 1)


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def world(settings, clock):  # type: ignore[no-untyped-def]
    from xinyong.api.app import create_app
    from xinyong.rules import load_rulebook
    from xinyong.services.platform.bootstrap import Platform

    ruleset = load_rulebook().by_abbrev("GS")
    assert ruleset is not None
    platform = Platform.from_settings(settings.model_copy(update={"jurisdiction": ruleset.id}), clock=clock)
    seed = Seed(platform).catalog()
    targets = {"natural_person": seed.subject("natural_person", "赵六一"),
               "legal_person": seed.subject("legal_person", "示范矩阵有限公司")}
    stranger = seed.subject("natural_person", "钱七二")
    records = {kind: {cls: seed.record(sid, ITEM_OF_CLASS[cls], conduct_ended=date(2025, 1, 1))
                      for cls in CLASSES} for kind, sid in targets.items()}
    orgs = {role: uscc(700000 + i) for i, role in enumerate(ROLES)}
    seed.institution(orgs["service_institution"], purposes=[AUTH_PURPOSE])
    tokens: dict[tuple[str, str], str | None] = {}
    for kind, sid in targets.items():
        tokens[("subject_own", kind)] = seed.user(Role.subject, subject_id=sid, token=True)[1]
    other = seed.user(Role.subject, subject_id=stranger, token=True)[1]
    for role in ROLES:
        if role in ("public", "subject_own"):
            continue
        token = other if role == "subject_other" else seed.user(Role(role), organisation=orgs[role], token=True)[1]
        for kind in KINDS:
            tokens[(role, kind)] = token
    for kind in KINDS:
        tokens[("public", kind)] = None
    # Authorizations, per target and per caller's organisation, one per state.
    auth_ids: dict[tuple[str, str, str], int | None] = {}
    with platform.sessions.begin() as session:
        for kind, sid in targets.items():
            for role in ROLES:
                grantee = orgs[role] if role not in ("public", "subject_own", "subject_other") else "NO-ORG"
                for state in AUTH_STATES:
                    if state == "none":
                        auth_ids[(kind, role, state)] = None
                        continue
                    row = Authorization(
                        subject_id=sid, grantee="91500000000000009X" if state == "other_grantee" else grantee,
                        purpose=AUTH_PURPOSE, scope=["registration"] if state == "out_of_scope" else ["*"],
                        valid_from=date(2026, 1, 1),
                        valid_until=date(2026, 3, 17) if state == "expired" else date(2026, 12, 31),
                        revoked_on=date(2026, 3, 1) if state == "revoked" else None, document_ref="AUTH",
                        granted_by="test", created_at=platform.clock.now())
                    session.add(row)
                    session.flush()
                    auth_ids[(kind, role, state)] = row.id
    with TestClient(create_app(platform)) as client:
        unknown = client.get(f"/api/v1/records/{2**31 - 1}/explain")        # an id that names no record
        assert unknown.status_code == 404 and unknown.json()["detail"]["reason"] == "record_unknown"
        yield {"platform": platform, "client": client, "targets": targets, "records": records, "tokens": tokens,
               "auth_ids": auth_ids, "unknown_explain": unknown.content}
    platform.engine.dispose()


def _log_row(platform, inquiry_id: int) -> InquiryLog:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        row = session.scalar(select(InquiryLog).where(InquiryLog.id == inquiry_id))
    assert row is not None, f"inquiry {inquiry_id} is not in the log"
    return row


def _explain_rows(platform, after: int) -> list[InquiryLog]:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return list(session.scalars(select(InquiryLog).where(InquiryLog.id > after, InquiryLog.channel == "explain")
                                    .order_by(InquiryLog.id)))


def _last_log_id(platform) -> int:  # type: ignore[no-untyped-def]
    with platform.sessions() as session:
        return session.scalar(select(func.max(InquiryLog.id))) or 0


def _request(world, case: Case):  # type: ignore[no-untyped-def]
    token = world["tokens"][(case.role, case.kind)]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params: dict[str, object] = {"mode": case.mode}
    if case.mode == "duty":
        params["purpose"] = PURPOSE
    auth_id = world["auth_ids"][(case.kind, case.role, case.auth_state)]
    if auth_id is not None:
        params["authorization"] = auth_id
    target = world["targets"][case.kind]
    client = world["client"]
    if case.endpoint == "inquiry":
        return [client.get(f"/api/v1/subjects/{target}/records", params=params, headers=headers)]
    if case.endpoint == "public_records":
        return [client.get(f"/api/v1/public/organisations/{target}/records", headers=headers)]
    return [client.get(f"/api/v1/records/{rid}/explain", params=params, headers=headers)
            for rid in world["records"][case.kind].values()]


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(world, role: str) -> None:  # type: ignore[no-untyped-def]
    platform = world["platform"]
    unexpected_allows: list[str] = []
    unexpected_denials: list[str] = []
    unlogged: list[str] = []
    for case in (c for c in CASES if c.role == role):
        want = expected(case.role, case.mode, case.kind, case.auth_state)
        records = world["records"][case.kind]
        class_of = {rid: cls for cls, rid in records.items()}
        before = _last_log_id(platform)
        responses = _request(world, case)
        if case.endpoint in ("inquiry", "public_records"):
            (response,) = responses
            body = response.json()
            if response.status_code == 200:
                seen = {class_of[r["id"]] for r in body["records"]}
                row = _log_row(platform, body["inquiry_id"])
                if sorted(row.returned_record_ids) != sorted(r["id"] for r in body["records"]):
                    unlogged.append(f"{case.id}: returned ids not logged")
                denied = {rid for rid, code in row.denied_records if code}
                if denied != set(records.values()) - {r["id"] for r in body["records"]}:
                    unlogged.append(f"{case.id}: withheld records not logged with a reason")
            else:
                assert response.status_code == 403, f"{case.id}: {response.status_code} {body}"
                seen = None
                detail = body["detail"]
                row = _log_row(platform, detail["inquiry_id"])
                if row.refused_reason != detail["reason"] or not detail.get("cite"):
                    unlogged.append(f"{case.id}: refusal not logged with its reason")
        else:
            seen = set()
            refused_all = True
            rows = _explain_rows(platform, before)
            for rid, response, row in zip(records.values(), responses, rows, strict=True):
                if response.status_code == 404:
                    # A record the caller may not know about: answered as an id that names no record,
                    # byte for byte, and logged with its real reason.
                    if response.content != world["unknown_explain"]:
                        unexpected_allows.append(f"{case.id}: explain of {rid} differs from an unknown id's")
                    if row.refused_reason is None:
                        refused_all = False
                        if len(row.denied_records) != 1 or row.denied_records[0][0] != rid \
                                or not row.denied_records[0][1]:
                            unlogged.append(f"{case.id}: concealed explain denial of {rid} not logged")
                    continue
                assert response.status_code == 200, f"{case.id}: {response.status_code}"
                body = response.json()
                assert row.id == body["inquiry_id"], f"{case.id}: explain of {rid} not logged"
                if not body["visible"] and case.role != "subject_own":
                    unexpected_allows.append(f"{case.id}: explained {rid}, which the caller may not know about")
                if body["visible"]:
                    seen.add(class_of[rid])
                if body["request_refused"] is None:
                    refused_all = False
                    if not body["visible"] and row.denied_records != [[rid, body["reasons"][-1]["code"]]]:
                        unlogged.append(f"{case.id}: explain denial of {rid} not logged")
                elif row.refused_reason != body["request_refused"]["code"]:
                    unlogged.append(f"{case.id}: explain refusal not logged")
            if refused_all:
                seen = None
        if want is None:
            if seen is not None:
                (unexpected_allows if seen else unexpected_denials).append(
                    f"{case.id}: expected a refusal, request allowed (saw {sorted(seen)})")
            continue
        if seen is None:
            unexpected_denials.append(f"{case.id}: expected {sorted(want)}, request refused")
        elif seen - want:
            unexpected_allows.append(f"{case.id}: saw {sorted(seen - want)} beyond {sorted(want)}")
        elif want - seen:
            unexpected_denials.append(f"{case.id}: missing {sorted(want - seen)}")
    assert unexpected_allows == [], "UNEXPECTED ALLOWS:\n" + "\n".join(unexpected_allows)
    assert unexpected_denials == [], "unexpected denials:\n" + "\n".join(unexpected_denials)
    assert unlogged == [], "denials not logged:\n" + "\n".join(unlogged)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_subject_reads_its_own_inquiry_log(world, role: str) -> None:  # type: ignore[no-untyped-def]
    token = world["tokens"][(role, "natural_person")]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = world["client"].get("/api/v1/me/inquiries", headers=headers)
    if role in ("subject_own", "subject_other"):
        assert response.status_code == 200
    else:
        assert response.status_code == (401 if role == "public" else 403)
        assert response.json()["detail"]["reason"] in ("sign_in_required", "not_verified")
